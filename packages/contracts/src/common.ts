// Vocabulary shared by every bounded context: money, identifiers, addresses, pages and the one
// error body all REST services answer with. Every exported schema that carries an `id` in its
// metadata becomes a named component in the generated OpenAPI and AsyncAPI documents, so ids
// equal the export names and are unique across the package.
import { z } from 'zod';

export const ServiceName = z.enum([
  'front-end',
  'catalog',
  'inventory',
  'recommendations',
  'profiles',
  'payment',
  'shipping',
  'billing',
]);
export type ServiceName = z.infer<typeof ServiceName>;

// ICU's list is the ISO 4217 table Node ships with; a regex alone would accept "XYZ".
const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter upper-case ISO 4217 code such as "EUR"')
  .refine((code) => knownCurrencies.has(code), 'is not an ISO 4217 currency code')
  .meta({ id: 'CurrencyCode', description: 'ISO 4217 currency code', examples: ['EUR'] });
export type CurrencyCode = z.infer<typeof CurrencyCode>;

const minorUnits = (min: 0 | 1, description: string) =>
  z
    .int('must be an integer number of minor units (cents), not a decimal')
    .min(min, min === 0 ? 'must not be negative' : 'must be greater than 0')
    .describe(description);

// Integer minor units avoid every floating-point rounding question; the currency travels with
// the amount so that no service has to assume one.
export const Money = z
  .object({
    amount: minorUnits(0, 'Amount in the currency’s minor units, e.g. 1999 = 19.99 EUR'),
    currency: CurrencyCode,
  })
  .meta({ id: 'Money', description: 'An amount of money', examples: [{ amount: 1999, currency: 'EUR' }] });
export type Money = z.infer<typeof Money>;

// One formatter per currency, with its scale worked out once (resolvedOptions() builds a new object
// on every call, and a listing page formats dozens of prices).
const moneyFormats = new Map<string, { format: Intl.NumberFormat; scale: number }>();

/** An amount as people read it, e.g. `€19.99`: minor units scaled by the currency's own digits. */
export function formatMoney(money: { amount: number; currency: string }): string {
  let entry = moneyFormats.get(money.currency);
  if (entry === undefined) {
    const format = new Intl.NumberFormat('en-IE', { style: 'currency', currency: money.currency });
    entry = { format, scale: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    moneyFormats.set(money.currency, entry);
  }
  return entry.format.format(money.amount / entry.scale);
}

export const PositiveMoney = z
  .object({ amount: minorUnits(1, 'Amount in minor units, at least 1'), currency: CurrencyCode })
  .meta({ id: 'PositiveMoney', description: 'An amount of money greater than zero' });
export type PositiveMoney = z.infer<typeof PositiveMoney>;

export const Sku = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{2,31}$/, 'must be 3-32 upper-case letters, digits or dashes, e.g. "MUG-0001"')
  .meta({
    id: 'Sku',
    description: 'Stock keeping unit, the product key in every service',
    examples: ['MUG-0001'],
  });
export type Sku = z.infer<typeof Sku>;

/** A whole number between `min` and `max`, each wrong value told what is right. */
export function wholeNumberBetween(min: number, max: number) {
  const range = `must be a whole number between ${min} and ${max}`;
  return z.int(range).min(min, range).max(max, range);
}

export const Quantity = wholeNumberBetween(1, 999).meta({
  id: 'Quantity',
  description: 'Number of units of one sku',
});

export const LineItem = z
  .object({ sku: Sku, qty: Quantity })
  .meta({ id: 'LineItem', description: 'A sku and how many units of it' });
export type LineItem = z.infer<typeof LineItem>;

const uuid = (id: string, what: string) => z.uuid(`must be a UUID (${what})`).meta({ id, description: what });
export const UserId = uuid('UserId', 'user id, issued by profiles');
export const OrderId = uuid('OrderId', 'order id, issued by billing');
export const PaymentId = uuid('PaymentId', 'payment id, issued by payment');
export const InvoiceId = uuid('InvoiceId', 'invoice id, issued by billing');
export const ShipmentId = uuid('ShipmentId', 'shipment id, issued by shipping');
export const AddressId = uuid('AddressId', 'saved address id, issued by profiles');

/** A W3C Trace Context trace id: 32 lowercase hex digits, not all zero. */
export const TraceId = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'must be a trace id: 32 lowercase hex digits')
  .refine((value) => !/^0{32}$/.test(value), 'must not be all zeros')
  .meta({
    id: 'TraceId',
    description: 'OpenTelemetry trace id (W3C Trace Context)',
    examples: ['4bf92f3577b34da6a3ce929d0e0e4736'],
  });

export const IsoDateTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z' })
  .meta({ id: 'IsoDateTime', description: 'ISO 8601 date-time' });

export const Email = z
  .email('must be an email address')
  .max(254)
  .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters')
  .meta({ id: 'Email' });

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter upper-case ISO 3166-1 code such as "DE"')
  .meta({ id: 'CountryCode', description: 'ISO 3166-1 alpha-2 country code', examples: ['DE'] });

// Control characters: the C0 range (NUL, tab, line breaks…), DEL and the C1 range. PostgreSQL
// refuses NUL outright (the request would end in a 500 after earlier steps had run), and the
// others are invisible on a page or a parcel label: no one types them into a name.
const controlCharacter = /\p{Cc}/u;

/** `schema`, refusing any value with a control character in it. */
export function noControlCharacters<T extends z.ZodString>(schema: T): T {
  return schema.refine(
    (value) => !controlCharacter.test(value),
    'must not contain control characters (NUL, line breaks, tabs…)',
  ) as unknown as T;
}

/** One line a person types (a name, an address line, a search): trimmed, 1-`max` characters, no control characters. */
export const text = (max: number) =>
  noControlCharacters(
    z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`),
  );

export const Address = z
  .object({
    name: text(100),
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    postalCode: text(20),
    country: CountryCode,
  })
  .meta({ id: 'Address', description: 'A postal address' });
export type Address = z.infer<typeof Address>;

export const ShippingService = z
  .enum(['standard', 'express'])
  .meta({ id: 'ShippingService', description: 'Shipping speed the customer chose' });
export type ShippingService = z.infer<typeof ShippingService>;

export const ShippingDestination = z
  .object({ country: CountryCode, postalCode: text(20) })
  .meta({ id: 'ShippingDestination', description: 'What a shipping quote needs to know about an address' });
export type ShippingDestination = z.infer<typeof ShippingDestination>;

export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{8,255}$/, 'must be 8-255 visible ASCII characters, e.g. a UUID')
  .meta({
    id: 'IdempotencyKey',
    description: 'Client-chosen key; a retry with the same key repeats nothing',
  });

/** Header schema for mutations that must be idempotent. Node lower-cases header names. */
export const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKey });

/** A page of results: `items` plus the `total` number of matches across all pages. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.int().nonnegative(),
    page: z.int().min(1),
    pageSize: z.int().min(1),
  });
}

export const ErrorCode = z
  .enum([
    'validation_failed',
    'malformed_json',
    'bad_request',
    'unsupported_media_type',
    'unauthorized',
    'forbidden',
    'not_found',
    'conflict',
    'idempotency_key_reused',
    'payload_too_large',
    'rate_limited',
    'card_declined',
    'insufficient_funds',
    'expired_card',
    'processing_error',
    'unsupported_destination',
    'unavailable',
    'internal_error',
  ])
  .meta({ id: 'ErrorCode', description: 'Machine-readable error code; `message` is for humans' });
export type ErrorCode = z.infer<typeof ErrorCode>;

export const FieldIssue = z
  .object({
    path: z
      .string()
      .describe('Where the problem is, e.g. "address.postalCode" or "lines[0].qty"; "" is the whole'),
    message: z.string(),
    location: z
      .enum(['params', 'query', 'body'])
      .optional()
      .describe('Which part of the request the path is in, for request validation errors'),
  })
  .meta({ id: 'FieldIssue' });
export type FieldIssue = z.infer<typeof FieldIssue>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.array(FieldIssue).optional().describe('One entry per failing field, for validation errors'),
      requestId: z
        .string()
        .optional()
        .describe('The x-request-id of the failed request, to quote when asking for help'),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'Every 4xx and 5xx answer of every REST service' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Renders a zod issue path the way a client writes it: `lines[0].sku`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Turns a zod error into `ErrorBody` details. Unknown keys are reported one per key at the key's
 * own path, so a client sees `{ path: "sortt", message: "unknown field" }` instead of a root error.
 */
export function toFieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}
