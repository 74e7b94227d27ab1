// The storefront journey as a shopper's browser drives it over the front-end's API: the catalogue,
// a new customer, two products in the cart, a shipping quote, a checkout with a test card, and the
// order confirmed and invoiced. Used wherever a whole running shop is checked (the container test,
// the launcher's supervision test): one shopper's path through every service.
import assert from 'node:assert/strict';

export interface JourneyResult {
  orderId: string;
  status: string;
  /** The checkout's trace id, as the order JSON gives it. */
  traceId?: string;
}

/**
 * Who shops. Registrations are limited per shopper address (profiles answers 429 after a few), so a
 * test that runs the journey again and again passes one account: registered by the first journey
 * that gets that far, logged in to by every later one.
 */
export interface JourneyAccount {
  email: string;
  registered: boolean;
}

export function journeyAccount(): JourneyAccount {
  return { email: `journey-${crypto.randomUUID()}@example.com`, registered: false };
}

/** Runs the journey against the storefront at `shop` (e.g. http://127.0.0.1:8080); throws where it breaks. */
export async function storefrontJourney(
  shop: string,
  name = 'Ada Journey',
  account: JourneyAccount = journeyAccount(),
): Promise<JourneyResult> {
  const cookies = new Map<string, string>();
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(shop + path, {
      method,
      headers: {
        origin: shop,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookies.size === 0 ? {} : { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [cookie = '', value = ''] = pair.split('=');
      cookies.set(cookie, value);
    }
    return {
      status: response.status,
      body: (await response.json().catch(() => undefined)) as Record<string, unknown>,
    };
  };
  const products = await call('GET', '/api/products');
  assert.equal(products.status, 200, 'the catalogue');
  const [first, second] = products.body.items as { sku: string }[];
  assert.ok(first && second, 'the demo catalogue was seeded');
  const password = 'correct horse battery';
  if (account.registered) {
    const login = await call('POST', '/api/session', { email: account.email, password });
    assert.equal(login.status, 200, `login: ${JSON.stringify(login.body)}`);
  } else {
    const registered = await call('POST', '/api/users', { email: account.email, password, name });
    assert.equal(registered.status, 201, `registration: ${JSON.stringify(registered.body)}`);
    account.registered = true;
  }
  assert.equal((await call('POST', '/api/cart/items', { sku: first.sku, qty: 1 })).status, 200, 'cart');
  assert.equal((await call('POST', '/api/cart/items', { sku: second.sku, qty: 2 })).status, 200, 'cart');
  const quote = await call('POST', '/api/checkout/quote', {
    destination: { country: 'DE', postalCode: '10115' },
  });
  assert.equal(quote.status, 200, `quote: ${JSON.stringify(quote.body)}`);
  const placed = await call(
    'POST',
    '/api/checkout',
    {
      address: { name, line1: '1 Dock Street', city: 'Hamburg', postalCode: '20457', country: 'DE' },
      shipping: 'standard',
      card: { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' },
    },
    { 'idempotency-key': crypto.randomUUID() },
  );
  assert.equal(placed.status, 201, `checkout: ${JSON.stringify(placed.body)}`);
  assert.equal(placed.body.status, 'confirmed');
  const order = await call('GET', `/api/orders/${String(placed.body.orderId)}`);
  assert.equal(order.body.status, 'confirmed');
  assert.ok(order.body.invoiceId, 'invoiced');
  return {
    orderId: String(placed.body.orderId),
    status: String(order.body.status),
    ...(typeof order.body.traceId === 'string' ? { traceId: order.body.traceId } : {}),
  };
}
