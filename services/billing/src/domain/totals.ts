// The arithmetic of an order, in integer minor units: line totals and VAT on goods and shipping.
// No floating-point amount is ever stored. (The parcels an order ships in are shipping's rule:
// `splitIntoParcels` in `@trio/contracts/shipping`.)
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
