// Storing a card without charging it: the caller keeps the token, never the number, and can
// authorize with it later (and again after a crash) with the same outcome as the card itself.
import type { CardInput, StoredCard } from '@trio/contracts/payment';
import type pg from 'pg';
import { insertCard } from '../data-access/payments.ts';
import { cardOnFile } from './processor.ts';

export async function createCard(tx: pg.PoolClient, input: CardInput): Promise<StoredCard> {
  const card = cardOnFile(input);
  await insertCard(tx, card);
  // The behaviour stays inside payment: the answer is the contract's StoredCard and nothing more.
  return {
    token: card.token,
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
  };
}
