// Checkout: live shipping quotes for the cart (shipping over ZeroRPC or REST) and the order itself, placed
// through billing's checkout saga (`billing.placeOrder`).
import { type Order, PlaceOrderRequest } from '@trio/contracts/billing';
import { toFieldIssues } from '@trio/contracts/common';
import type { ApiCheckoutRequest } from '@trio/contracts/front-end';
import { type ShippingQuote, splitIntoParcels } from '@trio/contracts/shipping';
import { RemoteError } from '@trio/rpc/errors';
import { AppError } from '@trio/service-runtime/errors';
import { getOrder } from './orders.ts';
import { bodyOf } from './peer-replies.ts';
import type { ShopSession } from './sessions.ts';
import { cartOwner, requireUser, type ShopDeps } from './shop.ts';

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
    return await deps.shipping.quote(destination, parcels);
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
  const body = {
    lines,
    address: request.address,
    shipping: request.shipping,
    payment: { type: 'card' as const, card: request.card },
  };
  // The client refuses a body billing's contract refuses; what the shopper can get wrong (a cart of
  // too many lines) is their 400, as billing would have answered it.
  const valid = PlaceOrderRequest.safeParse(body);
  if (!valid.success) throw refused(400, 'Request validation failed', toFieldIssues(valid.error));
  const reply = await deps.billing.placeOrder({
    token: user.token,
    headers: { 'idempotency-key': idempotencyKey },
    body,
  });
  if (reply.status === 400 || reply.status === 422) {
    throw refused(reply.status, reply.body.error.message, reply.body.error.details, reply.body.error.code);
  }
  const order = bodyOf('billing', reply, 201);
  await deps.carts.rememberOrder(user.id, idempotencyKey, order.id);
  if (order.status !== 'failed') await deps.carts.clear(owner);
  return order;
}

/** billing names the card `payment.card`; the BFF's clients sent it as `card`. */
function refused(
  status: number,
  message: string,
  details: { path: string }[] | undefined,
  code = 'validation_failed',
): AppError {
  const renamed = details?.map((detail) => ({ ...detail, path: detail.path.replace(/^payment\./, '') }));
  return new AppError(code, message, { status, ...(renamed === undefined ? {} : { details: renamed }) });
}
