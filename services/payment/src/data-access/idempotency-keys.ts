// SQL for the stored answers to idempotent requests.
import type pg from 'pg';

export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

/**
 * Claims `key` for this transaction. Returns undefined when the claim is new; otherwise the
 * response stored by whoever claimed it first. A concurrent claim of the same key blocks on the
 * primary key until the first transaction ends, and then reads its committed answer (or, if that
 * transaction rolled back, claims the key itself).
 */
export async function claimKey(
  tx: pg.PoolClient,
  key: string,
  fingerprint: string,
): Promise<StoredResponse | undefined> {
  const { rowCount } = await tx.query(
    `INSERT INTO idempotency_keys (key, fingerprint, status, body) VALUES ($1, $2, 0, 'null')
     ON CONFLICT (key) DO NOTHING`,
    [key, fingerprint],
  );
  if (rowCount === 1) return undefined;
  // A new statement sees what committed meanwhile (READ COMMITTED).
  const { rows } = await tx.query<StoredResponse>(
    'SELECT fingerprint, status, body FROM idempotency_keys WHERE key = $1',
    [key],
  );
  if (rows[0] === undefined) throw new Error(`idempotency key row vanished after a conflict`);
  return rows[0];
}

export async function storeResponse(
  tx: pg.PoolClient,
  key: string,
  status: number,
  body: unknown,
): Promise<void> {
  await tx.query('UPDATE idempotency_keys SET status = $2, body = $3 WHERE key = $1', [
    key,
    status,
    JSON.stringify(body),
  ]);
}
