// payment, for the saga's money steps. Every call carries an Idempotency-Key derived from the order
// id and the step, so a step repeated after a crash or a lost answer replays payment's first answer
// instead of charging again. Answers are sorted into what the saga acts on: done, refused (a
// definite no, e.g. a declined card) or no answer (PeerUnavailable: try again later).
import type { CardInput, Payment, StoredCard } from '@trio/contracts/payment';
import { Payment as PaymentSchema, StoredCard as StoredCardSchema } from '@trio/contracts/payment';
import { PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';

export type PaymentAnswer<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string };

export interface PaymentPeer {
  storeCard(key: string, card: CardInput): Promise<PaymentAnswer<StoredCard>>;
  authorize(
    key: string,
    request: { orderId: string; amount: { amount: number; currency: string }; token: string },
  ): Promise<PaymentAnswer<Payment>>;
  capture(key: string, paymentId: string): Promise<PaymentAnswer<Payment>>;
  void(key: string, paymentId: string): Promise<PaymentAnswer<Payment>>;
}

export function paymentPeer(peer: RestPeer): PaymentPeer {
  async function post<T>(
    path: string,
    key: string,
    body: unknown,
    schema: { parse(value: unknown): T },
  ): Promise<PaymentAnswer<T>> {
    const reply = await peer.request('POST', path, { body, headers: { 'idempotency-key': key } });
    if (reply.status === 200 || reply.status === 201) return { ok: true, value: schema.parse(reply.body) };
    // 5xx and 429 mean "not now", not "no": the caller retries under the same key.
    if (reply.status >= 500 || reply.status === 429) {
      throw new PeerUnavailable(peer.name, new Error(`POST ${path} answered ${reply.status}`));
    }
    const error = (reply.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    return {
      ok: false,
      status: reply.status,
      code: error?.code ?? 'unknown',
      message: error?.message ?? `payment answered ${reply.status}`,
    };
  }

  return {
    storeCard: (key, card) => post('/cards', key, card, StoredCardSchema),
    authorize: (key, request) =>
      post(
        '/payments',
        key,
        { orderId: request.orderId, amount: request.amount, source: { type: 'token', token: request.token } },
        PaymentSchema,
      ),
    capture: (key, paymentId) => post(`/payments/${paymentId}/capture`, key, {}, PaymentSchema),
    void: (key, paymentId) => post(`/payments/${paymentId}/void`, key, undefined, PaymentSchema),
  };
}
