import assert from 'node:assert/strict';
import { test } from 'node:test';
import argon2 from 'argon2';
import { hashPassword, verifyPassword } from './passwords.ts';

test('new hashes are argon2id at OWASP’s minimum; hashes made with other parameters still verify', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.equal(await verifyPassword(hash, 'correct horse battery'), true);
  assert.equal(await verifyPassword(hash, 'correct horse battery!'), false);
  // A hash from before (the library's defaults: 64 MiB, 3 passes) keeps working.
  const older = await argon2.hash('correct horse battery', { type: argon2.argon2id });
  assert.match(older, /m=65536,p=4,t=3/);
  assert.equal(await verifyPassword(older, 'correct horse battery'), true);
});
