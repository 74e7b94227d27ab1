import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostsFileLookup, parseHosts } from './hosts-file.ts';

test('a hosts file gives every address of a name, in order, comments and aliases understood', () => {
  const names = parseHosts(
    '# replicas\n127.0.0.2 inventory\n127.0.0.3 inventory inv # alias\n\n127.0.0.1 shipping\n',
  );
  assert.deepEqual(names.get('inventory'), ['127.0.0.2', '127.0.0.3']);
  assert.deepEqual(names.get('inv'), ['127.0.0.3']);
  assert.deepEqual(names.get('shipping'), ['127.0.0.1']);
});

test('the lookup reads the file each time, and asks DNS for a name it does not hold', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trio-hosts-'));
  const path = join(dir, 'hosts');
  try {
    const lookup = hostsFileLookup(path, async (host) => [`dns:${host}`]);
    assert.deepEqual(await lookup('inventory'), ['dns:inventory'], 'no file yet');
    writeFileSync(path, '127.0.0.2 inventory\n');
    assert.deepEqual(await lookup('inventory'), ['127.0.0.2']);
    writeFileSync(path, '127.0.0.5 inventory\n127.0.0.3 inventory\n');
    assert.deepEqual(await lookup('INVENTORY'), ['127.0.0.5', '127.0.0.3']);
    assert.deepEqual(await lookup('catalog'), ['dns:catalog']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
