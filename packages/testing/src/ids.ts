import { randomBytes } from 'node:crypto';

/** A short name unique to this process and call, safe as a PostgreSQL identifier and a key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

let shoppers = 0;
/**
 * A shopper address of its own for each made-up customer (198.18.0.0/15, the range set aside for
 * tests), as the front-end names it to profiles: the per-shopper limits then count each customer
 * of a test as the separate person they stand for.
 */
export function uniqueShopperAddress(): string {
  shoppers += 1;
  return `198.${18 + ((shoppers >> 16) & 1)}.${(shoppers >> 8) & 255}.${shoppers & 255}`;
}
