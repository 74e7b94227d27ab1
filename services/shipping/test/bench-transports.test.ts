// `npm run bench:transports` in its tiny mode (four callers, one second per transport): it starts
// what it needs (REST, ZeroRPC and AMQP request/reply servers on loopback, RabbitMQ at AMQP_URL),
// measures the same quote over the three and prints the table. Its shape is checked; no figure is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endpointsFromEnv } from '@trio/testing/endpoints';
import type { TransportRow } from '../scripts/bench-transports.ts';

const bench = fileURLToPath(new URL('../scripts/bench-transports.ts', import.meta.url));

test('bench:transports --tiny prints REST, ZeroRPC and AMQP request/reply side by side', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trio-bench-transports-'));
  try {
    const json = join(dir, 'rows.json');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [bench, '--tiny', '--json', json],
      {
        env: { ...process.env, AMQP_URL: endpointsFromEnv().amqpUrl },
        timeout: 60_000,
      },
    );
    assert.match(stderr, /bench:transports: shipping\.quote over REST, ZeroRPC and AMQP request\/reply/);
    for (const name of ['REST', 'ZeroRPC', 'AMQP request/reply'])
      assert.match(stderr, new RegExp(`${name}: done, \\d+ calls`), `progress of ${name}`);
    const lines = stdout.trim().split('\n');
    assert.match(
      lines[0] ?? '',
      /^\| transport +\| calls\/s +\| p50 ms +\| p90 ms +\| p99 ms +\| client CPU ms\/call +\| server CPU ms\/call +\| errors +\|$/,
    );
    assert.deepEqual(
      lines.slice(2).map((line) => line.split('|')[1]?.trim()),
      ['REST', 'ZeroRPC', 'AMQP request/reply'],
    );
    const rows = JSON.parse(readFileSync(json, 'utf8')) as TransportRow[];
    for (const row of rows) {
      assert.ok(row.calls > 0, `${row.transport} answered calls`);
      assert.equal(row.errors, 0, `${row.transport} without errors`);
      assert.ok(
        row.p50Ms > 0 && row.p50Ms <= row.p90Ms && row.p90Ms <= row.p99Ms,
        `${row.transport} percentiles`,
      );
      assert.ok(row.clientCpuMsPerCall > 0 && row.serverCpuMsPerCall > 0, `${row.transport} CPU per call`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
