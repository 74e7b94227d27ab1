// The AMQP fault flags on a running native shop (`npm start`), each set with `npm run fault` (the
// CLI itself, as a process), seen in the services' own data and /metrics, cleared and seen to
// recover: a slow consumer and a rejecting one. faults.test.ts does the REST and ZeroRPC ones.
// Fixed ports: run under the heavy lock (HELPERS.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '@trio/testing/wait';
import { followed, onLaunchedShop, ports, timedJourney } from './support/faults.ts';
import { faultsInjected, useLaunchedShop } from './support/launch.ts';

const shop = useLaunchedShop(14);

describe('the AMQP fault flags on a running native shop', () => {
  test('consumer-slow and reject: set, seen, cleared, recovered', { timeout: 180_000 }, async () => {
    await onLaunchedShop(shop, {}, async ({ fault, db, account, step }) => {
      // A slow consumer: shipping handles order.confirmed 3 s late, so the shipment is committed at
      // least 3 s after billing wrote the event (both times from PostgreSQL's clock).
      fault('set', 'shipping', 'consumer-slow=3s');
      await followed();
      const slowOrder = await timedJourney(account);
      let lag = 0;
      await waitFor(
        'the shipment',
        async () => {
          const { rows } = await db.query<{ lag: number }>(
            `SELECT extract(epoch FROM clock_timestamp() - o.created_at) * 1000 AS lag
             FROM shipping.shipments s, billing.event_outbox o
            WHERE s.order_id = $1 AND o.aggregate_key = $1::text AND o.event_type = 'order.confirmed'`,
            [slowOrder.orderId],
          );
          lag = Number(rows[0]?.lag ?? 0);
          return rows.length > 0;
        },
        30_000,
      );
      assert.ok(lag >= 3_000, `the shipment was there ${lag} ms after the event`);
      assert.ok((await faultsInjected(ports.shipping, 'consumer-slow')) > 0);
      fault('clear', 'shipping');
      step(`shipping consumer-slow=3s: shipment seen ${(lag / 1000).toFixed(1)} s after order.confirmed`);

      // Rejected messages: inventory fails order.confirmed, so the order's reservation stays held
      // while the delivery goes through the retry tiers; cleared, a retry commits it.
      fault('set', 'inventory', 'reject=1');
      await followed();
      const rejected = await timedJourney(account);
      const reservation = async () =>
        (
          await db.query<{ status: string }>(
            'SELECT status FROM inventory.reservations WHERE order_id = $1',
            [rejected.orderId],
          )
        ).rows[0]?.status;
      await waitFor(
        'inventory to reject',
        async () => (await faultsInjected(ports.inventory, 'reject')) > 0,
        30_000,
      );
      assert.equal(await reservation(), 'held', 'not committed while rejected');
      fault('clear', 'inventory');
      const clearedAt = performance.now();
      await waitFor('a retry to commit it', async () => (await reservation()) === 'committed', 45_000);
      step(
        `inventory reject=1: committed by a retry ${((performance.now() - clearedAt) / 1000).toFixed(1)} s after the clear`,
      );
    });
  });
});
