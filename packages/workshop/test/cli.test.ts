// The command line: the list, usage errors (exit 2), a check of a lab not started (exit 1, saying
// how to start it), and a start that prints the page and the first step. No shop needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
const root = mkdtempSync(join(tmpdir(), 'trio-lab-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function lab(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
}

test('list names the eight labs with their pages and durations', () => {
  const listed = lab('list');
  assert.equal(listed.status, 0, listed.stderr);
  const lines = listed.stdout.split('\n').filter((line) => /^\s*\d+ {2}[A-Z]/.test(line));
  assert.equal(lines.length, 8, listed.stdout);
  assert.match(lines[0]!, /1\s+The whole app in one file\s+40 min\s+docs\/workshop\/01-whole-app\.md/);
  assert.match(lines[7]!, /8\s+Find the bottleneck\s+50 min\s+docs\/workshop\/08-find-the-bottleneck\.md/);
});

test('a lab that does not exist or a missing command is a usage error', () => {
  for (const args of [['check', '9'], ['start'], [], ['frobnicate']]) {
    const run = lab(...args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /usage:/);
  }
});

test('check of a lab not started fails and says how to start it; start prints the page and first step', () => {
  const unchecked = lab('check', '3');
  assert.equal(unchecked.status, 1);
  assert.match(unchecked.stdout, /✗ lab 3 was not started here\n\s+→ npm run lab -- start 3/);
  const started = lab('start', '3');
  assert.equal(started.status, 0, started.stderr);
  assert.match(started.stdout, /Read: docs\/workshop\/03-cut-a-service-out\.md\nFirst step: stop the shop/);
  const checked = lab('check', '3');
  assert.equal(checked.status, 1);
  assert.match(checked.stdout, /✗ .*shop\.json is missing: no shop started by npm start runs/);
});
