// `npm run dev -- <svc> --fake-peers` as a team runs it: the service from source beside the fakes
// of its peers, on this file's own database, Redis prefix and exchange (and free ports, never the
// shop's). Billing places an order that is confirmed, then one that fails with payment_declined
// once the payment fake's scenario is `decline`; the front-end serves its journeys; saving a file
// of packages/contracts reloads the service (the time it took is printed, not asserted).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { registerQueues } from '@trio/shop-testing/peers';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { devCallerToken } from '../src/token.ts';

const dev = fileURLToPath(new URL('../src/dev.ts', import.meta.url));
let infra: TestInfra;

before(async () => {
  infra = await createTestInfra();
  registerQueues(infra, ['billing', 'front-end']);
});
after(async () => {
  await infra?.drop();
});

interface DevRun {
  child: ChildProcess;
  output(): string;
  /** The port of the n-th (1-based) `http server listening` line that is not the admin one. */
  port(nth?: number): Promise<number>;
  stop(): Promise<void>;
}

function startDev(service: string, extra: Record<string, string> = {}): DevRun {
  const child = spawn(process.execPath, [dev, service, '--fake-peers'], {
    env: {
      ...process.env,
      DATABASE_URL: infra.db.url,
      DATABASE_POOL_SIZE: '3',
      AMQP_URL: infra.broker.url,
      EVENTS_EXCHANGE: infra.broker.exchange('events'),
      REDIS_URL: infra.redis.url,
      REDIS_KEY_PREFIX: infra.redis.prefix,
      HTTP_PORT: '0',
      NO_COLOR: '1',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = () =>
    [...output.matchAll(/"port":(\d+),"admin":false,"msg":"http server listening"/g)].map((m) =>
      Number(m[1]),
    );
  return {
    child,
    output: () => output,
    async port(nth = 1) {
      await waitFor(
        `${service} to listen (${nth})`,
        () => ports().length >= nth || child.exitCode !== null,
        60_000,
      );
      const port = ports()[nth - 1];
      assert.ok(port !== undefined, `dev stopped early:\n${output}`);
      return port;
    },
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const address = {
  name: 'Dev Shopper',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };

describe('npm run dev -- <svc> --fake-peers', () => {
  test('billing alone: an order confirmed, one declined, and a reload on a save in packages/contracts', async () => {
    const run = startDev('billing');
    try {
      const port = await run.port();
      const control = /curl -X PUT (http:\/\/127\.0\.0\.1:\d+)\/scenarios/.exec(run.output())?.[1];
      assert.ok(control, 'the control URL is printed');
      const order = async () =>
        fetch(`http://127.0.0.1:${port}/orders`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer trio-dev-session',
            'trio-caller': await devCallerToken('front-end', 'billing'),
            'content-type': 'application/json',
            'idempotency-key': crypto.randomUUID(),
          },
          body: JSON.stringify({
            lines: [{ sku: 'KIT-0001', qty: 2 }],
            address,
            shipping: 'standard',
            payment: { type: 'card', card },
          }),
        });
      const confirmed = await order();
      const body = (await confirmed.json()) as { status: string; reason?: string };
      assert.equal(confirmed.status, 201, JSON.stringify(body));
      assert.equal(body.status, 'confirmed');

      assert.equal((await fetch(`${control}/scenarios/payment/decline`, { method: 'PUT' })).status, 204);
      const declined = (await (await order()).json()) as { status: string; reason?: string };
      assert.deepEqual([declined.status, declined.reason], ['failed', 'payment_declined']);

      // Without a caller token, as the real billing: 401.
      assert.equal((await fetch(`http://127.0.0.1:${port}/orders`)).status, 401);

      const saved = Date.now();
      const contracts = fileURLToPath(new URL('../../contracts/src/billing.ts', import.meta.url));
      utimesSync(contracts, new Date(), new Date());
      const again = await run.port(2);
      process.stdout.write(
        `# reload after a save in packages/contracts: ${Date.now() - saved} ms (listening again on ${again})\n`,
      );
      assert.match(run.output(), /Restarting 'src\/main\.ts'/);

      const ownSaved = Date.now();
      const own = fileURLToPath(new URL('../../../services/billing/src/config.ts', import.meta.url));
      utimesSync(own, new Date(), new Date());
      const third = await run.port(3);
      process.stdout.write(
        `# reload after a save in services/billing/src: ${Date.now() - ownSaved} ms (listening again on ${third})\n`,
      );
    } finally {
      await run.stop();
    }
  });

  test('the front-end alone: home page with products, product page with stock, checkout', async () => {
    const run = startDev('front-end', { ADMIN_PORT: '0' });
    try {
      const port = await run.port();
      const base = `http://127.0.0.1:${port}`;
      const home = await fetch(`${base}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /\/p\/KIT-0001/, 'the home page lists demo products');
      const page = await fetch(`${base}/p/KIT-0001`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /in stock/i);

      const headers = { 'content-type': 'application/json', origin: base } as Record<string, string>;
      const login = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: 'dev.shopper@example.com', password: 'correct horse battery' }),
      });
      assert.equal(login.status, 200);
      headers.cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      const added = await fetch(`${base}/api/cart/items`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ sku: 'KIT-0001', qty: 1 }),
      });
      assert.equal(added.status, 200);
      const checkout = await fetch(`${base}/api/checkout`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ address, shipping: 'standard', card }),
      });
      const placed = (await checkout.json()) as { status: string };
      assert.equal(checkout.status, 201, JSON.stringify(placed));
      assert.equal(placed.status, 'confirmed');
    } finally {
      await run.stop();
    }
  });
});
