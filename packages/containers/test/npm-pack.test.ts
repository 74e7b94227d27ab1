// npmPack fails loudly: npm's own message and its debug log, after the retry, never an empty error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { npmPack } from '../src/npm-pack.ts';

const dir = mkdtempSync(join(tmpdir(), 'trio-npm-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('npmPack packs a package and returns the tarball’s name', () => {
  const source = join(dir, 'source');
  const out = join(dir, 'out');
  for (const d of [source, out]) mkdirSync(d);
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'trio-pack-probe', version: '1.2.3' }));
  writeFileSync(join(source, 'index.js'), 'export {};\n');
  const filename = npmPack(source, out);
  assert.equal(filename, 'trio-pack-probe-1.2.3.tgz');
  assert.deepEqual(readdirSync(out), [filename]);
});

test('a failing npm pack is retried, then throws with npm’s message and its debug log', () => {
  const retries: string[] = [];
  assert.throws(
    () => npmPack(join(dir, 'no-such-package'), dir, { attempts: 2, log: (line) => retries.push(line) }),
    (error: Error) => {
      assert.match(error.message, /could not fetch .*no-such-package/);
      assert.match(error.message, /attempt 1\/2/);
      assert.match(error.message, /attempt 2\/2/);
      assert.match(error.message, /npm's stderr:\n.*npm (ERR|error)/s);
      assert.match(error.message, /debug-0\.log \(last 25 lines\)/);
      return true;
    },
  );
  assert.equal(retries.length, 1);
});
