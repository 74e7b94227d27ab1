// Lab 7 against the whole shop in-process: payment made slow and an inventory event dead-lettered
// through the real fault flags (the reject fault's three retries take ~36 s), replayed with
// `@trio/events/dlq` as `npm run dlq -- replay` does. Billing's restart is its pid changing in
// shop.json (a process killed with kill -9 cannot be the test's own). Then the reset between groups.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateDemoStock } from '@trio/demo-data/stock';
import { replayDeadLetters } from '@trio/events/dlq';
import { useTestInfra } from '@trio/testing/infra';
import { storefrontJourney } from '@trio/testing/journey';
import amqp from 'amqplib';
import { brokerQueue } from '../src/context.ts';
import { allPassed } from '../src/criteria.ts';
import { query } from '../src/facts.ts';
import { clearFaults, faultsSet, queueDepth, setFault } from '../src/infra.ts';
import { labStateDir } from '../src/lab-state.ts';
import { findLab, startLab } from '../src/labs/index.ts';
import { resetWorkshop } from '../src/reset.ts';
import { metricsOf, total } from '../src/shop.ts';
import { check, checkUntilPassed, failed, shown } from './support/checks.ts';
import { type LabTestShop, standIn, startLabShop, writeShop } from './support/shop.ts';

let shop: LabTestShop;
useTestInfra(startLabShop, (made) => {
  shop = made.running;
});
const [killed, restarted] = [standIn(), standIn()];
after(() => {
  killed.kill();
  restarted.kill();
});

test('lab 7: fails on the starting state, passes after the kill, the slow payment and a dead letter replayed', async () => {
  const withBillingPid = (pid: number | undefined) =>
    shop.processes.map((p) => (p.name === 'billing' ? { ...p, pid } : p));
  writeShop(shop.context.root, 'processes', withBillingPid(killed.pid));
  await startLab(shop.context, findLab(7)!);
  const before = await check(shop.context, 7);
  const missing = failed(before).join('\n');
  for (const expected of [
    /billing still runs as pid \d+: it was not killed/,
    /no order placed since `lab start 7`/,
    /payment was never slow/,
    /inventory has dead-lettered no event of inventory.orders/,
    /nothing of inventory.orders was dead-lettered, so nothing was replayed yet/,
  ]) {
    assert.match(missing, expected);
  }

  await setFault(shop.context, 'payment', ['latency=200ms']);
  await setFault(shop.context, 'inventory', ['reject=1']);
  await sleep(1_000);
  await storefrontJourney(shop.url);
  writeShop(shop.context.root, 'processes', withBillingPid(restarted.pid));
  const inventory = shop.processes.find((p) => p.name === 'inventory')!;
  const deadline = Date.now() + 60_000;
  while (total((await metricsOf(inventory)) ?? [], 'events_dead_lettered_total') === 0) {
    assert.ok(Date.now() < deadline, 'inventory dead-lettered order.confirmed within 60 s');
    await sleep(1_000);
  }
  const halfway = await check(shop.context, 7);
  assert.match(failed(halfway).join('\n'), /inventory.orders.dlq holds 1 message/);
  assert.match(failed(halfway).join('\n'), /faults still set on (payment, inventory|inventory, payment)/);

  await clearFaults(shop.context);
  await sleep(1_000);
  const connection = await amqp.connect(shop.context.amqpUrl);
  try {
    const replay = await replayDeadLetters(connection, brokerQueue(shop.context, 'inventory.orders'));
    assert.equal(replay.replayed, 1);
  } finally {
    await connection.close();
  }
  const done = await checkUntilPassed(shop.context, 7);
  assert.ok(allPassed(done), shown(done));
});

test('reset: clears the fault flags, the dead letters, the demo stock sold and the labs’ state', async () => {
  const { context } = shop;
  await startLab(context, findLab(1)!);
  await setFault(context, 'catalog', ['http-error=0.5']);
  const dlq = brokerQueue(context, 'inventory.orders.dlq');
  const connection = await amqp.connect(context.amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(dlq, Buffer.from('{"poison":true}'), { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  const [demo] = generateDemoStock().filter((level) => level.units > 0);
  await query(context, 'UPDATE inventory.stock SET on_hand = on_hand - 1 WHERE sku = $1', [demo!.sku]);

  const did = await resetWorkshop(context);
  assert.match(did.join('\n'), /cleared every fault flag/);
  assert.match(did.join('\n'), new RegExp(`emptied ${dlq.replaceAll('.', '\\.')} \\(1\\)`));
  assert.deepEqual(await faultsSet(context), {});
  assert.equal(await queueDepth(context, dlq), 0);
  const [row] = await query<{ on_hand: number }>(
    context,
    'SELECT on_hand FROM inventory.stock WHERE sku = $1',
    [demo!.sku],
  );
  assert.equal(row!.on_hand, demo!.units);
  assert.equal(existsSync(labStateDir(context.root)), false);
  assert.ok((await check(context, 1)).some((c) => /lab 1 was not started here/.test(c.text)));

  await assert.rejects(
    resetWorkshop({ ...context, databaseUrl: 'postgres://postgres@db.example:5432/trio' }),
    /refusing to reset infrastructure off this machine: db\.example:5432/,
  );
});
