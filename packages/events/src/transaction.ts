// One PostgreSQL transaction on a pooled client: what the relay and the inbox use, and what a
// service can use to write its change and its outbox event together.
import type pg from 'pg';

export async function inTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  // A checked-out client whose connection dies between queries emits 'error'; without a listener
  // that would crash the process. The broken client is then destroyed rather than pooled.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    const commit = await client.query('COMMIT');
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
