// Use cases of saved addresses. Only the session's own user has addresses as far as a caller can
// tell: another user's id, or another user's address id, is a 404.
import type { AddressInput, SavedAddress } from '@trio/contracts/profiles';
import { inTransaction } from '@trio/events/transaction';
import type { Postgres } from '@trio/service-runtime/postgres';
import * as sql from '../data-access/addresses.ts';
import type { CurrentSession } from './accounts.ts';
import { notFound } from './errors.ts';

function ownUser(session: CurrentSession, userId: string): string {
  if (session.user.id !== userId) throw notFound('user');
  return userId;
}

export async function listAddresses(db: Postgres, session: CurrentSession, userId: string) {
  return { items: await sql.listAddresses(db, ownUser(session, userId)) };
}

export async function addAddress(
  db: Postgres,
  session: CurrentSession,
  userId: string,
  input: AddressInput,
): Promise<SavedAddress> {
  const owner = ownUser(session, userId);
  return inTransaction(db, async (tx) => {
    if (input.isDefault) await sql.clearDefault(tx, owner);
    return sql.insertAddress(tx, owner, crypto.randomUUID(), input);
  });
}

export async function replaceAddress(
  db: Postgres,
  session: CurrentSession,
  userId: string,
  addressId: string,
  input: AddressInput,
): Promise<SavedAddress> {
  const owner = ownUser(session, userId);
  return inTransaction(db, async (tx) => {
    if (input.isDefault) await sql.clearDefault(tx, owner);
    const saved = await sql.replaceAddress(tx, owner, addressId, input);
    // Throwing rolls back the cleared default too.
    if (saved === undefined) throw notFound('address');
    return saved;
  });
}

export async function deleteAddress(
  db: Postgres,
  session: CurrentSession,
  userId: string,
  addressId: string,
): Promise<void> {
  if (!(await sql.deleteAddress(db, ownUser(session, userId), addressId))) throw notFound('address');
}
