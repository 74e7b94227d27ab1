// How many units of each demo sku the shop starts with. Derived from the sku alone, so inventory
// (which seeds it) and a test (which predicts it) agree without sharing anything: most skus hold
// 10–100 units, about one in twenty is low (1–5) and about one in a hundred has none, so the
// storefront shows every stock state.
import { generateDemoCatalogue } from './catalogue.ts';
import { createRandom, hashText } from './random.ts';

export function initialStock(sku: string): number {
  const random = createRandom(hashText(`stock:${sku}`));
  const roll = random.next();
  if (roll < 0.01) return 0;
  if (roll < 0.06) return random.int(1, 5);
  return random.int(10, 100);
}

export interface DemoStockLevel {
  sku: string;
  units: number;
}

/** The starting stock of every product of the demo catalogue, in catalogue order. */
export function generateDemoStock(): DemoStockLevel[] {
  return generateDemoCatalogue().products.map(({ sku }) => ({ sku, units: initialStock(sku) }));
}
