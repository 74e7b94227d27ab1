// `npm run events -- tail` and `publish` as a developer runs them, on this file's own broker prefix:
// an injected event reaches the tail checked against its contract, and an event that breaks its
// contract is refused before it is sent.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';

const cli = fileURLToPath(new URL('../src/events-cli.ts', import.meta.url));
let infra: TestInfra;
let env: NodeJS.ProcessEnv;

before(async () => {
  infra = await createTestInfra();
  env = { ...process.env, AMQP_URL: infra.broker.url, EVENTS_EXCHANGE: infra.broker.exchange('events') };
});
after(() => infra?.drop());

test('publish injects a valid event that tail shows and records; an invalid one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trio-events-'));
  const record = join(dir, 'events.jsonl');
  const tail = spawn(process.execPath, [cli, 'tail', '--record', record, 'user.*'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [tail.stdout, tail.stderr])
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitFor('tail to listen', () => output.includes('tailing user.*'), 15_000);
    const payload = join(dir, 'user.json');
    const userId = crypto.randomUUID();
    writeFileSync(payload, JSON.stringify({ userId, email: 'ada@example.com', name: 'Ada' }));
    const published = spawnSync(process.execPath, [cli, 'publish', 'user.registered', payload], {
      env,
      encoding: 'utf8',
    });
    assert.equal(published.status, 0, published.stderr);
    assert.match(published.stdout, /published user\.registered [0-9a-f-]{36}/);
    await waitFor('the event in the tail', () => output.includes(userId), 15_000);
    assert.match(output, /^user\.registered \{"id":/m, 'valid: no INVALID mark');
    assert.equal(JSON.parse(readFileSync(record, 'utf8').trim()).payload.userId, userId);

    writeFileSync(payload, JSON.stringify({ userId: 'not-a-uuid', email: 'ada@example.com', name: 'Ada' }));
    const refused = spawnSync(process.execPath, [cli, 'publish', 'user.registered', payload], {
      env,
      encoding: 'utf8',
    });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /invalid event \(payload\): payload\.userId: must be a UUID/);
  } finally {
    tail.kill('SIGTERM');
  }
});
