// Labs 1 to 4 against the whole shop in-process: each check fails on the lab's starting state
// (after `start N`) and passes once the lab's steps are done. The orders are real (the storefront
// journey through every service); the shop.json is the one the launcher writes for each mode.
// Lab 4 runs the real transports benchmark in its tiny mode, and billing and the front-end again
// with SHIPPING_TRANSPORT=rest.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useTestInfra } from '@trio/testing/infra';
import { storefrontJourney } from '@trio/testing/journey';
import { allPassed } from '../src/criteria.ts';
import { findLab, startLab } from '../src/labs/index.ts';
import { transportsFile } from '../src/labs/lab4-transports.ts';
import { check, checkUntilPassed, failed, shown } from './support/checks.ts';
import { type LabTestShop, standIn, startLabShop, writeShop } from './support/shop.ts';

const benchScript = fileURLToPath(
  new URL('../../../services/shipping/scripts/bench-transports.ts', import.meta.url),
);
let shop: LabTestShop;
useTestInfra(startLabShop, (made) => {
  shop = made.running;
});
const children = [standIn()];
after(() => {
  for (const child of children) child.kill();
});

test('lab 1: fails until an order placed since the start is invoiced and shipped', async () => {
  writeShop(shop.context.root, 'processes', shop.processes);
  await startLab(shop.context, findLab(1)!);
  const before = await check(shop.context, 1);
  assert.ok(!allPassed(before), shown(before));
  assert.match(failed(before).join('\n'), /no order placed since `lab start 1` has reached invoiced/);
  assert.match(failed(before).join('\n'), /no order placed since the lab started has a shipment/);

  await storefrontJourney(shop.url);
  const done = await checkUntilPassed(shop.context, 1);
  assert.ok(allPassed(done), shown(done));
});

test('lab 2: fails on eight processes, passes on the monolith with a checkout', async (t) => {
  await startLab(shop.context, findLab(2)!);
  const before = await check(shop.context, 2);
  assert.match(failed(before).join('\n'), /runs as processes, not as a monolith/);
  assert.match(failed(before).join('\n'), /no order placed since `lab start 2`/);

  writeShop(shop.context.root, 'monolith', shop.processes);
  await storefrontJourney(shop.url);
  const done = await checkUntilPassed(shop.context, 2);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), /share one process, pid \d+, resident memory \d+ MB/);
  t.diagnostic(shown(done));
});

test('lab 3: fails while recommendations shares the monolith’s process, passes once it runs apart and answers', async () => {
  await startLab(shop.context, findLab(3)!);
  const before = await check(shop.context, 3);
  assert.match(failed(before).join('\n'), /recommendations is not alone in a process/);

  // The split: recommendations in a process of its own (a stand-in pid; its address is the real
  // service's), then a product page, whose "bought together" panel asks it over ZeroRPC.
  const split = shop.processes.map((p) =>
    p.name === 'recommendations' ? { ...p, pid: children[0]!.pid } : p,
  );
  writeShop(shop.context.root, 'monolith', split);
  const products = (await (await fetch(`${shop.url}/api/products`)).json()) as { items: { sku: string }[] };
  const page = await fetch(`${shop.url}/p/${products.items[0]!.sku}`);
  assert.equal(page.status, 200);
  const done = await checkUntilPassed(shop.context, 3);
  assert.ok(allPassed(done), shown(done));
});

test('lab 4: fails until the transports are measured and the live quote goes over REST, passes after', async () => {
  writeShop(shop.context.root, 'processes', shop.processes);
  await startLab(shop.context, findLab(4)!);
  const before = await check(shop.context, 4);
  assert.match(failed(before).join('\n'), /no benchmark of the three transports saved/);

  // The lab's first steps: the benchmark's table saved with --json (its real output, in --tiny
  // mode), then a checkout through the running shop, whose quote goes over ZeroRPC: not yet enough.
  execFileSync(process.execPath, [benchScript, '--tiny', '--json', transportsFile(shop.context.root)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: process.env,
  });
  await storefrontJourney(shop.url);
  const overZeroRpc = await check(shop.context, 4);
  assert.match(failed(overZeroRpc).join('\n'), /quotes travel over ZeroRPC \(\d+ answered\), none over REST/);

  // `SHIPPING_TRANSPORT=rest npm start`: billing and the front-end again with that setting, then a
  // checkout through that storefront.
  const rest = await shop.restartCallers({ SHIPPING_TRANSPORT: 'rest' });
  writeShop(shop.context.root, 'processes', rest.processes);
  await storefrontJourney(rest.url);
  const done = await checkUntilPassed(shop.context, 4);
  assert.ok(allPassed(done), shown(done));
  assert.match(shown(done), /shipping answered \d+ quote\(s\) over REST \(POST \/quotes\)/);
});
