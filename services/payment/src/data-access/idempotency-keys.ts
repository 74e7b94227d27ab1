// SQL for the stored answers to idempotent requests.
import type pg from 'pg';

export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

// The claim is sent with BEGIN and the stored answer with COMMIT, one round trip each
// (inTransaction's opening and closing): they are statements without parameters, their values
// escaped into the text.

/**
 * Claims `key` for the transaction: one row inserted when the claim is new, none when someone
 * claimed it first (then `storedAnswer` reads theirs). A concurrent claim of the same key blocks
 * on the primary key until the first transaction ends, and then sees its committed row (or, if
 * that transaction rolled back, claims the key itself).
 */
export function claimKey(tx: pg.ClientBase, key: string, fingerprint: string): string {
  return `INSERT INTO idempotency_keys (key, fingerprint, status, body)
    VALUES (${tx.escapeLiteral(key)}, ${tx.escapeLiteral(fingerprint)}, 0, 'null') ON CONFLICT (key) DO NOTHING`;
}

/** The response stored by whoever claimed `key` first. */
export async function storedAnswer(tx: pg.PoolClient, key: string): Promise<StoredResponse> {
  // A new statement sees what committed meanwhile (READ COMMITTED).
  const { rows } = await tx.query<StoredResponse>(
    'SELECT fingerprint, status, body FROM idempotency_keys WHERE key = $1',
    [key],
  );
  if (rows[0] === undefined) throw new Error(`idempotency key row vanished after a conflict`);
  return rows[0];
}

export function storeResponse(tx: pg.ClientBase, key: string, status: number, body: unknown): string {
  if (!Number.isInteger(status)) throw new Error(`not an HTTP status: ${status}`);
  return `UPDATE idempotency_keys SET status = ${status}, body = ${tx.escapeLiteral(JSON.stringify(body))}
    WHERE key = ${tx.escapeLiteral(key)}`;
}
