// Faults on demand over HTTP, on a service host with its routes, following the `faults` flag in
// real Redis (this file's own key prefix): each fault switched on and off while the service runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { faultsOn, setServiceFaults } from '@trio/testing/faults';
import { createTestRedis, type TestRedis } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { z } from 'zod';
import { parseConfig, serviceSettings } from '../src/config.ts';
import { describeFaults, parseDuration, parseFaultWords } from '../src/faults/cli-args.ts';
import { faultsFlag } from '../src/faults/faults.ts';
import { createFlagStore, type FlagStore } from '../src/faults/redis-flags.ts';
import { createServiceHost, type ServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

let redis: TestRedis;
let store: FlagStore;
let host: ServiceHost;
let base: string;
const exits: number[] = [];

before(async () => {
  redis = await createTestRedis();
  store = createFlagStore({ url: redis.url, keyPrefix: redis.prefix });
  host = createServiceHost({
    service: 'payment',
    log: captureLogs().log,
    signals: false,
    exit: (code) => exits.push(code),
    faults: faultsOn(redis),
  });
  const { port } = await host.listen({
    port: 0,
    host: '127.0.0.1',
    routes: (app) => app.get('/hello', (_req, res) => res.json({ hello: 'world' })),
  });
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await host?.shutdown.close();
  await store?.close();
  await redis?.drop();
});

/** Sets the service's faults, as the CLI's words, and waits until the host follows them. */
const setFaults = (words: string[]) =>
  setServiceFaults(redis, 'payment', parseFaultWords(words), () => host.faults?.current());
const clearFaults = () => setServiceFaults(redis, 'payment', {}, () => host.faults?.current());

async function injected(kind: string): Promise<number> {
  const text = await host.metrics.registry.getSingleMetricAsString('faults_injected_total');
  return Number(new RegExp(`kind="${kind}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

describe('faults on demand over HTTP', () => {
  test('none by default: requests pass', async () => {
    assert.deepEqual(host.faults?.current(), {});
    assert.equal((await fetch(`${base}/hello`)).status, 200);
  });

  test('http-error=1 answers 503 fault_injected, and clearing it restores the service without a restart', async () => {
    await setFaults(['http-error=1']);
    const refused = await fetch(`${base}/hello`);
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'fault_injected');
    // The probes are not faulted: the service still reports its own state.
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await clearFaults();
    assert.equal((await fetch(`${base}/hello`)).status, 200);
  });

  test('latency delays every request (rate 1) by at least the given time', async () => {
    await setFaults(['latency=300ms']);
    const started = performance.now();
    assert.equal((await fetch(`${base}/hello`)).status, 200);
    // A lower bound that setTimeout guarantees, not a performance figure.
    assert.ok(performance.now() - started >= 295);
    assert.equal(await injected('latency'), 1);
    await setFaults(['latency=300ms', 'rate=0']);
    assert.equal((await fetch(`${base}/hello`)).status, 200);
    assert.equal(await injected('latency'), 1, 'rate=0: no request delayed');
    await clearFaults();
  });

  test('hang holds a request without an answer until it is cleared', async () => {
    await setFaults(['hang']);
    let settled = false;
    const held = fetch(`${base}/hello`).then((response) => {
      settled = true;
      return response;
    });
    await waitFor('the request to be held', async () => (await injected('hang')) === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, 'no answer while hang is set');
    await clearFaults();
    assert.equal((await held).status, 200);
  });

  test('the operator page lists every service’s faults, read-only, beside the probes', async () => {
    await store.set(faultsFlag, 'inventory', { 'rpc-error': 0.2 });
    await setFaults(['latency=2s', 'rate=0.3']);
    await waitFor('both read', () => Object.keys(host.faults?.all() ?? {}).length === 2);
    const page = await fetch(`${base}/faults`);
    assert.equal(page.status, 200);
    const text = await page.text();
    assert.match(text, /^inventory +rpc-error=0\.2$/m);
    assert.match(text, /^payment +latency=2000ms rate=0\.3$/m);
    const json = await fetch(`${base}/faults`, { headers: { accept: 'application/json' } });
    assert.deepEqual(await json.json(), {
      faults: { inventory: { 'rpc-error': 0.2 }, payment: { latency: 2000, rate: 0.3 } },
    });
    assert.equal((await fetch(`${base}/faults`, { method: 'POST' })).status, 404, 'read-only');
    await store.remove(faultsFlag, 'inventory');
    await clearFaults();
    await waitFor('none listed', async () =>
      /no faults set/.test(await (await fetch(`${base}/faults`)).text()),
    );
  });

  test('crash exits once with code 1 and removes itself, so that the restarted service runs', async () => {
    await store.set(faultsFlag, 'payment', { crash: true });
    await waitFor('the crash', () => exits.length === 1);
    assert.deepEqual(exits, [1]);
    assert.deepEqual(await store.get(faultsFlag), {}, 'the one-shot crash is gone');
  });
});

describe('fault settings', () => {
  const Config = z.object(serviceSettings({ name: 'payment', httpPort: 3003 }));

  test('off by default; production refuses FAULTS_ENABLED unless FAULTS_IN_PRODUCTION says it is meant', () => {
    assert.equal(parseConfig(Config, {}).FAULTS_ENABLED, false);
    assert.equal(parseConfig(Config, { FAULTS_ENABLED: 'true' }).FAULTS_ENABLED, true);
    assert.throws(
      () => parseConfig(Config, { NODE_ENV: 'production', FAULTS_ENABLED: 'true' }),
      /FAULTS_ENABLED: fault injection is refused in production/,
    );
    const meant = { NODE_ENV: 'production', FAULTS_ENABLED: 'true', FAULTS_IN_PRODUCTION: 'true' };
    assert.equal(parseConfig(Config, meant).FAULTS_ENABLED, true);
  });

  test('the CLI words: durations, rates, switches; anything else is refused', () => {
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.deepEqual(parseFaultWords(['latency=2s', 'rate=0.3']), { latency: 2000, rate: 0.3 });
    assert.deepEqual(parseFaultWords(['crash']), { crash: true });
    assert.deepEqual(parseFaultWords(['hang', 'drop-heartbeats']), { hang: 1, 'drop-heartbeats': true });
    assert.deepEqual(parseFaultWords(['consumer-slow=500ms', 'reject=0.1']), {
      'consumer-slow': 500,
      reject: 0.1,
    });
    assert.equal(describeFaults({ latency: 2000, rate: 0.3 }), 'latency=2000ms rate=0.3');
    assert.throws(() => parseFaultWords(['rate=2']), /rate/);
    assert.throws(() => parseFaultWords(['explode']));
    assert.throws(() => parseDuration('soon'), /not a duration/);
  });
});
