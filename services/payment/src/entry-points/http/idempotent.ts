// Idempotency for every mutation, as the well-known processors do it: the first answer to an
// `Idempotency-Key` is stored in PostgreSQL in the same transaction as the change it reports, and
// a retry with the same key and the same request gets that answer again, without running anything.
// The same key with another request is a 422. Validation errors (400) are not stored: nothing was
// attempted, so the client may fix the request and retry under the same key.
import { inTransaction } from '@trio/events/transaction';
import { getContext } from '@trio/service-runtime/context';
import { AppError } from '@trio/service-runtime/errors';
import { fingerprint as fingerprintOf } from '@trio/service-runtime/fingerprint';
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import { claimKey, storedAnswer, storeResponse } from '../../data-access/idempotency-keys.ts';

export interface Answer {
  status: number;
  body: unknown;
}

export interface IdempotencyDeps {
  db: Postgres;
  /** Keys the request fingerprints, which are derived from card numbers among others. */
  secret: string;
}

/**
 * The handler of an idempotent route: `work` runs at most once per key, inside the transaction
 * that stores its answer. An AppError it throws (a 404, a 409) is an answer too, and is stored.
 */
export function idempotent<Params, Body>(
  deps: IdempotencyDeps,
  operation: string,
  work: (tx: pg.PoolClient, req: Request<Params, unknown, Body>) => Promise<Answer>,
): RequestHandler<Params, unknown, Body> {
  return async (req, res) => {
    const key = req.get('idempotency-key')!;
    const fingerprint = fingerprintOf(deps.secret, { operation, params: req.params, body: req.body ?? null });
    const { answer, replayed } = await inTransaction(
      deps.db,
      async (tx, [claim]) => {
        if (claim!.rowCount !== 1) {
          const stored = await storedAnswer(tx, key);
          if (stored.fingerprint !== fingerprint) throw keyReused();
          return { answer: stored, replayed: true };
        }
        return { answer: await attempt(tx, () => work(tx, req)), replayed: false };
      },
      {
        // The claim and the savepoint with BEGIN, the answer with COMMIT: one round trip each.
        opening: (tx) => `${claimKey(tx, key, fingerprint)}; SAVEPOINT work`,
        closing: ({ answer, replayed }, tx) =>
          replayed ? undefined : storeResponse(tx, key, answer.status, answer.body),
      },
    );
    if (replayed) res.set('idempotent-replayed', 'true');
    if (answer.status >= 400) res.locals.errorCode = (answer.body as { error: { code: string } }).error.code;
    res.status(answer.status).json(answer.body);
  };
}

/**
 * Runs `work` behind the savepoint taken with the claim, so that an AppError it throws undoes its
 * writes but not the key's claim.
 */
async function attempt(tx: pg.PoolClient, work: () => Promise<Answer>): Promise<Answer> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT work');
    return errorAnswer(error.status, error.code, error.message, error.details);
  }
}

/** The runtime's error body (`ErrorBody` in the contracts), for answers that are stored. */
export function errorAnswer(status: number, code: string, message: string, details?: unknown): Answer {
  return { status, body: { error: { code, message, details, requestId: getContext()?.requestId } } };
}

function keyReused(): AppError {
  return new AppError(
    'idempotency_key_reused',
    'This Idempotency-Key was used with a different request; use a new key for a new request',
    { status: 422 },
  );
}
