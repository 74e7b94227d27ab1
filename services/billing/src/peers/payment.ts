// payment, for the saga's money steps. Every call carries an Idempotency-Key derived from the order
// id and the step, so a step repeated after a crash or a lost answer replays payment's first answer
// instead of charging again. Answers are sorted into what the saga acts on: done, refused (a
// definite no, e.g. a declined card) or no answer (PeerUnavailable: try again later; the typed
// client also reports a 5xx or a 429, which payment's contract does not declare, that way).
import type { ErrorBody } from '@trio/contracts/common';
import { type CardInput, type Payment, paymentRoutes, type StoredCard } from '@trio/contracts/payment';
import type { RestPeer } from '@trio/service-runtime/peer';
import { createRestClient } from '@trio/service-runtime/rest-client';

export type PaymentAnswer<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string };

/** Cards belong to a customer: billing names its user id as the card's owner at payment. */
export interface PaymentPeer {
  storeCard(key: string, card: CardInput, owner: string): Promise<PaymentAnswer<StoredCard>>;
  /** The owner's card with this token; another owner's token answers as an unknown one (404). */
  card(token: string, owner: string): Promise<PaymentAnswer<StoredCard>>;
  authorize(
    key: string,
    request: {
      orderId: string;
      amount: { amount: number; currency: string };
      token: string;
      owner: string;
    },
  ): Promise<PaymentAnswer<Payment>>;
  capture(key: string, paymentId: string): Promise<PaymentAnswer<Payment>>;
  void(key: string, paymentId: string): Promise<PaymentAnswer<Payment>>;
}

type Refusal = { status: 400 | 402 | 404 | 409 | 413 | 422; body: ErrorBody };

/** payment's answer: its success, or one of its declared refusals, each with the shop's ErrorBody. */
function sorted<T>(reply: { status: 200 | 201; body: T } | Refusal): PaymentAnswer<T> {
  if (isRefusal(reply)) {
    const { error } = reply.body;
    return { ok: false, status: reply.status, code: error.code, message: error.message };
  }
  return { ok: true, value: reply.body };
}

const isRefusal = (reply: { status: number }): reply is Refusal => reply.status >= 400;

export function paymentPeer(peer: RestPeer): PaymentPeer {
  const payment = createRestClient(peer, paymentRoutes);
  const keyed = (key: string) => ({ 'idempotency-key': key });
  return {
    storeCard: async (key, card, owner) =>
      sorted(await payment.createCard({ headers: keyed(key), body: { ...card, owner } })),
    card: async (token, owner) => sorted(await payment.getCard({ params: { token }, query: { owner } })),
    authorize: async (key, request) =>
      sorted(
        await payment.authorize({
          headers: keyed(key),
          body: {
            orderId: request.orderId,
            amount: request.amount,
            source: { type: 'token', token: request.token },
            owner: request.owner,
          },
        }),
      ),
    capture: async (key, paymentId) =>
      sorted(await payment.capture({ params: { paymentId }, headers: keyed(key), body: {} })),
    void: async (key, paymentId) =>
      sorted(await payment.void({ params: { paymentId }, headers: keyed(key) })),
  };
}
