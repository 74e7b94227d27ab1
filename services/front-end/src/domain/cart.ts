// The cart: lines kept in Redis (cart-store.ts), priced with catalog's current prices each time it
// is shown, so a price change reaches the cart at once.
import type { Product } from '@trio/contracts/catalog';
import type { ApiCart } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import type { ShopSession } from './sessions.ts';
import { cartOwner, maxLineQty, type ShopDeps } from './shop.ts';

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
  await deps.sessions.keep(session);
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
