// The arithmetic of an order, in integer minor units: line totals, VAT on goods and shipping, and
// the parcels the weight is shipped in. No floating-point amount is ever stored.
import type { OrderTotals } from '@trio/contracts/billing';

/** VAT rounded half up to the minor unit: 19 % of 1234 is 234.46 → 234. */
export function taxOf(amount: number, rateBasisPoints: number): number {
  return Math.floor((amount * rateBasisPoints + 5_000) / 10_000);
}

/** total = subtotal + shipping + tax, with tax on goods and shipping together. */
export function orderTotals(
  currency: string,
  subtotal: number,
  shipping: number,
  rateBasisPoints: number,
): OrderTotals {
  const tax = taxOf(subtotal + shipping, rateBasisPoints);
  const money = (amount: number) => ({ amount, currency });
  return {
    subtotal: money(subtotal),
    shipping: money(shipping),
    tax: money(tax),
    total: money(subtotal + shipping + tax),
  };
}

/** The heaviest parcel shipping's rate tables price. */
export const maxParcelGrams = 30_000;
/** The most parcels one quote may hold (shipping's contract). */
export const maxParcels = 20;

/** The weight split into as few parcels as the heaviest band allows; undefined when too heavy to ship. */
export function parcelsFor(weightGrams: number): { weightGrams: number }[] | undefined {
  const count = Math.ceil(weightGrams / maxParcelGrams);
  if (count > maxParcels) return undefined;
  const parcels: { weightGrams: number }[] = [];
  let left = weightGrams;
  while (left > 0) {
    const weight = Math.min(left, maxParcelGrams);
    parcels.push({ weightGrams: weight });
    left -= weight;
  }
  return parcels;
}
