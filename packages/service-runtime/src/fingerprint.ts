// Fingerprints of requests, for Idempotency-Keys: the same key must come back with the same
// request. JSON with sorted keys makes two equal requests one text whatever their key order; the
// HMAC under a service secret keeps the fingerprint of a body holding a card number from being
// reversed by guessing (card numbers are few enough to enumerate against a plain hash).
import { createHmac } from 'node:crypto';

/** JSON with object keys sorted, so that equal values have one text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** HMAC-SHA256 of the canonical JSON of `value`, hex. */
export function fingerprint(secret: string, value: unknown): string {
  return createHmac('sha256', secret).update(canonicalJson(value)).digest('hex');
}
