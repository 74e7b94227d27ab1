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
  await new Promise((resolve) => setTimeout(resolve, 20));
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

test('when a socket without send timeout finds the peer’s queue full, messages wait for room in order', async () => {
  // A DEALER with sendTimeout 0: EAGAIN at once when full; with the timeout off, it waits for room.
  let full = true;
  const roomWaiters: (() => void)[] = [];
  const sent: string[] = [];
  const socket = {
    sendTimeout: 0,
    async send(message: Buffer[] | Buffer) {
      if (full) {
        if (socket.sendTimeout === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
      }
      sent.push(String((message as Buffer[])[0]));
    },
  };
  const queue = createSendQueue(socket, () => assert.fail('no error expected'));
  for (const text of ['a', 'b', 'c']) queue.push(frames(text));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(sent, []);
  assert.equal(socket.sendTimeout, -1, 'waiting for room with the timeout off');
  full = false;
  for (const wake of roomWaiters.splice(0)) wake();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(sent, ['a', 'b', 'c']);
  assert.equal(socket.sendTimeout, 0, 'the timeout is back once the message went out');
});
