// What the storefront and its JSON API do, once: both the pages and /api call these, so a page and
// the API never disagree. Each use case talks to the services that own the data: catalog (REST)
// for products, inventory and recommendations (ZeroRPC) for the product page's panels, shipping
// (ZeroRPC) for quotes, profiles (REST) for accounts, billing (REST) for orders.
import { type Order, OrderList as OrderListSchema, Order as OrderSchema } from '@trio/contracts/billing';
import { CategoryList, type Product, ProductList } from '@trio/contracts/catalog';
import type {
  ApiCart,
  ApiCheckoutRequest,
  ApiOrder,
  ApiProductDetail,
  ApiProductListQuery,
  ApiUser,
  StockStatus,
} from '@trio/contracts/front-end';
import type { inventoryRpc } from '@trio/contracts/inventory';
import { Session as SessionSchema, User as UserSchema } from '@trio/contracts/profiles';
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import { type ShippingQuote, type shippingRpc, splitIntoParcels } from '@trio/contracts/shipping';
import type { RpcServiceClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { AppError } from '@trio/service-runtime/errors';
import type { Logger } from '@trio/service-runtime/logger';
import type { RestPeer } from '@trio/service-runtime/peer';
import { expect } from '../peers/rest.ts';
import type { CartOwner, CartStore } from './carts.ts';
import type { ProductCache } from './product-cache.ts';
import type { SessionStore, ShopSession } from './sessions.ts';

export interface ShopDeps {
  catalog: RestPeer;
  profiles: RestPeer;
  billing: RestPeer;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  shipping: RpcServiceClient<typeof shippingRpc>;
  recommendations: RpcServiceClient<typeof recommendationsRpc>;
  products: ProductCache;
  carts: CartStore;
  sessions: SessionStore;
  log: Logger;
  /** The product page's wait for stock and recommendations. */
  panelBudgetMs: number;
}

/** Most units of one product a cart holds. */
export const maxLineQty = 99;
/** At or below this many units a product shows as low in stock. */
export const lowStockAt = 5;

export function cartOwner(session: ShopSession): CartOwner {
  return session.user === undefined
    ? { kind: 'session', id: session.id }
    : { kind: 'user', id: session.user.id };
}

/** The public API's query, plus the category page's filters (catalog's own parameters). */
export type ProductQuery = ApiProductListQuery & {
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  sort?: 'relevance' | 'name' | 'price_asc' | 'price_desc' | 'newest' | undefined;
};

export async function listProducts(deps: ShopDeps, query: ProductQuery): Promise<ProductList> {
  const params = new URLSearchParams();
  if (query.q !== undefined) params.set('q', query.q);
  if (query.category !== undefined) params.set('category', query.category);
  if (query.minPrice !== undefined) params.set('minPrice', String(query.minPrice));
  if (query.maxPrice !== undefined) params.set('maxPrice', String(query.maxPrice));
  if (query.sort !== undefined) params.set('sort', query.sort);
  params.set('page', String(query.page));
  const reply = await deps.catalog.request('GET', `/products?${params}`);
  return expect(deps.catalog, reply, [200], ProductList);
}

export async function listCategories(deps: ShopDeps): Promise<CategoryList> {
  return expect(deps.catalog, await deps.catalog.request('GET', '/categories'), [200], CategoryList);
}

/** Resolves within `ms` with the call's value, or undefined: a slow or dead peer costs at most `ms`. */
async function within<T>(
  ms: number,
  call: () => Promise<T>,
  onError: (error: unknown) => void,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([
      call().catch((error: unknown) => {
        onError(error);
        return undefined;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function stockStatusOf(available: number | undefined): StockStatus {
  if (available === undefined) return 'unknown';
  if (available === 0) return 'out_of_stock';
  return available <= lowStockAt ? 'low_stock' : 'in_stock';
}

/**
 * A product with its stock and "bought together" panel. The product must come from catalog (404
 * otherwise); the panels get `panelBudgetMs` together and are left out when they miss it.
 */
export async function productDetail(deps: ShopDeps, sku: string): Promise<ApiProductDetail> {
  const product = await deps.products.get(sku);
  if (product === undefined) throw new AppError('not_found', `No product has sku ${sku}`, { status: 404 });
  const budget = deps.panelBudgetMs;
  const warn = (panel: string) => (error: unknown) =>
    deps.log.warn({ err: error, sku, panel }, 'product page panel unavailable; rendered without it');
  const [levels, recommended] = await Promise.all([
    within(budget, () => deps.inventory.invoke('getStock', [[sku]], { timeoutMs: budget }), warn('stock')),
    within(
      budget,
      async () => {
        const { items } = await deps.recommendations.invoke('forProduct', [sku, 4], { timeoutMs: budget });
        const products = await Promise.all(items.map((item) => deps.products.get(item.sku)));
        return products.filter((candidate): candidate is Product => candidate !== undefined);
      },
      warn('recommendations'),
    ),
  ]);
  const available = levels?.[sku];
  return {
    product,
    stock: { status: stockStatusOf(available), ...(available === undefined ? {} : { available }) },
    ...(recommended === undefined ? {} : { recommendations: recommended }),
  };
}

export async function cartOf(deps: ShopDeps, session: ShopSession | undefined): Promise<ApiCart> {
  const lines = session === undefined ? [] : await deps.carts.lines(cartOwner(session));
  const priced = await Promise.all(
    lines.map(async (line) => ({ line, product: await deps.products.get(line.sku) })),
  );
  const cartLines = priced
    .filter(
      (entry): entry is { line: (typeof lines)[number]; product: Product } => entry.product !== undefined,
    )
    .map(({ line, product }) => ({
      sku: line.sku,
      name: product.name,
      image: product.image,
      qty: line.qty,
      unitPrice: product.price,
      lineTotal: { amount: product.price.amount * line.qty, currency: product.price.currency },
    }));
  const currency = cartLines[0]?.unitPrice.currency ?? 'EUR';
  return {
    lines: cartLines,
    itemCount: cartLines.reduce((sum, line) => sum + line.qty, 0),
    subtotal: { amount: cartLines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency },
  };
}

export async function addToCart(
  deps: ShopDeps,
  session: ShopSession,
  sku: string,
  qty: number,
): Promise<ApiCart> {
  if ((await deps.products.get(sku)) === undefined) {
    throw new AppError('not_found', `No product has sku ${sku}`, { status: 404 });
  }
  await deps.carts.add(cartOwner(session), sku, qty, maxLineQty);
  return cartOf(deps, session);
}

export async function updateCartLine(
  deps: ShopDeps,
  session: ShopSession,
  sku: string,
  qty: number,
): Promise<ApiCart> {
  if (!(await deps.carts.set(cartOwner(session), sku, qty))) throw notInCart(sku);
  return cartOf(deps, session);
}

export async function removeCartLine(deps: ShopDeps, session: ShopSession, sku: string): Promise<ApiCart> {
  if (!(await deps.carts.remove(cartOwner(session), sku))) throw notInCart(sku);
  return cartOf(deps, session);
}

function notInCart(sku: string): AppError {
  return new AppError('not_found', `The cart has no line for ${sku}`, { status: 404 });
}

function apiUser(user: { id: string; email: string; name: string }): ApiUser {
  return { id: user.id, email: user.email, name: user.name };
}

/** Logs in with profiles; the session gets a new id and the anonymous cart joins the customer's. */
export async function logIn(
  deps: ShopDeps,
  session: ShopSession | undefined,
  credentials: { email: string; password: string },
): Promise<{ session: ShopSession; user: ApiUser }> {
  const reply = await deps.profiles.request('POST', '/sessions', { body: credentials });
  const { token, user } = await expect(deps.profiles, reply, [201], SessionSchema);
  const next = await deps.sessions.login(session, { id: user.id, email: user.email, name: user.name, token });
  if (session !== undefined && session.user === undefined) {
    await deps.carts.merge({ kind: 'session', id: session.id }, { kind: 'user', id: user.id }, maxLineQty);
  }
  return { session: next, user: apiUser(user) };
}

export async function register(
  deps: ShopDeps,
  session: ShopSession | undefined,
  body: { email: string; password: string; name: string },
): Promise<{ session: ShopSession; user: ApiUser }> {
  const reply = await deps.profiles.request('POST', '/users', { body });
  await expect(deps.profiles, reply, [201], UserSchema);
  return logIn(deps, session, { email: body.email, password: body.password });
}

export async function logOut(deps: ShopDeps, session: ShopSession): Promise<void> {
  if (session.user !== undefined) {
    // Revoke the profiles session too; a profiles outage must not keep the shopper logged in here.
    await deps.profiles
      .request('DELETE', '/sessions/current', { token: session.user.token })
      .catch((error: unknown) => deps.log.warn({ err: error }, 'could not revoke the profiles session'));
  }
  await deps.sessions.destroy(session.id);
}

function requireUser(session: ShopSession | undefined): NonNullable<ShopSession['user']> {
  if (session?.user === undefined) {
    throw new AppError('unauthorized', 'Log in first', { status: 401 });
  }
  return session.user;
}

/** Parcels for the cart's weight, split by shipping's rule as billing splits them. */
async function cartParcels(deps: ShopDeps, session: ShopSession | undefined) {
  const lines = session === undefined ? [] : await deps.carts.lines(cartOwner(session));
  if (lines.length === 0) throw new AppError('conflict', 'The cart is empty', { status: 409 });
  let grams = 0;
  for (const line of lines)
    grams += line.qty * ((await deps.products.get(line.sku))?.attributes.weightGrams ?? 0);
  const parcels = splitIntoParcels(grams);
  if (parcels === undefined) {
    throw new AppError('conflict', `The cart weighs ${grams / 1000} kg: too heavy to ship in one order`, {
      status: 409,
    });
  }
  return parcels;
}

export async function quoteShipping(
  deps: ShopDeps,
  session: ShopSession | undefined,
  destination: { country: string; postalCode: string },
): Promise<ShippingQuote> {
  const parcels = await cartParcels(deps, session);
  try {
    return await deps.shipping.methods.quote(destination, parcels);
  } catch (error) {
    if (error instanceof RemoteError && error.name === 'UnsupportedDestination') {
      throw new AppError('validation_failed', error.message, {
        status: 400,
        details: [{ location: 'body', path: 'destination.country', message: error.message }],
      });
    }
    throw new AppError('unavailable', 'Shipping quotes are not available right now; try again shortly', {
      status: 503,
      cause: error,
    });
  }
}

export function apiOrder(order: Order): ApiOrder {
  return {
    id: order.id,
    status: order.status,
    state: order.state,
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    lines: order.lines,
    totals: order.totals,
    ...(order.invoiceId === undefined ? {} : { invoiceId: order.invoiceId }),
    createdAt: order.createdAt,
  };
}

/** Buys the cart through billing's saga; the cart is emptied unless the order failed. */
export async function checkout(
  deps: ShopDeps,
  session: ShopSession | undefined,
  idempotencyKey: string,
  request: ApiCheckoutRequest,
): Promise<Order> {
  const user = requireUser(session);
  const owner = cartOwner(session!);
  // The same key again after the order emptied the cart (a resubmit, a retry): the same order.
  const placed = await deps.carts.orderOf(user.id, idempotencyKey);
  if (placed !== undefined) return getOrder(deps, session, placed);
  const lines = await deps.carts.lines(owner);
  if (lines.length === 0) throw new AppError('conflict', 'The cart is empty', { status: 409 });
  const reply = await deps.billing.request('POST', '/orders', {
    token: user.token,
    headers: { 'idempotency-key': idempotencyKey },
    body: {
      lines,
      address: request.address,
      shipping: request.shipping,
      payment: { type: 'card', card: request.card },
    },
  });
  if (reply.status === 400 || reply.status === 422) throw renamePaths(reply);
  const order = await expect(deps.billing, reply, [201], OrderSchema);
  await deps.carts.rememberOrder(user.id, idempotencyKey, order.id);
  if (order.status !== 'failed') await deps.carts.clear(owner);
  return order;
}

/** billing names the card `payment.card`; the BFF's clients sent it as `card`. */
function renamePaths(reply: { status: number; body: unknown }): AppError {
  const error = (reply.body as { error?: { code?: string; message?: string; details?: { path: string }[] } })
    ?.error;
  const details = error?.details?.map((detail) => ({
    ...detail,
    path: detail.path.replace(/^payment\./, ''),
  }));
  return new AppError(error?.code ?? 'validation_failed', error?.message ?? 'Request refused', {
    status: reply.status,
    ...(details === undefined ? {} : { details }),
  });
}

export async function listOrders(deps: ShopDeps, session: ShopSession | undefined): Promise<Order[]> {
  const user = requireUser(session);
  const reply = await deps.billing.request('GET', '/orders?pageSize=100', { token: user.token });
  return (await expect(deps.billing, reply, [200], OrderListSchema)).items;
}

export async function getOrder(deps: ShopDeps, session: ShopSession | undefined, id: string): Promise<Order> {
  const user = requireUser(session);
  const reply = await deps.billing.request('GET', `/orders/${encodeURIComponent(id)}`, { token: user.token });
  return expect(deps.billing, reply, [200], OrderSchema);
}

/** billing's printable invoice page, for the customer it belongs to. */
export async function invoicePage(
  deps: ShopDeps,
  session: ShopSession | undefined,
  id: string,
): Promise<string> {
  const user = requireUser(session);
  const reply = await deps.billing.request('GET', `/invoices/${encodeURIComponent(id)}`, {
    token: user.token,
    headers: { accept: 'text/html' },
  });
  if (reply.status === 200) return reply.text;
  await expect(deps.billing, reply, [200], { parse: () => undefined });
  return '';
}
