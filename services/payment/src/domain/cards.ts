// Storing a card without charging it: the caller keeps the token, never the number, and can
// authorize with it later (and again after a crash) with the same outcome as the card itself.
// A card is stored for its owner and its token charges only for that owner.
import type { CreateCardRequest, StoredCard } from '@trio/contracts/payment';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { findCard, insertCard } from '../data-access/payments.ts';
import { cardNotFound } from './errors.ts';
import { type CardOnFile, cardOnFile } from './processor.ts';

export async function createCard(tx: pg.PoolClient, input: CreateCardRequest): Promise<StoredCard> {
  const card = cardOnFile(input);
  await insertCard(tx, card, input.owner);
  return storedCard(card);
}

/** The owner's card with this token; another owner's answers exactly as an unknown token does. */
export async function getCard(db: Postgres, token: string, owner: string): Promise<StoredCard> {
  const card = await findCard(db, token, owner);
  if (card === undefined) throw cardNotFound();
  return storedCard(card);
}

function storedCard(card: CardOnFile): StoredCard {
  // The behaviour stays inside payment: the answer is the contract's StoredCard and nothing more.
  return {
    token: card.token,
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
  };
}
