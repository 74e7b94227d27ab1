// `npm start -- --monolith` as a user runs it: the launcher as a process, the eight services in ONE
// child, on this file's own database, Redis database and exchange. The storefront journey passes on
// the usual ports, .trio/shop.json (here: --report) says monolith with one pid for all, and its
// events go through the in-process bus: with AMQP_URL pointing at a closed port, order.confirmed
// still reaches inventory, shipping and recommendations, as their own /metrics count. With
// `--split recommendations` that one runs as its own process, reached over ZeroRPC on its port, and
// every service's events go through RabbitMQ again.
// Fixed ports (3001-3008, 4242-4244, 8080): run under the shared lock (flock /tmp/trio-heavy.lock).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { journeyAccount, storefrontJourney } from '@trio/testing/journey';
import { waitFor } from '@trio/testing/wait';
import type { ShopState } from '../src/state.ts';
import { useLaunchedShop } from './support/launch.ts';

const launcher = fileURLToPath(new URL('../src/start.ts', import.meta.url));
const redisDb = 12;
const storefront = 'http://127.0.0.1:8080';

const shopEnv = useLaunchedShop(redisDb);

/** The launcher with `args`, until it says the shop is ready: its state, its output, a stop. */
async function startShop(args: string[], extraEnv: Record<string, string> = {}) {
  const report = join(mkdtempSync(join(tmpdir(), 'trio-monolith-')), 'shop.json');
  const child = spawn(process.execPath, [launcher, ...args, '--report', report], {
    env: { ...process.env, ...shopEnv.env(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own group: a failed test kills the launcher and what it started at once
  });
  const chunks: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => chunks.push(String(chunk)));
  const output = () => chunks.join('');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  try {
    await waitFor(
      'the shop to be ready',
      () => (existsSync(report) && output().includes('Trio Shop is ready')) || child.exitCode !== null,
      60_000,
    );
    assert.ok(existsSync(report), `the launcher stopped early:\n${output()}`);
  } catch (error) {
    kill();
    throw error;
  }
  const state = JSON.parse(readFileSync(report, 'utf8')) as ShopState;
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { state, output, stop, kill };
}

const pidOf = (state: ShopState, name: string) =>
  state.services.find((service) => service.name === name)?.pid;

/** Deliveries of `type` that `queue`'s consumer handled, from the service's own /metrics on `port`. */
async function handled(port: number, queue: string, type: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return metrics
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('events_consumed_total{') &&
        line.includes(`queue="${shopEnv.env().EVENTS_EXCHANGE}.${queue}"`) &&
        line.includes(`type="${type}"`) &&
        line.includes('outcome="handled"'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The ports of the services that consume order.confirmed: their admin ports, /metrics. */
const orderConsumers = [
  { port: 3005, queue: 'inventory.orders' },
  { port: 3006, queue: 'shipping.orders' },
  { port: 3007, queue: 'recommendations.learning' },
];

describe('npm start -- --monolith', () => {
  test('runs the eight services in one process, events in memory without RabbitMQ: the journey passes, shop.json says monolith', async () => {
    // A closed port: the launcher does not wait for a broker, and no service connects to one.
    const shop = await startShop(['--monolith'], { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    try {
      assert.equal(shop.state.mode, 'monolith');
      assert.equal(shop.state.services.length, 8);
      const pids = new Set(shop.state.services.map((service) => service.pid));
      assert.equal(pids.size, 1, 'one pid for every service');
      assert.notEqual([...pids][0], shop.state.launcherPid);
      // The peers are served in-process; each service's log lines keep their own prefix.
      for (const name of ['catalog', 'profiles', 'payment', 'billing'])
        assert.match(
          shop.output(),
          new RegExp(`^${name} +│ .*routes served in-process too address=inproc://${name}`, 'm'),
        );
      for (const name of ['inventory', 'shipping', 'recommendations'])
        assert.match(
          shop.output(),
          new RegExp(`^${name} +│ .*rpc server listening endpoint=inproc://${name}`, 'm'),
        );

      await storefrontJourney(storefront, 'Ada Monolith', journeyAccount());
      // The order's confirmation reached its three consumers in memory: RabbitMQ is not even reachable.
      for (const name of ['billing', 'inventory', 'front-end'])
        assert.match(shop.output(), new RegExp(`^${name} +│ .*events go through the in-process bus`, 'm'));
      for (const { port, queue } of orderConsumers)
        await waitFor(
          `${queue} to handle order.confirmed`,
          async () => (await handled(port, queue, 'order.confirmed')) >= 1,
        );
      const readiness = (await (await fetch('http://127.0.0.1:3005/readyz')).json()) as { checks: object };
      assert.ok(!('amqp' in readiness.checks), 'inventory has no broker connection to check');

      assert.equal(await shop.stop(), 0);
      assert.match(shop.output(), /stopping the shop/);
      const stopped = (name: string) =>
        shop.output().search(new RegExp(`^${name} +│ .*shutdown complete`, 'm'));
      assert.ok(stopped('front-end') > 0, 'the front-end shut down gracefully');
      assert.ok(stopped('front-end') < stopped('billing'), 'the front-end stopped before billing');
      const stopLines = shop
        .output()
        .split('\n')
        .filter((line) => /shutting down|shutdown complete|timed out|failed to close/.test(line))
        .join('\n');
      assert.ok(stopped('billing') < stopped('catalog'), `billing stopped before catalog:\n${stopLines}`);
    } finally {
      shop.kill();
    }
  });

  test('--split recommendations: that one in its own process, reached over ZeroRPC; the journey passes', async () => {
    const shop = await startShop(['--monolith', '--split', 'recommendations']);
    try {
      assert.equal(shop.state.mode, 'monolith');
      const monolith = pidOf(shop.state, 'front-end');
      const recommendations = pidOf(shop.state, 'recommendations');
      assert.ok(
        recommendations !== undefined && recommendations !== monolith,
        'recommendations has its own pid',
      );
      for (const service of shop.state.services.filter((each) => each.name !== 'recommendations'))
        assert.equal(service.pid, monolith, `${service.name} is in the monolith`);

      await storefrontJourney(storefront, 'Ada Split', journeyAccount());
      // The product page's panel asks recommendations: over TCP now, so its own server counts it.
      const products = (await (await fetch(`${storefront}/api/products`)).json()) as {
        items: { sku: string }[];
      };
      const sku = products.items[0]?.sku ?? '';
      assert.equal((await fetch(`${storefront}/p/${encodeURIComponent(sku)}`)).status, 200);
      const metrics = await (await fetch('http://127.0.0.1:3007/metrics')).text();
      assert.match(metrics, /^rpc_server_request_duration_seconds_count\{[^}]*method="[^"]+"[^}]*\} [1-9]/m);
      assert.doesNotMatch(shop.output(), /rpc server listening endpoint=inproc:\/\/recommendations/);
      // Split out, recommendations learns from the order over RabbitMQ, as every service's events go.
      assert.doesNotMatch(shop.output(), /events go through the in-process bus/);
      await waitFor(
        'recommendations to learn from order.confirmed over RabbitMQ',
        async () => (await handled(3007, 'recommendations.learning', 'order.confirmed')) >= 1,
      );

      assert.equal(await shop.stop(), 0);
    } finally {
      shop.kill();
    }
  });

  test('--split with an unknown service stops at once, naming the services', async () => {
    const child = spawn(process.execPath, [launcher, '--monolith', '--split', 'recommendation'], {
      env: { ...process.env, ...shopEnv.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += String(chunk);
    });
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 1);
    assert.match(output, /unknown service "recommendation": the services are catalog, profiles/);
  });
});
