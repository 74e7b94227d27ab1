// Every fault flag on a running native shop (`npm start`: the launcher and its eight services as
// processes): each set with `npm run fault` (the CLI itself, as a process), its effect seen from
// outside (the storefront, the services' own data and /metrics), then cleared and the shop seen to
// recover. start.test.ts does http-error (REST), rpc-error (ZeroRPC) and crash; this file latency
// and hang over REST and ZeroRPC and dropped ZeroRPC heartbeats; faults-amqp.test.ts the slow and
// the rejecting AMQP consumer. Fixed ports: run under the heavy lock (HELPERS.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '@trio/testing/wait';
import { followed, onLaunchedShop, ports, storefront, timedJourney } from './support/faults.ts';
import { faultsInjected, useLaunchedShop } from './support/launch.ts';

const shop = useLaunchedShop(13);

/**
 * A shopper's session with one product in the cart, for the quote and the product page; `skus`
 * are the catalogue's first pages, none viewed yet (the storefront keeps a product page's panels
 * once it has shown them).
 */
async function shopperWithCart(): Promise<{
  sku: string;
  skus: string[];
  call: (path: string, body?: unknown) => Promise<Response>;
}> {
  let cookie = '';
  const send = (path: string, body?: unknown) =>
    fetch(storefront + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        origin: storefront,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie === '' ? {} : { cookie }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  const call = async (path: string, body?: unknown) => {
    // Once more when a kept-alive connection was closed just as it was reused (not an answer).
    const response = await send(path, body).catch((error: unknown) => {
      if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
      return send(path, body);
    });
    const set = response.headers.getSetCookie()[0];
    if (set !== undefined) cookie = set.split(';')[0] ?? '';
    return response;
  };
  const skus: string[] = [];
  for (let page = 1; page <= 4; page++) {
    const products = (await (await call(`/api/products?page=${page}`)).json()) as {
      items: { sku: string }[];
    };
    skus.push(...products.items.map((product) => product.sku));
  }
  const sku = skus.shift()!;
  assert.equal((await call('/api/cart/items', { sku, qty: 1 })).status, 200);
  return { sku, skus, call };
}

describe('every fault flag on a running native shop', () => {
  test('latency and hang over REST and ZeroRPC, dropped heartbeats: set, seen, cleared, recovered', {
    timeout: 180_000,
  }, async () => {
    // Calls to ZeroRPC peers wait 15 s (not 3 s), longer than two heartbeat periods (2 × 5 s): a
    // call that loses its server's heartbeats fails sooner than its time-out would.
    await onLaunchedShop(shop, { RPC_TIMEOUT_MS: '15000' }, async ({ fault, account, step }) => {
      // REST latency: each of payment's requests waits 2 s, so a checkout takes at least that.
      fault('set', 'payment', 'latency=2s');
      await followed();
      const slow = await timedJourney(account);
      assert.ok(slow.ms >= 2_000, `a checkout with payment latency=2s took ${slow.ms} ms`);
      fault('clear', 'payment');
      await followed();
      const before = await faultsInjected(ports.payment, 'latency');
      await timedJourney(account);
      assert.equal(await faultsInjected(ports.payment, 'latency'), before, 'no latency after the clear');
      step(`payment latency=2s: checkout ${(slow.ms / 1000).toFixed(1)} s`);

      // REST hang: the storefront's product list (from catalog) is held until the fault is cleared;
      // catalog's own probe still answers. A search the storefront has not shown (and so not kept).
      fault('set', 'catalog', 'hang');
      await followed();
      let settled = false;
      const held = fetch(`${storefront}/api/products?q=hang${Date.now()}`, {
        signal: AbortSignal.timeout(60_000),
      }).finally(() => {
        settled = true;
      });
      await waitFor(
        'catalog to hold a request',
        async () => (await faultsInjected(ports.catalog, 'hang')) > 0,
        30_000,
      );
      assert.equal(
        (await fetch(`http://127.0.0.1:${ports.catalog}/readyz`)).status,
        200,
        'probes are not faulted',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(settled, false, 'held while hang is set');
      fault('clear', 'catalog');
      assert.equal((await held).status, 200, 'answered once cleared');
      step('catalog hang: held until cleared');

      // ZeroRPC latency and hang: the product page gives its stock and recommendations panels 300 ms;
      // inventory 1 s late or recommendations held, the page comes without them; cleared, with them.
      // Each look is at a product not viewed before: one shown is kept with its panels for a while.
      const shopper = await shopperWithCart();
      const detail = async () => {
        const sku = shopper.skus.shift();
        assert.ok(sku !== undefined, 'a product not viewed yet is left');
        return (await (await shopper.call(`/api/products/${encodeURIComponent(sku)}`)).json()) as {
          stock: { available?: number };
          recommendations?: unknown[];
        };
      };
      const full = await detail();
      assert.notEqual(full.stock.available, undefined);
      assert.notEqual(full.recommendations, undefined);
      fault('set', 'inventory', 'latency=1s');
      fault('set', 'recommendations', 'hang');
      await waitFor('the panels to be left out', async () => {
        const page = await detail();
        return page.stock.available === undefined && page.recommendations === undefined;
      });
      assert.ok((await faultsInjected(ports.inventory, 'latency')) > 0);
      assert.ok((await faultsInjected(ports.recommendations, 'hang')) > 0);
      fault('clear', 'inventory');
      fault('clear', 'recommendations');
      await waitFor('the panels back', async () => {
        const page = await detail();
        return page.stock.available !== undefined && page.recommendations !== undefined;
      });
      step('inventory latency=1s and recommendations hang: panels left out, back when cleared');

      // Dropped heartbeats: shipping answers quotes 12 s late, within the 15 s time-out, but sends no
      // heartbeats meanwhile, so the front-end loses each attempt after 10 s (LostRemote, in its
      // metrics) instead of getting the answer: the quote fails.
      const quote = () =>
        shopper.call('/api/checkout/quote', { destination: { country: 'DE', postalCode: '10115' } });
      assert.equal((await quote()).status, 200);
      fault('set', 'shipping', 'latency=12s', 'drop-heartbeats');
      await followed();
      const lostAt = performance.now();
      const lost = await quote();
      assert.equal(lost.status, 503, await lost.text());
      const frontEnd = await (await fetch('http://127.0.0.1:3008/metrics')).text();
      assert.match(frontEnd, /^rpc_client_errors_total\{[^}]*error="LostRemote"[^}]*\} [1-9]/m);
      assert.ok((await faultsInjected(ports.shipping, 'drop-heartbeats')) > 0);
      step(
        `shipping latency=12s drop-heartbeats: quote 503 (LostRemote) after ${((performance.now() - lostAt) / 1000).toFixed(1)} s`,
      );
      fault('clear', 'shipping');
      await waitFor('quotes again', async () => (await quote()).status === 200, 60_000);
    });
  });
});
