// Labs 5, 6 and 8 against the whole shop in-process, with real load runs (`@trio/load`, a few
// seconds each) writing the summary.json the checkers read. Features not on main yet are stood in
// for by the state they document: three inventory replicas on 127.0.0.2–4 are real inventory
// services started here on their own addresses (as `--replicas inventory=3` would); a rolling
// deploy is inventory's pid changing in shop.json; `--observe`'s spans file is written by the test.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inventoryRpc } from '@trio/contracts/inventory';
import { Config as InventoryConfig } from '@trio/inventory/config';
import { start as startInventory } from '@trio/inventory/main';
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

/** A short checkout run into load-reports/<name>/ under the test's root. */
async function load(name: string): Promise<void> {
  const out = join(shop.context.root, 'load-reports', name);
  await runAndReport(
    parseOptions([
      ...['--target', shop.url, '--mix', 'checkout=1', '--accounts', '8', '--cards', 'success=1'],
      ...['--rate', '2/s', '--duration', '3s', '--think', '0', '--timeout', '60s', '--drain', '60s'],
      ...['--out', out, '--progress', 'off', '--no-invariants'],
    ]),
  );
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

test('lab 5: fails on one inventory, passes with three replicas that each answered calls and a load run', async () => {
  writeShop(shop.context.root, 'processes', shop.processes);
  await startLab(shop.context, findLab(5)!);
  const before = await check(shop.context, 5);
  assert.match(
    failed(before).join('\n'),
    /1 inventory process\(es\) on 1 address\(es\); the lab needs three/,
  );
  assert.match(failed(before).join('\n'), /no load run with checkouts since `lab start 5`/);

  const replicas = [await inventoryReplica('127.0.0.3'), await inventoryReplica('127.0.0.4')];
  const first = shop.processes.find((p) => p.name === 'inventory')!;
  writeShop(shop.context.root, 'processes', [...shop.processes, ...replicas]);
  await load('lab-5');
  const done = await check(shop.context, 5);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), new RegExp(`3 inventory replicas on ${first.address}, 127.0.0.3, 127.0.0.4`));
});

test('lab 6: fails before the deploy, passes once inventory runs from new processes and the load over it met no error', async () => {
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
  assert.match(failed(before).join('\n'), /no load run since `lab start 6`/);
  assert.match(shown(before), /– build and ship: no trio-no-such-container-cli command here/);

  writeShop(shop.context.root, 'processes', withInventoryPid(deployed.pid));
  await load('lab-6');
  const done = await check(shop.context, 6);
  assert.ok(allPassed(done), shown(done));
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
