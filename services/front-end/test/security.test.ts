// The security suite: the probes of docs/security.md, sent as an attacker inside the shop's network
// would send them, against the whole shop started in-process with its ZeroRPC ports on CURVE as
// compose and Kubernetes run them. Each probe asserts the refusal, and that nothing changed.
// The storefront's own edge (control characters, Origin, quantities, Redis, shoppers' addresses
// and login limits) is probed in trust.test.ts; the table in docs/security.md lists every probe.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServiceName } from '@trio/contracts/common';
import { ApiCheckoutResponse } from '@trio/contracts/front-end';
import { inventoryRpc } from '@trio/contracts/inventory';
import { createRpcClient } from '@trio/rpc/client';
import { newCurveKeyPair } from '@trio/rpc/curve';
import { TimeoutExpired } from '@trio/rpc/errors';
import { createHttpClient } from '@trio/testing/http-client';
import { callerToken } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import { parse } from 'yaml';
import { address, type Storefront, startStorefront, successCard } from './support/shop.ts';

let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  shop = made.running;
});

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A confirmed order placed through the storefront, and the payment billing made for it. */
async function paidOrder(): Promise<{ paymentId: string; status: () => Promise<string> }> {
  const client = shop.browserClient();
  const email = `probe-${crypto.randomUUID()}@example.com`;
  await client.request('POST', '/api/users', {
    json: { email, password: 'correct horse battery', name: 'Ada' },
  });
  const sku = await shop.peers.product({ stock: 5 });
  await client.request('POST', '/api/cart/items', { json: { sku, qty: 1 } });
  const placed = await client.request('POST', '/api/checkout', {
    json: { address, shipping: 'standard', card: successCard },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const { orderId } = ApiCheckoutResponse.parse(placed.body);
  const billing = shop.peers.db('billing');
  let paymentId: string | null = null;
  for (let i = 0; i < 100 && paymentId === null; i++) {
    const row = await billing.query<{ payment_id: string | null }>(
      'SELECT payment_id FROM orders WHERE id = $1',
      [orderId],
    );
    paymentId = row.rows[0]?.payment_id ?? null;
    if (paymentId === null) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(paymentId, 'billing made a payment');
  const status = async () =>
    (
      await shop.peers
        .db('payment')
        .query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [paymentId])
    ).rows[0]!.status;
  return { paymentId, status };
}

describe('internal REST: every call proves its caller', () => {
  test('payment answers neither an anonymous caller (401) nor the front-end (403); nothing changes', async () => {
    const { paymentId, status } = await paidOrder();
    const before = await status();
    const anonymous = createHttpClient(shop.peers.paymentUrl);
    const frontEnd = createHttpClient(shop.peers.paymentUrl, { as: 'front-end', audience: 'payment' });
    for (const [method, path] of [
      ['GET', `/payments/${paymentId}`],
      ['POST', `/payments/${paymentId}/capture`],
      ['POST', `/payments/${paymentId}/void`],
      ['POST', `/payments/${paymentId}/refund`],
    ] as const) {
      const options = method === 'GET' ? {} : { body: {} };
      assert.equal(
        (await anonymous.request(method, path, options)).status,
        401,
        `anonymous ${method} ${path}`,
      );
      assert.equal(
        (await frontEnd.request(method, path, options)).status,
        403,
        `front-end ${method} ${path}`,
      );
    }
    assert.equal(await status(), before);
  });

  test('a token read off the wire and sent again is refused', async () => {
    const { paymentId } = await paidOrder();
    const token = await callerToken('billing', 'payment');
    const payment = createHttpClient(shop.peers.paymentUrl);
    const headers = { 'trio-caller': token };
    assert.equal((await payment.request('GET', `/payments/${paymentId}`, { headers })).status, 200);
    const replayed = await payment.request('GET', `/payments/${paymentId}`, { headers });
    assert.equal(replayed.status, 401);
    assert.match(JSON.stringify(replayed.body), /replayed/);
  });

  test('profiles’ session check and billing’s orders refuse an anonymous caller', async () => {
    const { token } = await shop.peers.customer();
    const profiles = createHttpClient(shop.peers.profilesUrl);
    assert.equal((await profiles.request('GET', '/sessions/current', { token })).status, 401);
    assert.equal((await createHttpClient(shop.billingUrl).request('GET', '/orders', { token })).status, 401);
  });
});

describe('ZeroRPC: only the listed client keys are answered', () => {
  test('a client without a key, or with a key of its own, gets no answer from inventory; the shop’s own does', async () => {
    const endpoint = shop.peers.addresses.INVENTORY_ADDR!;
    const serverKey = shop.peers.addresses.INVENTORY_CURVE_KEY!;
    const clients = {
      plain: createRpcClient({ service: inventoryRpc, endpoints: endpoint, retry: false, timeoutMs: 1_000 }),
      stranger: createRpcClient({
        service: inventoryRpc,
        endpoints: endpoint,
        retry: false,
        timeoutMs: 1_000,
        curve: { serverKey, ...newCurveKeyPair() },
      }),
    };
    const sku = await shop.peers.product({ stock: 7 });
    try {
      for (const [name, client] of Object.entries(clients)) {
        await assert.rejects(
          client.methods.reserve(crypto.randomUUID(), [{ sku, qty: 7 }], 3600),
          TimeoutExpired,
          name,
        );
      }
      assert.equal(await shop.peers.available(sku), 7, 'nothing was reserved');
    } finally {
      await Promise.all(Object.values(clients).map((client) => client.close()));
    }
  });
});

describe('production refuses the example secrets this repository ships', () => {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  for (const service of ServiceName.options) {
    test(`${service}, given docker-compose.yml's values with NODE_ENV=production, does not start and names them`, () => {
      const environment = compose.services[service]?.environment ?? {};
      // Every credential compose sets: secrets, and the public keys that would trust a published pair.
      const credentials = Object.keys(environment).filter(
        (name) => /SECRET|TOKEN|_KEY$|ALLOWED_CLIENTS/.test(name) && name !== 'RPC_CURVE_PUBLIC_KEY',
      );
      assert.ok(credentials.length > 0, `${service} has credentials in docker-compose.yml`);
      const run = spawnSync(process.execPath, ['dist/main.js'], {
        cwd: `${root}services/${service}`,
        env: { PATH: process.env.PATH ?? '', ...environment, NODE_ENV: 'production' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.notEqual(run.status, 0, `${service} started`);
      const output = run.stdout + run.stderr;
      assert.match(output, /Invalid configuration/);
      for (const name of credentials) {
        assert.match(output, new RegExp(`${name}: `), `${service} names ${name}`);
        assert.equal(output.includes(environment[name]!), false, `${service} does not print ${name}'s value`);
      }
    });
  }
});
