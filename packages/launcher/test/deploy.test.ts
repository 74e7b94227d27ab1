// `npm run deploy -- inventory` against `npm start -- --replicas inventory=3`: under the load
// generator's checkout mix, every replica is replaced one by one (new pids) with no failed request
// and the shop's invariants holding; then `--bad` deploys a version whose /readyz fails, which is
// rolled back before it takes any traffic. The shop's fixed ports: run it under the heavy-run lock.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runAndReport } from '../../load/src/main.ts';
import { parseOptions } from '../../load/src/options.ts';
import { hostsPath } from '../src/replicas.ts';
import { pidAlive, readDeploys, type ShopState, shopStatePath } from '../src/state.ts';
import { type Launch, ready, repoRoot, useLaunchedShop, withLaunch } from './support/launch.ts';

const deployCli = fileURLToPath(new URL('../src/deploy.ts', import.meta.url));
const shop = useLaunchedShop(13);
const { infra } = shop;
const out = mkdtempSync(join(tmpdir(), 'trio-deploy-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** `npm run deploy -- <args>` (from source): its exit code and everything it printed. */
function deploy(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [deployCli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const inventory = (): { address: string; pid: number | undefined }[] =>
  (JSON.parse(readFileSync(shopStatePath(repoRoot), 'utf8')) as ShopState).services
    .filter((service) => service.name === 'inventory')
    .map(({ address, pid }) => ({ address, pid }));

test('a rolling deploy under load replaces every replica with no failed request; a bad version is rolled back', async () => {
  const startedAt = new Date().toISOString();
  const run: Launch = shop.launch({}, ['--replicas', 'inventory=3']);
  await withLaunch(run, async () => {
    await ready(run);
    const before = inventory();
    assert.equal(before.length, 3);

    // Checkouts until the deploy is over (then the shoppers under way finish).
    const stop = new AbortController();
    const load = runAndReport(
      parseOptions([
        ...['--target', 'http://127.0.0.1:8080', '--database-url', infra().db.url, '--out', out],
        ...'--mix checkout=1 --rate 2/s --duration 90s --think 100ms --accounts 40 --progress off'.split(' '),
        ...'--cards success=1 --timeout 30s --drain 30s --settle 30s'.split(' '),
      ]),
      { signal: stop.signal },
    );
    await sleep(2_000);
    const started = Date.now();
    const rolled = await deploy('inventory');
    const tookMs = Date.now() - started;
    await sleep(1_000);
    stop.abort();
    const { summary } = await load;
    process.stdout.write(
      `# deploy took ${(tookMs / 1000).toFixed(1)} s under load: ${JSON.stringify({
        requests: summary.requests,
        errors: summary.errors,
        outcomes: summary.outcomes,
        checkout: summary.steps.checkout,
      })}\n`,
    );
    assert.equal(rolled.code, 0, rolled.output);
    assert.match(rolled.output, /deployed inventory: /);
    const replaced = inventory();
    assert.equal(replaced.length, 3, 'still three replicas');
    for (const old of before) {
      assert.ok(!replaced.some((replica) => replica.pid === old.pid), `pid ${old.pid} was replaced`);
      assert.ok(!pidAlive(old.pid), `the old replica ${old.pid} has stopped`);
    }
    for (const replica of replaced) assert.ok(pidAlive(replica.pid), `the new replica ${replica.pid} runs`);
    const routed = readFileSync(hostsPath(repoRoot), 'utf8');
    for (const replica of replaced)
      assert.match(routed, new RegExp(`^${replica.address.replaceAll('.', '\\.')} inventory$`, 'm'));
    assert.ok(summary.orders > 10, `orders placed during the deploy: ${summary.orders}`);
    assert.deepEqual(summary.errors, {}, 'no failed request');
    assert.ok(!('skipped' in summary.invariants), 'the invariants were checked');
    for (const check of summary.invariants.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);

    // A bad version: its /readyz never answers 200, so it is stopped and nothing changes.
    const bad = await deploy('inventory', '--bad', '--ready-timeout', '5s');
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.output, /is not healthy: .*\/readyz/);
    assert.match(bad.output, /rolled back: inventory\.\d+ never took traffic and was stopped/);
    assert.deepEqual(inventory(), replaced, 'the replicas that ran before the bad deploy still run');
    assert.equal(readFileSync(hostsPath(repoRoot), 'utf8'), routed, 'the callers were never pointed at it');
    const badPid = Number(/started inventory\.\d+ \(pid (\d+)\)/.exec(bad.output)?.[1]);
    assert.ok(badPid > 0 && !pidAlive(badPid), 'the bad replica was stopped');

    // Both outcomes are recorded in .trio/deploys.json, for the workshop's lab 6.
    const recorded = readDeploys(repoRoot).filter((record) => record.startedAt >= startedAt);
    assert.deepEqual(
      recorded.map(({ service, bad, result, replaced }) => ({
        service,
        bad,
        result,
        replaced: replaced.length,
      })),
      [
        { service: 'inventory', bad: false, result: 'deployed', replaced: 3 },
        { service: 'inventory', bad: true, result: 'rolled-back', replaced: 0 },
      ],
    );
    assert.match(
      recorded[1]!.problem ?? '',
      /^inventory\.\d+ (not ready within 5 s|it exited before it was ready).*\/readyz/,
    );

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });
});
