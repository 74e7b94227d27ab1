// Labs 5, 6 and 8 against the whole shop in-process, with real load runs (`@trio/load`, a few
// seconds each) writing the summary.json the checkers read. What the launcher does is stood in for
// by the state it writes (its own writers, @trio/launcher/state): three inventory replicas on
// 127.0.0.2–4 are real inventory services started here on their own addresses (as `--replicas
// inventory=3` would; the storefront keeps calling the first one); a replica killed under load is a
// stand-in process killed with SIGKILL, its exit and its successor in shop.json; a rolling deploy is
// inventory's pid changing in shop.json and its record in deploys.json; `--observe`'s spans file is
// written by the test. packages/launcher's replicas and deploy tests run the real thing.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inventoryRpc } from '@trio/contracts/inventory';
import { Config as InventoryConfig } from '@trio/inventory/config';
import { start as startInventory } from '@trio/inventory/main';
import { recordDeploy } from '@trio/launcher/state';
import { runAndReport } from '@trio/load/main';
import { parseOptions } from '@trio/load/options';
import { createRpcClient } from '@trio/rpc/client';
import { newCurveKeyPair } from '@trio/rpc/curve';
import { parseConfig } from '@trio/service-runtime/config';
import { useTestInfra } from '@trio/testing/infra';
import { allPassed } from '../src/criteria.ts';
import { clearFaults } from '../src/infra.ts';
import { findLab, startLab } from '../src/labs/index.ts';
import { spansPath } from '../src/labs/lab8-bottleneck.ts';
import type { ShopProcess } from '../src/shop.ts';
import { check, checkUntilPassed, failed, shown } from './support/checks.ts';
import { type LabTestShop, standIn, startLabShop, writeShop } from './support/shop.ts';

let shop: LabTestShop;
useTestInfra(startLabShop, (made) => {
  shop = made.running;
});
const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

/**
 * A short checkout run into load-reports/<name>/ under the test's root; `running` is called once the
 * run has begun (its first second is over: the accounts are ready and shoppers are under way).
 */
async function load(name: string, running?: () => void): Promise<void> {
  const out = join(shop.context.root, 'load-reports', name);
  let ticked = false;
  const progress = new Writable({
    write(_chunk, _encoding, done) {
      if (!ticked) running?.();
      ticked = true;
      done();
    },
  });
  await runAndReport(
    parseOptions([
      ...['--target', shop.url, '--mix', 'checkout=1', '--accounts', '8', '--cards', 'success=1'],
      ...['--rate', '2/s', '--duration', '3s', '--think', '0', '--timeout', '60s', '--drain', '60s'],
      ...['--out', out, '--progress', running === undefined ? 'off' : 'tty', '--no-invariants'],
    ]),
    { out: progress },
  );
}

/** Starts `load(name)`; resolves once it runs, with the promise of its end. */
async function loadRunning(name: string): Promise<{ ended: Promise<void> }> {
  const { promise: began, resolve } = Promise.withResolvers<void>();
  const ended = load(name, resolve);
  await Promise.race([began, ended]);
  return { ended };
}

/** One more inventory on `address`, a replica as `--replicas` starts them; answers one call there. */
async function inventoryReplica(address: string): Promise<ShopProcess> {
  const { addresses, common } = shop.peers;
  const pair = newCurveKeyPair();
  const replica = await startInventory(
    parseConfig(InventoryConfig, {
      ...common,
      ...{ HTTP_PORT: '0', HTTP_HOST: address, RPC_PORT: '0', RPC_HOST: address },
      RPC_CURVE_SECRET_KEY: pair.secretKey,
      RPC_CURVE_ALLOWED_CLIENTS: addresses.RPC_CURVE_PUBLIC_KEY!,
    }),
    { log: shop.peers.logger(`inventory@${address}`).log, signals: false },
  );
  stops.push(() => replica.host.shutdown.close());
  const client = createRpcClient({
    service: inventoryRpc,
    endpoints: replica.rpcEndpoint,
    retry: false,
    timeoutMs: 15_000,
    curve: {
      serverKey: pair.publicKey,
      publicKey: addresses.RPC_CURVE_PUBLIC_KEY!,
      secretKey: addresses.RPC_CURVE_SECRET_KEY!,
    },
  });
  await client.methods.getStock(['NO-SUCH-SKU']);
  await client.close();
  return {
    name: 'inventory',
    pid: process.pid,
    address,
    httpPort: replica.adminPort,
    rpcPort: Number(replica.rpcEndpoint.split(':').at(-1)),
  };
}

test('lab 5: fails on one inventory, then without a replica killed under load; passes with three replicas, calls and events spread, a kill the clients followed', async () => {
  writeShop(shop.context.root, 'processes', shop.processes);
  await startLab(shop.context, findLab(5)!);
  const before = await check(shop.context, 5);
  assert.match(
    failed(before).join('\n'),
    /1 inventory process\(es\) on 1 address\(es\); the lab needs three/,
  );
  assert.match(failed(before).join('\n'), /no inventory replica exited since `lab start 5`/);
  assert.match(failed(before).join('\n'), /no load run with checkouts since `lab start 5`/);

  // Three replicas and a load run, but no replica killed: the kill is what is missing.
  const replicas = [await inventoryReplica('127.0.0.3'), await inventoryReplica('127.0.0.4')];
  const victim = standIn();
  stops.push(async () => victim.kill());
  const first = shop.processes.find((p) => p.name === 'inventory')!;
  const fleet = (last: ShopProcess) => [...shop.processes, replicas[0]!, last];
  writeShop(shop.context.root, 'processes', fleet({ ...replicas[1]!, pid: victim.pid }));
  await load('lab-5-no-kill');
  const noKill = await check(shop.context, 5);
  assert.deepEqual(failed(noKill), [
    'no inventory replica exited since `lab start 5` (.trio/shop.json records no exit: the launcher writes one when a replica dies)',
  ]);
  assert.match(shown(noKill), /ZeroRPC calls spread over 3 replicas/);
  assert.match(
    shown(noKill),
    /deliveries from the queue inventory\.orders \(competing consumers\) spread over [23] replicas/,
  );

  // A load run during which the replica on 127.0.0.4 is killed; the launcher records the exit and
  // starts it again (a new pid at the same address), as --replicas does.
  const run = await loadRunning('lab-5');
  victim.kill('SIGKILL');
  const restarted = standIn();
  stops.push(async () => restarted.kill());
  const exit = {
    name: 'inventory',
    address: '127.0.0.4',
    pid: victim.pid,
    reason: 'signal SIGKILL',
    at: new Date().toISOString(),
  };
  writeShop(shop.context.root, 'processes', fleet({ ...replicas[1]!, pid: restarted.pid }), {
    exits: [exit],
  });
  await run.ended;
  const done = await check(shop.context, 5);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), new RegExp(`3 inventory replicas on ${first.address}, 127.0.0.3, 127.0.0.4`));
  assert.match(
    shown(done),
    new RegExp(
      `the replica killed at 127\\.0\\.0\\.4 \\(pid ${victim.pid}, signal SIGKILL at .*\\) was restarted \\(pid ${restarted.pid}\\)`,
    ),
  );
  assert.match(shown(done), /\d+ answered after the kill \(\d+\.\d s in\), none failed/);
});

test('lab 6: fails before the deploy, and without the bad one rolled back; passes once inventory runs from new processes, the load over it met no error and --bad was rolled back', async () => {
  const old = standIn();
  const deployed = standIn();
  stops.push(
    async () => old.kill(),
    async () => deployed.kill(),
  );
  const withInventoryPid = (pid: number | undefined) =>
    shop.processes.map((p) => (p.name === 'inventory' ? { ...p, pid } : p));
  writeShop(shop.context.root, 'processes', withInventoryPid(old.pid));
  await startLab(shop.context, findLab(6)!);
  const before = await check(shop.context, 6);
  assert.match(
    failed(before).join('\n'),
    /inventory was not \(wholly\) redeployed: 1 of 1 process\(es\) still run from before/,
  );
  assert.match(
    failed(before).join('\n'),
    /no rolling deploy of inventory completed \(\.trio\/deploys\.json records no deploy/,
  );
  assert.match(failed(before).join('\n'), /no bad version was rolled back/);
  assert.match(failed(before).join('\n'), /no load run since `lab start 6`/);
  assert.match(shown(before), /– build and ship: no trio-no-such-container-cli command here/);

  // The deploy under load, as `npm run deploy -- inventory` records it; no --bad yet.
  const run = await loadRunning('lab-6');
  const startedAt = new Date().toISOString();
  await sleep(500);
  writeShop(shop.context.root, 'processes', withInventoryPid(deployed.pid));
  const address = shop.processes.find((p) => p.name === 'inventory')!.address;
  recordDeploy(shop.context.root, {
    service: 'inventory',
    bad: false,
    startedAt,
    endedAt: new Date().toISOString(),
    result: 'deployed',
    replaced: [{ old: { address, pid: old.pid }, new: { address, pid: deployed.pid } }],
  });
  await run.ended;
  const noRollback = await check(shop.context, 6);
  assert.deepEqual(
    failed(noRollback).map((text) => text.replace(/ at \d\d:\d\d:\d\d/, '')),
    ['no bad version was rolled back (.trio/deploys.json records: deployed)'],
  );

  const problem = 'inventory.3 not ready within 30 s: /readyz answered 503 {"status":"not ready"}';
  const now = new Date().toISOString();
  recordDeploy(shop.context.root, {
    service: 'inventory',
    ...{ bad: true, startedAt: now, endedAt: now, result: 'rolled-back', replaced: [], problem },
  });
  const done = await check(shop.context, 6);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), /the bad version was rolled back at .*: inventory\.3 not ready within 30 s/);
});

test('lab 8: fails while the planted slow hop is there, passes after traces, the fix and a faster second run', async (t) => {
  writeShop(shop.context.root, 'processes', shop.processes);
  await startLab(shop.context, findLab(8)!);
  await sleep(1_000); // the services follow a flag change within half a second
  const before = await check(shop.context, 8);
  assert.match(failed(before).join('\n'), /no spans recorded since the lab started/);
  assert.match(failed(before).join('\n'), /the slow hop is still slow/);
  assert.match(failed(before).join('\n'), /0 load run\(s\) since the lab started; two are needed/);

  await load('lab-8-before');
  // What `npm start -- --observe` documents: the spans, one JSON object a line (built on another branch).
  mkdirSync(join(shop.context.root, '.trio', 'traces'), { recursive: true });
  writeFileSync(
    spansPath(shop.context.root),
    `${JSON.stringify({ name: 'shipping/quote', durationMs: 301 })}\n`,
  );
  await clearFaults(shop.context, 'shipping');
  await sleep(1_000);
  const fixedNotMeasured = await check(shop.context, 8);
  assert.deepEqual(failed(fixedNotMeasured).length, 1, shown(fixedNotMeasured));
  await load('lab-8-after');
  const done = await checkUntilPassed(shop.context, 8, 0);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), /checkout p50 \d+ ms → \d+ ms/);
  t.diagnostic(shown(done));
});
