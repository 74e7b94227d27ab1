// payment (REST, :3003): a simulated card processor in the style of the well-known ones. Every
// mutation takes an `Idempotency-Key`: the same key and body replays the first answer, the same
// key with another body is a 422. A full card number enters here and never leaves: responses,
// events and storage only ever see the token, brand and last four digits.
import { z } from 'zod';
import {
  IdempotencyHeaders,
  IsoDateTime,
  Money,
  noControlCharacters,
  OrderId,
  PaymentId,
  PositiveMoney,
} from './common.ts';
import { defineRoute, errorResponses } from './http.ts';

/** The Luhn checksum every real card number satisfies; a number that fails it is a 400. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const cardDigits = /^[0-9]{12,19}$/;

export const CardNumber = z
  .string()
  .regex(cardDigits, 'must be 12-19 digits without spaces')
  // Only a well-formed number gets a Luhn verdict; anything else already has its message.
  .refine(
    (number) => !cardDigits.test(number) || isLuhnValid(number),
    'is not a valid card number (Luhn check failed)',
  )
  .meta({
    id: 'CardNumber',
    description: 'Full card number; never stored or logged',
    examples: ['4242424242424242'],
  });

export const CardInput = z
  .object({
    number: CardNumber,
    expMonth: z.int('must be a whole number').min(1, 'must be 1-12').max(12, 'must be 1-12'),
    expYear: z.int('must be a whole number').min(2000, 'must be a four-digit year').max(2099),
    cvc: z.string().regex(/^[0-9]{3,4}$/, 'must be 3 or 4 digits'),
  })
  .meta({ id: 'CardInput', description: 'A card as the customer typed it' });
export type CardInput = z.infer<typeof CardInput>;

// The customer a card belongs to, in the caller's own terms (billing passes the profiles user id).
// A token only ever charges for the owner it was stored for: a token is a bearer secret that
// travels through caches, logs and browsers, so knowing one must not be enough to spend it.
export const CardOwner = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters, e.g. a user id')
  .meta({ id: 'CardOwner', description: 'Who the card belongs to: the caller’s id for the customer' });

export const CreateCardRequest = CardInput.extend({ owner: CardOwner }).meta({
  id: 'CreateCardRequest',
  description: 'A card as the customer typed it, and whose it is',
});
export type CreateCardRequest = z.infer<typeof CreateCardRequest>;

export const CardToken = z
  .string()
  .regex(/^tok_[A-Za-z0-9]{8,64}$/, 'must be a card token issued by payment, e.g. "tok_4f8a0c1e2b3d"')
  .meta({ id: 'CardToken' });

export const CardBrand = z
  .enum(['visa', 'mastercard', 'amex', 'discover', 'unknown'])
  .meta({ id: 'CardBrand' });

export const StoredCard = z
  .object({
    token: CardToken,
    brand: CardBrand,
    last4: z.string().regex(/^[0-9]{4}$/),
    expMonth: z.int().min(1).max(12),
    expYear: z.int().min(2000).max(2099),
  })
  .meta({ id: 'StoredCard', description: 'All that is kept of a card' });
export type StoredCard = z.infer<typeof StoredCard>;

export const PaymentSource = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('card'), card: CardInput }),
    z.object({ type: z.literal('token'), token: CardToken }),
  ])
  .meta({
    id: 'PaymentSource',
    description:
      'A card as typed, or the token of a card already stored (POST /cards, or an earlier payment)',
  });
export type PaymentSource = z.infer<typeof PaymentSource>;

export const PaymentFailureCode = z
  .enum(['card_declined', 'insufficient_funds', 'expired_card', 'processing_error'])
  .meta({ id: 'PaymentFailureCode' });
export type PaymentFailureCode = z.infer<typeof PaymentFailureCode>;

export const PaymentStatus = z
  .enum(['authorized', 'captured', 'partially_refunded', 'refunded', 'voided'])
  .meta({ id: 'PaymentStatus' });
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const Payment = z
  .object({
    id: PaymentId,
    orderId: OrderId,
    status: PaymentStatus,
    amount: Money,
    capturedAmount: Money,
    refundedAmount: Money,
    card: StoredCard,
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({
    id: 'Payment',
    description: '`amount` was authorized; `capturedAmount` and `refundedAmount` were taken and given back',
  });
export type Payment = z.infer<typeof Payment>;

export const AuthorizeRequest = z
  .object({
    orderId: OrderId,
    amount: PositiveMoney,
    source: PaymentSource,
    owner: CardOwner.describe(
      'Whose card: a typed card is stored for this owner, a token must have been stored for it',
    ),
  })
  .meta({ id: 'AuthorizeRequest' });
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const CaptureRequest = z
  .object({ amount: PositiveMoney.optional() })
  .meta({ id: 'CaptureRequest', description: 'Without `amount`, captures the whole authorized amount' });
export type CaptureRequest = z.infer<typeof CaptureRequest>;

export const RefundRequest = z
  .object({
    amount: PositiveMoney.optional(),
    reason: noControlCharacters(z.string().max(200)).optional(),
  })
  .meta({
    id: 'RefundRequest',
    description: 'Without `amount`, refunds everything captured and not yet refunded',
  });
export type RefundRequest = z.infer<typeof RefundRequest>;

const PaymentParams = z.object({ paymentId: PaymentId });

// An unknown token and another owner's token get the same 404 (and the same 400 on authorize):
// a different answer would tell whoever holds a leaked or guessed token that it is live.
const notYoursOrUnknown = 'A token that is unknown and one stored for another owner answer alike.';

export const paymentRoutes = {
  createCard: defineRoute({
    method: 'post',
    path: '/cards',
    summary: 'Store a card and get its token, without charging anything',
    description:
      'The card number and CVC go no further: what is stored is a token, the brand, the last four ' +
      'digits and the expiry. Authorizing with the token answers as the card itself would (the test ' +
      'cards keep their behaviour). Lets a caller keep a token, never a card number, while it works.',
    auth: 'none',
    callers: ['billing'],
    headers: IdempotencyHeaders,
    body: CreateCardRequest,
    responses: {
      201: { description: 'The stored card', body: StoredCard },
      ...errorResponses(400, 413, 422),
    },
  }),
  getCard: defineRoute({
    method: 'get',
    path: '/cards/:token',
    summary: 'A stored card, if it belongs to `owner`',
    description: `Lets a caller refuse a token before it starts anything that would need undoing. ${notYoursOrUnknown}`,
    auth: 'none',
    callers: ['billing'],
    params: z.object({ token: CardToken }),
    query: z.object({ owner: CardOwner }),
    responses: { 200: { description: 'The stored card', body: StoredCard }, ...errorResponses(400, 404) },
  }),
  authorize: defineRoute({
    method: 'post',
    path: '/payments',
    summary: 'Authorize an amount on a card; publishes payment.authorized or payment.failed',
    description:
      'Test cards: 4242424242424242 succeeds; 4000000000000002 is declined; 4000000000009995 has ' +
      'insufficient funds; 4000000000000119 is a processing error; 4000000000003220 succeeds after 3 s. ' +
      'Any other number passing the Luhn check succeeds. A token must have been stored for `owner`, ' +
      `else the answer is a 400 on source.token. ${notYoursOrUnknown}`,
    auth: 'none',
    callers: ['billing'],
    headers: IdempotencyHeaders,
    body: AuthorizeRequest,
    responses: {
      201: { description: 'Authorized', body: Payment },
      ...errorResponses(400, 402, 409, 413, 422),
    },
  }),
  getPayment: defineRoute({
    method: 'get',
    path: '/payments/:paymentId',
    summary: 'One payment',
    auth: 'none',
    callers: ['billing'],
    params: PaymentParams,
    responses: { 200: { description: 'The payment', body: Payment }, ...errorResponses(400, 404) },
  }),
  capture: defineRoute({
    method: 'post',
    path: '/payments/:paymentId/capture',
    summary: 'Capture an authorized payment; publishes payment.captured',
    auth: 'none',
    callers: ['billing'],
    params: PaymentParams,
    headers: IdempotencyHeaders,
    body: CaptureRequest,
    responses: { 200: { description: 'Captured', body: Payment }, ...errorResponses(400, 404, 409, 422) },
  }),
  void: defineRoute({
    method: 'post',
    path: '/payments/:paymentId/void',
    summary: 'Release an authorization that was not captured',
    auth: 'none',
    callers: ['billing'],
    params: PaymentParams,
    headers: IdempotencyHeaders,
    responses: { 200: { description: 'Voided', body: Payment }, ...errorResponses(400, 404, 409, 422) },
  }),
  refund: defineRoute({
    method: 'post',
    path: '/payments/:paymentId/refund',
    summary: 'Refund a captured payment, wholly or in part; publishes payment.refunded',
    auth: 'none',
    callers: ['billing'],
    params: PaymentParams,
    headers: IdempotencyHeaders,
    body: RefundRequest,
    responses: { 200: { description: 'Refunded', body: Payment }, ...errorResponses(400, 404, 409, 422) },
  }),
} as const;

/** Payload of `payment.authorized`. */
export const PaymentAuthorized = z
  .object({
    paymentId: PaymentId,
    orderId: OrderId,
    amount: Money,
    card: StoredCard.pick({ brand: true, last4: true }),
  })
  .meta({ id: 'PaymentAuthorized' });
export type PaymentAuthorized = z.infer<typeof PaymentAuthorized>;

/** Payload of `payment.captured`. */
export const PaymentCaptured = z
  .object({ paymentId: PaymentId, orderId: OrderId, amount: Money })
  .meta({ id: 'PaymentCaptured' });
export type PaymentCaptured = z.infer<typeof PaymentCaptured>;

/** Payload of `payment.failed`: an authorization the processor refused. */
export const PaymentFailed = z
  .object({ orderId: OrderId, amount: Money, code: PaymentFailureCode, message: z.string() })
  .meta({ id: 'PaymentFailed' });
export type PaymentFailed = z.infer<typeof PaymentFailed>;

/** Payload of `payment.refunded`. */
export const PaymentRefunded = z
  .object({
    paymentId: PaymentId,
    orderId: OrderId,
    amount: Money,
    refundedTotal: Money,
  })
  .meta({
    id: 'PaymentRefunded',
    description: '`amount` is this refund, `refundedTotal` all refunds so far',
  });
export type PaymentRefunded = z.infer<typeof PaymentRefunded>;
