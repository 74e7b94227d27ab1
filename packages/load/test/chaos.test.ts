// A bounded chaos run (about half a minute of load) against the whole shop in-process, its services
// following fault flags under the test file's own Redis prefix: while the load generator's checkout
// mix runs, every fault flag that does not end the process is set in turn (latency, rpc-error,
// http-error, consumer-slow, reject, hang, drop-heartbeats), and the shop's PostgreSQL backends are
// terminated. Afterwards every invariant must hold. `crash`, kill -9 and dropped broker and Redis
// connections need the shop in processes of its own: `npm run chaos` does them (docs/faults.md).
// No timing is asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { deadLetterCounts } from '../src/chaos/connections.ts';
import { deadLetteredIds, poisonFault, poisonStep } from '../src/chaos/poison.ts';
import { chaosTable, runChaos } from '../src/chaos/run.ts';
import {
  type ChaosStep,
  flagSchedule,
  httpFaultProbes,
  infrastructureSchedule,
  interleave,
  openFlags,
} from '../src/chaos/steps.ts';
import { parseOptions } from '../src/options.ts';
import { type LoadTestShop, startShop } from './support/shop.ts';

let infra: TestInfra;
let shop: LoadTestShop;
const faultPrefix = (made: TestInfra) => `${made.redis.prefix}faults:`;
useTestInfra(
  (made) =>
    startShop(made, {
      FAULTS_ENABLED: 'true',
      FAULTS_REDIS_URL: made.redis.url,
      FAULTS_KEY_PREFIX: faultPrefix(made),
    }),
  (made) => {
    ({ infra, running: shop } = made);
  },
);

test('under faults injected while checkouts run, every invariant holds', async () => {
  const flags = openFlags(infra.redis.url, faultPrefix(infra));
  try {
    const infrastructure = await infrastructureSchedule({
      databaseUrl: infra.db.url,
      redisUrl: infra.redis.url,
      pids: async () => [process.pid],
    });
    const exchange = infra.broker.exchange('events');
    const queuePrefix = `${exchange}.`;
    const steps: ChaosStep[] = interleave(
      flagSchedule(flags, { crash: false, probes: httpFaultProbes(shop.adminUrl) }),
      [
        ...infrastructure.filter((step) => step.fault === 'pg_terminate_backend'),
        poisonStep({ amqpUrl: infra.broker.url, exchange, queuePrefix }),
      ],
    );
    const load = parseOptions([
      ...['--target', shop.url, '--database-url', infra.db.url, '--progress', 'off'],
      ...['--mix', 'checkout=1', '--rate', '3/s', '--think', '100ms', '--accounts', '16'],
      ...['--cards', 'success=7,decline=2,slow=1', '--timeout', '30s', '--drain', '30s', '--settle', '60s'],
    ]);
    const report = await runChaos({
      load,
      steps,
      warmupMs: 2_000,
      holdMs: 2_000,
      gapMs: 1_500,
      finalWithinMs: 90_000,
      deadLetters: () => deadLetterCounts(queuePrefix),
      events: { queuePrefix, deadLettered: deadLetteredIds(infra.broker.url) },
    });
    const table = chaosTable(report);
    console.log(table);

    assert.equal(report.faults.length, 9, table);
    for (const row of report.faults) assert.equal(row.skipped, false, `${row.fault}: ${row.detail}`);
    // Each fault flag was counted by its service (faults_injected_total) at least once.
    for (const row of report.faults.filter(
      (candidate) => !['pg_terminate_backend', poisonFault].includes(candidate.fault),
    ))
      assert.ok((row.fired ?? 0) > 0, `${row.target} ${row.fault} fired\n${table}`);
    assert.ok(report.orders > 0, 'orders were placed');
    const names = report.invariants.checks.map((check) => check.name);
    for (const name of [
      'invoices numbered without gaps',
      'stock never below zero',
      'dead-letter queues empty',
      'every event consumed once per subscribed queue, or dead-lettered',
      'the poison message dead-lettered, then replayed and purged (npm run dlq)',
      'every fault flag injected fired',
    ]) {
      assert.ok(names.includes(name), `${name} was checked`);
    }
    for (const check of report.invariants.checks)
      assert.ok(check.ok, `${check.name}: ${check.detail}\n${table}`);
  } finally {
    await flags.remove('faults');
    await flags.close();
  }
});
