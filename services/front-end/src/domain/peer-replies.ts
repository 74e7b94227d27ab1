// A REST peer's answer as the BFF passes it on: the body of the status the use case expects; a 4xx
// re-thrown to the BFF's client as the same error (its body is the shop's ErrorBody); any other
// status as the peer failing (503, "try again"). An answer the peer's contract does not declare
// never gets here: the typed client reports it as PeerUnavailable already.
import { ErrorBody } from '@trio/contracts/common';
import { AppError } from '@trio/service-runtime/errors';
import { PeerUnavailable } from '@trio/service-runtime/peer';

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Headers;
}

/** A 4xx from a peer, re-thrown as the same error to the BFF's client. */
export function passOn(reply: Reply): AppError {
  const parsed = ErrorBody.safeParse(reply.body);
  const error = parsed.success ? parsed.data.error : { code: 'bad_request', message: 'Request refused' };
  const retryAfter = Number(reply.headers?.get('retry-after'));
  return new AppError(error.code, error.message, {
    status: reply.status,
    // A peer's "try again in N s" (a login limit, say) reaches the shopper as it was said.
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    ...(parsed.success && parsed.data.error.details !== undefined
      ? { details: parsed.data.error.details }
      : {}),
  });
}

/** The body of the `ok` answer; any other answer thrown as above. */
export function bodyOf<R extends Reply, S extends R['status']>(
  peer: string,
  reply: R,
  ok: S,
): Extract<R, { status: S }>['body'] {
  if (reply.status === ok) return reply.body as Extract<R, { status: S }>['body'];
  if (reply.status >= 400 && reply.status < 500) throw passOn(reply);
  throw new PeerUnavailable(peer, new Error(`answered ${reply.status}`));
}
