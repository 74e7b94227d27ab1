// The product page's panels have a time budget: with recommendations hanging (a peer that accepts
// connections and never answers) or inventory gone, the product still comes back, on time, without
// the panel ("availability unknown" for stock).
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiProductDetail } from '@trio/contracts/front-end';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { type Storefront, startStorefront, waitFor } from './support/shop.ts';

let infra: TestInfra;
let shop: Storefront;
let blackHole: Server;
const sockets = new Set<Socket>();
const budgetMs = 300;

before(async () => {
  infra = await createTestInfra();
  // Takes connections and says nothing: every call to it hangs until the caller gives up.
  blackHole = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as { port: number };
  shop = await startStorefront(infra, {
    env: { RECOMMENDATIONS_ADDR: `tcp://127.0.0.1:${port}`, PANEL_BUDGET_MS: String(budgetMs) },
  });
});

after(async () => {
  await shop?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  await infra?.drop();
});

async function timedDetail(sku: string): Promise<{ detail: ApiProductDetail; ms: number }> {
  const started = performance.now();
  const reply = await shop.browserClient().get(`/api/products/${sku}`);
  const ms = performance.now() - started;
  assert.equal(reply.status, 200);
  return { detail: ApiProductDetail.parse(reply.body), ms };
}

describe('a product page within its budget', () => {
  test('recommendations hanging: the product and its stock, without the panel', async () => {
    const sku = await shop.peers.product({ stock: 12 });
    const { detail, ms } = await timedDetail(sku);
    assert.equal(detail.recommendations, undefined);
    assert.deepEqual(detail.stock, { status: 'in_stock', available: 12 });
    assert.ok(ms >= budgetMs * 0.9, `waited for the budget (${ms.toFixed(0)} ms)`);
    assert.ok(ms < budgetMs + 2_000, `but not much longer (${ms.toFixed(0)} ms)`);
    // Logged when the hanging call gives up, which may be just after the page went out.
    await waitFor('the missing panel to be logged', () =>
      shop.capture.lines().some((line) => line.includes('product page panel unavailable')),
    );
  });

  test('inventory stopped too: availability unknown, still on time', async () => {
    const sku = await shop.peers.product({ stock: 12 });
    await shop.peers.stopPeer('inventory');
    const { detail, ms } = await timedDetail(sku);
    assert.deepEqual(detail.stock, { status: 'unknown' });
    assert.equal(detail.product.sku, sku);
    assert.ok(ms < budgetMs + 2_000, `${ms.toFixed(0)} ms`);
  });
});
