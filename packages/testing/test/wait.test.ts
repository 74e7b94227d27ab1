import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../src/wait.ts';

test('waitFor resolves with the first value that is neither undefined nor false', async () => {
  let calls = 0;
  const value = await waitFor('the third call', () => {
    calls += 1;
    return calls >= 3 ? calls : false;
  });
  assert.equal(value, 3);
});

test('waitFor fails with what it waited for once the time is up', async () => {
  await assert.rejects(
    waitFor('nothing', async () => undefined, 50),
    {
      message: 'timed out after 50 ms waiting for nothing',
    },
  );
});
