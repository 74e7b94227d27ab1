// The two questions the service answers, each from tiers of candidates: the best source first,
// topped up by the next ones until `limit` is reached. A sku is given at most once, never the one
// asked about (or, for a user, one they bought), and only if a product event announced it.
import type { Recommendations } from '@trio/contracts/recommendations';
import type { Queryable } from '@trio/service-runtime/postgres';
import { findBoughtWith, findBoughtWithAny } from '../data-access/pairs.ts';
import { findPopular, type Scored } from '../data-access/products.ts';
import { findPurchasedSkus } from '../data-access/purchases.ts';

type Reason = Recommendations['items'][number]['reason'];

/** Candidates best first, none of `exclude`, at most `limit`. */
type Tier = [Reason, (exclude: readonly string[], limit: number) => Promise<Scored[]>];

export async function recommendForProduct(
  db: Queryable,
  sku: string,
  limit: number,
): Promise<Recommendations> {
  return fill(
    limit,
    [sku],
    [
      ['bought_together', (exclude, n) => findBoughtWith(db, sku, exclude, n)],
      ['popular_in_category', (exclude, n) => findPopular(db, { sameCategoryAs: [sku], exclude, limit: n })],
      ['popular', (exclude, n) => findPopular(db, { exclude, limit: n })],
    ],
  );
}

/**
 * What others bought with the user's purchases (`bought_by_you`: "because you bought …"), then
 * the popular products of the categories they bought from, then overall. Never what they bought.
 */
export async function recommendForUser(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<Recommendations> {
  const bought = await findPurchasedSkus(db, userId);
  const tiers: Tier[] = [['popular', (exclude, n) => findPopular(db, { exclude, limit: n })]];
  if (bought.length > 0) {
    tiers.unshift(
      ['bought_by_you', (exclude, n) => findBoughtWithAny(db, bought, exclude, n)],
      ['popular_in_category', (exclude, n) => findPopular(db, { sameCategoryAs: bought, exclude, limit: n })],
    );
  }
  return fill(limit, bought, tiers);
}

async function fill(
  limit: number,
  exclude: readonly string[],
  tiers: readonly Tier[],
): Promise<Recommendations> {
  const items: Recommendations['items'] = [];
  const taken = [...exclude];
  for (const [reason, candidates] of tiers) {
    if (items.length === limit) break;
    for (const { sku, score } of await candidates(taken, limit - items.length)) {
      items.push({ sku, score, reason });
      taken.push(sku);
    }
  }
  return { items };
}
