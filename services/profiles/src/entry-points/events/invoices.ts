// invoice.issued (queue `profiles.invoices`): the customer's "your invoice is ready" email, written
// to the email log (the shop sends no mail). Runs in the consumer's transaction with the event's
// inbox row; the `about` key keeps a copy of the event from logging a second email.
import { formatMoney } from '@trio/contracts/common';
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type pg from 'pg';
import { findUser } from '../../data-access/users.ts';

export function invoiceEventHandlers(): SubscriptionHandlers<'profiles.invoices', pg.PoolClient> {
  return {
    'invoice.issued': async (event, { tx, log }) => {
      const { invoiceId, number, userId, total } = event.payload;
      const user = await findUser(tx, userId);
      if (user === undefined) {
        log.warn({ userId, invoiceId }, 'invoice for a user profiles does not know; no email');
        return;
      }
      await tx.query(
        `INSERT INTO email_log (user_id, to_address, subject, body, about) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (about) DO NOTHING`,
        [
          user.id,
          user.email,
          `Your Trio Shop invoice ${number}`,
          `Hello ${user.name},\n\nthank you for your order. Invoice ${number} over ${formatMoney(total)} is ready ` +
            'in your account, under "Your orders".\n\nTrio Shop',
          `invoice:${invoiceId}`,
        ],
      );
      log.info({ userId, invoiceId }, 'invoice email logged');
    },
  };
}
