// loadConfig is main.ts's first line: with bad config the process must say everything that is wrong
// and stop, before it opens any connection.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/load-config.ts', import.meta.url));

function run(env: Record<string, string>) {
  // Only PATH from the parent: the test's own DATABASE_URL must not leak into the child.
  return spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

describe('loadConfig', () => {
  it('when several variables are bad, prints one line for each to stderr and exits 1', () => {
    const child = run({
      HTTP_PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://root:s3cret@db/shop',
    });
    assert.equal(child.status, 1);
    assert.equal(child.stdout, '');
    const lines = child.stderr.trim().split('\n');
    assert.equal(lines[0], 'Invalid configuration:');
    assert.deepEqual(
      lines.slice(1).map((line) => line.trim().split(':')[0]),
      ['LOG_LEVEL', 'HTTP_PORT', 'DATABASE_URL'],
    );
    assert.doesNotMatch(child.stderr, /s3cret/);
  });

  it('when a required variable is missing, says it is not set', () => {
    const child = run({});
    assert.equal(child.status, 1);
    assert.match(child.stderr, /^ {2}DATABASE_URL: is required but not set$/m);
  });

  it('when the config is valid, the process carries on', () => {
    const child = run({ DATABASE_URL: 'postgres://db/shop', HTTP_PORT: '8081' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'started on port 8081\n');
  });
});
