// The scenarios, as code against the storefront's contracts: anonymous browsing through the pages
// (home, a category, a search, products), shoppers who register or log in, fill a cart, get a
// shipping quote and check out with a card from the mix, and customers who look at their order
// history. The products, categories and search words come from the live catalogue.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CategoryList, ProductList } from '@trio/contracts/catalog';
import {
  ApiCart,
  ApiCheckoutResponse,
  ApiOrder,
  ApiOrderList,
  ApiProductDetail,
  ApiUser,
} from '@trio/contracts/front-end';
import { ShippingQuote } from '@trio/contracts/shipping';
import type { ShopperClient } from './client.ts';
import type { CardKind, ScenarioName } from './options.ts';
import type { Recorder } from './stats.ts';
import type { Visit } from './visit.ts';

export interface Catalogue {
  categories: string[];
  products: { sku: string; name: string }[];
  /** Words of product names, for searches. */
  words: string[];
}

/** Reads categories and up to `pages` pages of products through the public API. */
export async function loadCatalogue(client: ShopperClient, pages = 8): Promise<Catalogue> {
  const categories = CategoryList.parse((await client.request('GET', '/api/categories')).body).items.map(
    (category) => category.slug,
  );
  const products: Catalogue['products'] = [];
  for (let page = 1; page <= pages; page++) {
    const list = ProductList.parse((await client.request('GET', `/api/products?page=${page}`)).body);
    products.push(...list.items.map((product) => ({ sku: product.sku, name: product.name })));
    if (products.length >= list.total) break;
  }
  if (categories.length === 0 || products.length === 0) throw new Error('the shop has no catalogue to load');
  const words = [
    ...new Set(products.flatMap((product) => product.name.toLowerCase().match(/[a-z]{4,}/g) ?? [])),
  ];
  return { categories, products, words };
}

export const cardNumbers: Record<CardKind, string> = {
  success: '4242424242424242',
  decline: '4000000000000002',
  slow: '4000000000003220',
};

const address = {
  name: 'Load Shopper',
  line1: '1 Benchmark Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const password = 'load-generator-password';

/** What the scenarios share during a run: the catalogue, accounts made so far, orders placed. */
export interface ScenarioContext {
  catalogue: Catalogue;
  recorder: Recorder;
  cards: Record<CardKind, number>;
  /**
   * Accounts registered during the run and not in a buyer's visit now (logins use them); those
   * with orders are `buyers`.
   */
  accounts: string[];
  buyers: string[];
  /** Every order id the shop answered a checkout with: the invariants check looks at them. */
  orders: string[];
  /** Logged-in shoppers made before the run, free for the checkout scenario. */
  ready: ShopperClient[];
}

/** Registers a shopper before the run (not measured): logged in, an empty cart. */
export async function prepareShopper(client: ShopperClient): Promise<ShopperClient> {
  const email = `load-${randomUUID()}@example.com`;
  const reply = await client.request('POST', '/api/users', {
    json: { email, password, name: 'Load Shopper' },
  });
  if (reply.status !== 201) throw new Error(`preparing a shopper: register answered ${reply.status}`);
  return client;
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/**
 * The scenario mix as an exact rotation (smooth weighted round-robin, as nginx spreads requests
 * over weighted servers): `browse=2,buy=7,history=1` gives exactly 2, 7 and 1 of every 10 shoppers,
 * interleaved, so even a short run has the mix it asked for, where random draws could miss a
 * scenario altogether. Written here: it is a few lines and no library offers it alone.
 */
export function weightedRotation<N extends string>(weights: Record<N, number>): () => N {
  const entries = (Object.entries(weights) as [N, number][]).filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const current = new Map<N, number>(entries.map(([name]) => [name, 0]));
  return () => {
    let best = entries[0]![0];
    for (const [name, weight] of entries) {
      current.set(name, current.get(name)! + weight);
      if (current.get(name)! > current.get(best)!) best = name;
    }
    current.set(best, current.get(best)! - total);
    return best;
  };
}

export function pickWeighted<N extends string>(weights: Record<N, number>): N {
  const entries = Object.entries(weights) as [N, number][];
  let roll = Math.random() * entries.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return entries.find(([, weight]) => weight > 0)![0];
}

async function browse(visit: Visit, { catalogue }: ScenarioContext): Promise<void> {
  await visit.call('home', 'GET', '/', { html: true });
  await visit.think();
  await visit.call('category', 'GET', `/c/${pick(catalogue.categories)}`, { html: true });
  await visit.think();
  await visit.call('search', 'GET', `/search?q=${encodeURIComponent(pick(catalogue.words))}`, { html: true });
  const products = 1 + Math.floor(Math.random() * 2);
  for (let i = 0; i < products; i++) {
    await visit.think();
    await visit.call('product', 'GET', `/p/${encodeURIComponent(pick(catalogue.products).sku)}`, {
      html: true,
    });
  }
}

/**
 * Logs in as an account made earlier in the run (`from` first), or registers a new one. A buyer
 * (`take`) takes the account out of `accounts` for its visit and gives it back with `release`, so
 * no two shoppers fill and empty one cart at once (one's checkout would empty the other's cart).
 */
async function signIn(
  visit: Visit,
  context: ScenarioContext,
  from: string[],
  loginShare: number,
  take = false,
): Promise<string> {
  const known = from.length > 0 ? from : context.accounts;
  if (known.length > 0 && Math.random() < loginShare) {
    const index = Math.floor(Math.random() * known.length);
    const email = take ? known.splice(index, 1)[0]! : known[index]!;
    try {
      await visit.call('login', 'POST', '/api/session', { json: { email, password }, schema: ApiUser });
    } catch (error) {
      if (take) release(context, email);
      throw error;
    }
    return email;
  }
  const email = `load-${randomUUID()}@example.com`;
  await visit.call('register', 'POST', '/api/users', {
    json: { email, password, name: 'Load Shopper' },
    expect: [201],
    schema: ApiUser,
  });
  if (!take) release(context, email);
  return email;
}

/** Gives an account back to the pool logins draw from (bounded, as a long run makes many). */
function release(context: ScenarioContext, email: string): void {
  if (context.accounts.length < 5000) context.accounts.push(email);
}

/** How an order ended, for the outcome breakdown: `confirmed`, `failed (payment_declined)`. */
const orderOutcome = (order: ApiOrder) =>
  order.reason === undefined ? order.status : `${order.status} (${order.reason})`;

/** Follows an order the checkout left pending until it is decided (or gives up, as a shopper would). */
async function settle(visit: Visit, orderId: string): Promise<ApiOrder> {
  let order = await visit.call('order', 'GET', `/api/orders/${orderId}`, { schema: ApiOrder });
  for (let poll = 0; poll < 20 && order.status === 'pending'; poll++) {
    await sleep(500);
    order = await visit.call('order', 'GET', `/api/orders/${orderId}`, { schema: ApiOrder });
  }
  return order;
}

function cardFor(kind: CardKind) {
  return { number: cardNumbers[kind], expMonth: 12, expYear: 2099, cvc: '123' };
}

/** One product into the cart of a shopper already logged in, then checkout (the benchmark). */
async function checkout(visit: Visit, context: ScenarioContext): Promise<void> {
  const { catalogue, recorder } = context;
  const sku = pick(catalogue.products).sku;
  await visit.call('cart.add', 'POST', '/api/cart/items', { json: { sku, qty: 1 }, schema: ApiCart });
  const card = pickWeighted(context.cards);
  const placed = await visit.call('checkout', 'POST', '/api/checkout', {
    json: { address, shipping: 'standard', card: cardFor(card) },
    headers: { 'idempotency-key': randomUUID() },
    expect: [201],
    schema: ApiCheckoutResponse,
  });
  context.orders.push(placed.orderId);
  if (placed.status === 'confirmed') {
    recorder.outcome(`${card} card: confirmed`);
    return;
  }
  const order = await settle(visit, placed.orderId);
  recorder.outcome(`${card} card: ${orderOutcome(order)}`);
  // A declined or out-of-stock order leaves the cart as it was: empty it for the next checkout.
  await emptyCart(visit, [sku]);
}

async function buy(visit: Visit, context: ScenarioContext): Promise<void> {
  const email = await signIn(visit, context, [], 0.3, true);
  try {
    await fillAndBuy(visit, context, email);
  } finally {
    release(context, email);
  }
}

async function fillAndBuy(visit: Visit, context: ScenarioContext, email: string): Promise<void> {
  const { catalogue, recorder } = context;
  const wanted = 1 + Math.floor(Math.random() * 3);
  const added: string[] = [];
  for (let i = 0; i < wanted; i++) {
    await visit.think();
    const sku = pick(catalogue.products).sku;
    const detail = await visit.call('api.product', 'GET', `/api/products/${encodeURIComponent(sku)}`, {
      schema: ApiProductDetail,
    });
    if (detail.stock.status === 'out_of_stock') continue;
    await visit.call('cart.add', 'POST', '/api/cart/items', { json: { sku, qty: 1 }, schema: ApiCart });
    added.push(sku);
  }
  if (added.length === 0) {
    recorder.outcome('buy: nothing in stock');
    return;
  }
  await visit.think();
  const destination = { country: address.country, postalCode: address.postalCode };
  await visit.call('quote', 'POST', '/api/checkout/quote', { json: { destination }, schema: ShippingQuote });
  await visit.think();
  const card = pickWeighted(context.cards);
  const placed = await visit.call('checkout', 'POST', '/api/checkout', {
    json: {
      address,
      shipping: 'standard',
      card: cardFor(card),
    },
    headers: { 'idempotency-key': randomUUID() },
    expect: [201],
    schema: ApiCheckoutResponse,
  });
  context.orders.push(placed.orderId);
  if (context.buyers.length < 5000) context.buyers.push(email);
  let outcome: string = placed.status;
  if (placed.status !== 'confirmed') {
    const order = await settle(visit, placed.orderId);
    outcome = orderOutcome(order);
    // An order that failed leaves the cart as it was: empty it, so the account's next buyer starts afresh.
    if (order.status !== 'confirmed') await emptyCart(visit, added);
  }
  recorder.outcome(`${card} card: ${outcome}`);
}

async function emptyCart(visit: Visit, skus: string[]): Promise<void> {
  for (const sku of new Set(skus)) {
    await visit.call('cart.remove', 'DELETE', `/api/cart/items/${encodeURIComponent(sku)}`, {
      expect: [200, 404],
    });
  }
}

async function history(visit: Visit, context: ScenarioContext): Promise<void> {
  await signIn(visit, context, context.buyers, 0.9);
  await visit.think();
  const orders = await visit.call('orders', 'GET', '/api/orders', { schema: ApiOrderList });
  const first = orders.items[0];
  if (first === undefined) return;
  await visit.think();
  await visit.call('order', 'GET', `/api/orders/${first.id}`, { schema: ApiOrder });
}

export const scenarios: Record<ScenarioName, (visit: Visit, context: ScenarioContext) => Promise<void>> = {
  browse,
  buy,
  history,
  checkout,
};
