// One PostgreSQL transaction on a pooled client: what the relay and the inbox use, and what a
// service can use to write its change and its outbox event together.
//
// Each statement is a round trip, and each round trip a socket write and read in the service and
// in PostgreSQL: the largest cost of the event machinery. `opening` and `closing` let a caller
// send a statement together with BEGIN and with COMMIT, in one simple-protocol message each
// (which allows no parameters: their values are written into the text, escaped by the caller).
import type pg from 'pg';

export interface TransactionOptions<T> {
  /** Statements sent with BEGIN in one round trip; their results are passed to the work, in order. */
  opening?: (client: pg.PoolClient) => string;
  /** A statement sent with COMMIT in one round trip, given what the work returned; none when undefined. */
  closing?: (result: T, client: pg.PoolClient) => string | undefined;
}

export async function inTransaction<T>(
  db: pg.Pool,
  work: (client: pg.PoolClient, opened: pg.QueryResult[]) => Promise<T>,
  options: TransactionOptions<T> = {},
): Promise<T> {
  const client = await db.connect();
  // A checked-out client whose connection dies between queries emits 'error'; without a listener
  // that would crash the process. The broken client is then destroyed rather than pooled.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    const opened =
      options.opening === undefined
        ? [await client.query('BEGIN')]
        : results(await client.query(`BEGIN; ${options.opening(client)}`));
    const result = await work(client, opened.slice(1));
    const closing = options.closing?.(result, client);
    const commit = results(await client.query(closing === undefined ? 'COMMIT' : `${closing}; COMMIT`)).at(
      -1,
    )!;
    // PostgreSQL answers COMMIT of a transaction in which a statement failed with ROLLBACK, and no
    // error: that happens when the work caught a database error and carried on.
    if (commit.command !== 'COMMIT') {
      throw new Error('the transaction was rolled back because a statement in it failed');
    }
    return result;
  } catch (error) {
    if (broken === undefined) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** A simple-protocol message with several statements answers with one result per statement. */
function results(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(result) ? result : [result];
}

/** A list of bigint ids (as node-pg returns them) as an SQL array literal; throws on anything else. */
export function bigintArrayLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!/^-?\d{1,19}$/.test(id)) throw new Error(`not a bigint id: ${id}`);
  return `'{${ids.join(',')}}'::bigint[]`;
}
