// SQL for saved addresses. Every query names the owner, so one user's id never reaches another's rows.
import type { AddressInput, SavedAddress } from '@trio/contracts/profiles';
import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

interface AddressRow {
  id: string;
  label: string | null;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  country: string;
  is_default: boolean;
}

const columns = 'id, label, name, line1, line2, city, postal_code, country, is_default';

function toAddress(row: AddressRow): SavedAddress {
  return {
    id: row.id,
    ...(row.label === null ? {} : { label: row.label }),
    name: row.name,
    line1: row.line1,
    ...(row.line2 === null ? {} : { line2: row.line2 }),
    city: row.city,
    postalCode: row.postal_code,
    country: row.country,
    isDefault: row.is_default,
  };
}

export async function listAddresses(db: Queryable, userId: string): Promise<SavedAddress[]> {
  const { rows } = await db.query<AddressRow>(
    `SELECT ${columns} FROM addresses WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
  return rows.map(toAddress);
}

/** Unsets the user's default address, before another becomes the default. */
export async function clearDefault(tx: pg.PoolClient, userId: string): Promise<void> {
  await tx.query('UPDATE addresses SET is_default = false WHERE user_id = $1 AND is_default', [userId]);
}

export async function insertAddress(
  tx: pg.PoolClient,
  userId: string,
  id: string,
  input: AddressInput,
): Promise<SavedAddress> {
  const { rows } = await tx.query<AddressRow>(
    `INSERT INTO addresses (id, user_id, label, name, line1, line2, city, postal_code, country, is_default)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${columns}`,
    [id, userId, ...values(input)],
  );
  return toAddress(rows[0]!);
}

/** The replaced address, or undefined when the user has no address with that id. */
export async function replaceAddress(
  tx: pg.PoolClient,
  userId: string,
  id: string,
  input: AddressInput,
): Promise<SavedAddress | undefined> {
  const { rows } = await tx.query<AddressRow>(
    `UPDATE addresses SET label = $3, name = $4, line1 = $5, line2 = $6, city = $7, postal_code = $8,
       country = $9, is_default = $10, updated_at = now()
     WHERE id = $1 AND user_id = $2 RETURNING ${columns}`,
    [id, userId, ...values(input)],
  );
  return rows[0] && toAddress(rows[0]);
}

/** Whether the user had an address with that id. */
export async function deleteAddress(db: Queryable, userId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM addresses WHERE id = $1 AND user_id = $2', [id, userId]);
  return rowCount === 1;
}

function values(input: AddressInput) {
  return [
    input.label ?? null,
    input.name,
    input.line1,
    input.line2 ?? null,
    input.city,
    input.postalCode,
    input.country,
    input.isDefault,
  ];
}
