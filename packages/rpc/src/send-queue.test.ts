import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSendQueue } from './send-queue.ts';

const frames = (text: string) => [Buffer.from(text)];

test('when messages are pushed while one is being sent, they go out once each, in order', async () => {
  const sent: string[] = [];
  const queue = createSendQueue(
    {
      send: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        sent.push(String((message as Buffer[])[0]));
      },
    },
    () => assert.fail('no error expected'),
  );
  for (const text of ['a', 'b', 'c']) queue.push(frames(text));
  await new Promise((resolve) => setTimeout(resolve, 20));
  queue.push(frames('d'));
  // Each send takes a timer tick or more; on a busy machine, more: wait for all four, bounded.
  for (let waited = 0; sent.length < 4 && waited < 2000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(sent, ['a', 'b', 'c', 'd']);
});

test('when every queued message is stale, they are skipped and later messages still go out', async () => {
  const sent: string[] = [];
  const queue = createSendQueue(
    {
      send: async (message) => {
        sent.push(String((message as Buffer[])[0]));
      },
    },
    () => assert.fail('no error expected'),
  );
  queue.push(frames('expired'), { settled: true });
  queue.push(frames('fresh'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(sent, ['fresh']);
});

test('when a send fails, the error is reported and the next message is sent', async () => {
  const sent: string[] = [];
  const errors: string[] = [];
  const queue = createSendQueue(
    {
      send: async (message) => {
        const text = String((message as Buffer[])[0]);
        if (text === 'bad') throw new Error('EHOSTUNREACH');
        sent.push(text);
      },
    },
    (error) => errors.push((error as Error).message),
  );
  queue.push(frames('bad'));
  queue.push(frames('good'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual([sent, errors], [['good'], ['EHOSTUNREACH']]);
});
