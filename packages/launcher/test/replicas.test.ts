// `npm start -- --replicas inventory=3`: three inventory processes on 127.0.0.2-4 (the same
// ports), behind one name in .trio/hosts that billing and the front-end look up; calls spread over
// them, the three compete for inventory's AMQP queue, and a replica killed under load is restarted
// while every checkout goes through. The shop's fixed ports: run it under the heavy-run lock.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@trio/testing/wait';
import amqp from 'amqplib';
import { runAndReport } from '../../load/src/main.ts';
import { parseOptions } from '../../load/src/options.ts';
import { hostsPath } from '../src/replicas.ts';
import { pidAlive, readShopState } from '../src/state.ts';
import { type Launch, metric, ready, repoRoot, useLaunchedShop, withLaunch } from './support/launch.ts';

const shop = useLaunchedShop(12);
const { infra, env } = shop;
const out = mkdtempSync(join(tmpdir(), 'trio-replicas-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** ZeroRPC calls a replica has answered, from its own /metrics. */
const served = (address: string) =>
  metric(`http://${address}:3005/metrics`, 'rpc_server_request_duration_seconds_count');

test('three inventory replicas behind one name: calls spread, they compete for its queue, one killed under load is not missed', async () => {
  const run: Launch = shop.launch({}, ['--replicas', 'inventory=3']);
  await withLaunch(run, async () => {
    const state = await ready(run);
    const replicas = state.services.filter((service) => service.name === 'inventory');
    assert.deepEqual(
      replicas.map((replica) => replica.address),
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
    );
    assert.equal(new Set(replicas.map((replica) => replica.pid)).size, 3, 'three processes');
    assert.match(
      readFileSync(hostsPath(repoRoot), 'utf8'),
      /^127\.0\.0\.2 inventory\n127\.0\.0\.3 inventory\n127\.0\.0\.4 inventory$/m,
    );
    for (const label of ['inventory.2', 'inventory.3', 'inventory.4'])
      assert.match(
        run.output(),
        new RegExp(
          `^  ${label.replace('.', '\\.')} +http://127\\.0\\.0\\.\\d:3005  tcp://127\\.0\\.0\\.\\d:4242`,
          'm',
        ),
      );

    // Competing consumers: the three replicas read inventory's one queue.
    const connection = await amqp.connect(infra().broker.url);
    try {
      const channel = await connection.createChannel();
      const { consumerCount } = await channel.checkQueue(`${env().EVENTS_EXCHANGE}.inventory.orders`);
      assert.equal(consumerCount, 3, 'three consumers on inventory.orders');
    } finally {
      await connection.close();
    }

    // Checkouts for a few seconds; one replica is killed (kill -9) a third of the way in.
    const before = await Promise.all(replicas.map((replica) => served(replica.address)));
    const load = runAndReport(
      parseOptions([
        ...['--target', 'http://127.0.0.1:8080', '--database-url', infra().db.url, '--out', out],
        ...'--mix checkout=1 --rate 3/s --duration 9s --think 100ms --accounts 24 --progress off'.split(' '),
        ...'--cards success=1 --timeout 30s --drain 30s --settle 30s'.split(' '),
      ]),
    );
    await sleep(3_000);
    const victim = replicas[1]!;
    const victimLabel = 'inventory.3';
    const mark = run.output().length;
    process.kill(victim.pid!, 'SIGKILL');
    const { summary } = await load;
    await waitFor(
      'the killed replica restarted',
      () => run.output().slice(mark).includes(`${victimLabel} is ready again`),
      30_000,
    );
    const seen = JSON.stringify({
      errors: summary.errors,
      outcomes: summary.outcomes,
      requests: summary.requests,
      steps: Object.fromEntries(
        Object.entries(summary.steps).map(([name, step]) => [
          name,
          [step.count, step.p50, step.p99, step.max],
        ]),
      ),
    });
    process.stdout.write(`# load while a replica was killed: ${seen}\n`);
    assert.ok(summary.orders > 10, `orders placed: ${summary.orders}`);
    assert.deepEqual(summary.errors, {}, 'no failed request');
    assert.ok(!('skipped' in summary.invariants), 'the invariants were checked');
    for (const check of summary.invariants.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);
    assert.ok(!pidAlive(victim.pid), 'the victim is gone');
    // .trio/shop.json records the kill and the replica that took its place (the workshop's lab 5).
    const lookup = readShopState(repoRoot);
    if (!lookup.found) assert.fail(lookup.why);
    const kill = lookup.state.exits?.find((exit) => exit.pid === victim.pid);
    assert.deepEqual(
      { name: kill?.name, address: kill?.address, reason: kill?.reason },
      { name: 'inventory', address: victim.address, reason: 'signal SIGKILL' },
    );
    const restarted = lookup.state.services.find(
      (p) => p.name === 'inventory' && p.address === victim.address,
    );
    assert.ok(restarted?.pid !== victim.pid && restarted?.restarts === 1, JSON.stringify(restarted));
    const after = await Promise.all(replicas.map((replica) => served(replica.address)));
    process.stdout.write(`# calls per replica before/after: ${JSON.stringify({ before, after })}\n`);
    assert.ok(after[0]! > before[0]! && after[2]! > before[2]!, 'the replicas left took calls');

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });
});
