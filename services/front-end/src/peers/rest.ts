// The answers of the REST peers (catalog, profiles, billing), sorted for the BFF: a 2xx body parsed
// with the contract, a 4xx passed on to the client as it came (its body is the shop's ErrorBody), a
// 5xx or no answer as PeerUnavailable (503 to the client, "try again").
import { ErrorBody } from '@trio/contracts/common';
import { AppError } from '@trio/service-runtime/errors';
import { type PeerReply, PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';

/** A 4xx from a peer, re-thrown as the same error to the BFF's client. */
export function passOn(reply: PeerReply): AppError {
  const parsed = ErrorBody.safeParse(reply.body);
  const error = parsed.success ? parsed.data.error : { code: 'bad_request', message: 'Request refused' };
  return new AppError(error.code, error.message, {
    status: reply.status,
    ...(parsed.success && parsed.data.error.details !== undefined
      ? { details: parsed.data.error.details }
      : {}),
  });
}

export async function expect<T>(
  peer: RestPeer,
  reply: PeerReply,
  ok: number[],
  schema: { parse(value: unknown): T },
): Promise<T> {
  if (ok.includes(reply.status)) return schema.parse(reply.body);
  if (reply.status >= 400 && reply.status < 500) throw passOn(reply);
  throw new PeerUnavailable(peer.name, new Error(`answered ${reply.status}`));
}
