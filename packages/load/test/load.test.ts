// A short, bounded load run (a few seconds) against the whole shop in-process: the run completes,
// summary.json and report.html are written with the expected shape, and the shop's invariants hold
// afterwards. No timing is asserted: the figures belong in the report, not in a test.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { checkInvariants } from '../src/invariants.ts';
import { runAndReport } from '../src/main.ts';
import { parseOptions } from '../src/options.ts';
import type { LoadSummary } from '../src/summary.ts';
import { type LoadTestShop, startShop } from './support/shop.ts';

let infra: TestInfra;
let shop: LoadTestShop;
useTestInfra(startShop, (made) => {
  ({ infra, running: shop } = made);
});
const out = mkdtempSync(join(tmpdir(), 'trio-load-'));
after(() => rmSync(out, { recursive: true, force: true }));

test('a short open-loop run writes both reports, and the shop’s invariants hold after it', async () => {
  const options = parseOptions([
    ...['--target', shop.url, '--rate', '4/s', '--duration', '3s', '--think', '50ms', '--timeout', '60s'],
    ...['--mix', 'browse=2,buy=7,history=1', '--cards', 'success=6,decline=2,slow=2'],
    ...[
      '--out',
      out,
      '--progress',
      'off',
      '--database-url',
      infra.db.url,
      '--settle',
      '30s',
      '--drain',
      '30s',
    ],
  ]);
  const { summary, files } = await runAndReport(options);

  const seen = JSON.stringify({ ...summary, timeline: undefined });
  assert.ok(summary.shoppers.started >= 8, `shoppers started: ${summary.shoppers.started}`);
  assert.equal(summary.shoppers.finished, summary.shoppers.started, 'every visit ended');
  assert.equal(summary.cut, false);
  assert.equal(summary.settings.distinctAddresses, true, 'each shopper from its own 127.x address');
  for (const step of ['home', 'register', 'cart.add', 'checkout']) {
    assert.ok((summary.steps[step]?.count ?? 0) > 0, `step ${step} ran: ${seen}`);
  }
  assert.ok(summary.orders > 0, 'orders were placed');
  // A machine busy with other work may make a request time out; any other error is a bug.
  const unexpected = Object.keys(summary.errors).filter((kind) => !kind.endsWith(': timeout'));
  assert.deepEqual(unexpected, [], seen);
  assert.ok(summary.timeline.length >= 3, 'a point per second');
  assert.ok(!('skipped' in summary.invariants), 'the invariants were checked');
  for (const check of summary.invariants.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);

  const written = JSON.parse(readFileSync(files.json, 'utf8')) as LoadSummary;
  assert.deepEqual(Object.keys(written.steps), Object.keys(summary.steps));
  assert.equal(written.requests.sent, summary.requests.sent);
  assert.ok(existsSync(files.html));
  const html = readFileSync(files.html, 'utf8');
  for (const id of ['p99', 'p50', 'throughput', 'rates', 'errors', 'outcomes']) {
    assert.ok(html.includes(`<canvas id="${id}">`), `chart ${id}`);
  }
  assert.ok(html.includes('Chart.defaults'), 'the chart library is inlined');
  assert.ok(!/<script[^>]+src=|<link[^>]+href="http/.test(html), 'nothing loaded from elsewhere');
});

test('the invariants check reports an order that never finished', async () => {
  const report = await checkInvariants({
    databaseUrl: infra.db.url,
    orderIds: ['00000000-0000-4000-8000-000000000000'],
    settleMs: 0,
  });
  assert.equal(report.ok, false);
  assert.equal(report.checks.find((check) => check.name.startsWith('every order placed'))?.ok, false);
});
