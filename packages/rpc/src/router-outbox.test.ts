import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Router } from 'zeromq';
import { createRouterOutbox, type DropReason } from './router-outbox.ts';

/** A ROUTER stand-in: peers in `full` refuse with EAGAIN, peers in `gone` with EHOSTUNREACH. */
function fakeRouter() {
  const full = new Set<string>();
  const gone = new Set<string>();
  const delivered: string[] = [];
  const router = {
    sendTimeout: -1,
    async send(message: Buffer[]) {
      const [peer, body] = [String(message[0]), String(message.at(-1))];
      const fail = (code: string) => Object.assign(new Error(code), { code });
      if (gone.has(peer)) throw fail('EHOSTUNREACH');
      if (full.has(peer)) throw fail('EAGAIN');
      delivered.push(`${peer}:${body}`);
    },
  };
  return { router, full, gone, delivered };
}

const message = (peer: string, body: string) => [Buffer.from(peer), Buffer.alloc(0), Buffer.from(body)];

function recorder() {
  const drops: [DropReason, number][] = [];
  return { drops, onDropped: (reason: DropReason, count: number) => drops.push([reason, count]) };
}

test('when a peer’s queue is full, its replies wait in order while other peers’ replies go out', async () => {
  const { router, full, delivered } = fakeRouter();
  const { drops, onDropped } = recorder();
  const outbox = createRouterOutbox(router as unknown as Router, { sendTimeoutMs: 1000, onDropped });
  assert.equal(router.sendTimeout, 0, 'every send must settle at once');
  full.add('slow');
  outbox.push('slow', message('slow', '1'));
  outbox.push('slow', message('slow', '2'));
  outbox.push('fast', message('fast', 'a'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(delivered, ['fast:a']);
  full.delete('slow');
  outbox.push('slow', message('slow', '3'));
  await outbox.drained();
  assert.deepEqual(delivered, ['fast:a', 'slow:1', 'slow:2', 'slow:3']);
  assert.deepEqual(drops, []);
});

test('when a full peer takes nothing for the send timeout, its waiting replies are dropped and reported', async () => {
  const { router, full, delivered } = fakeRouter();
  const { drops, onDropped } = recorder();
  const outbox = createRouterOutbox(router as unknown as Router, { sendTimeoutMs: 30, onDropped });
  full.add('stuck');
  for (const body of ['1', '2', '3']) outbox.push('stuck', message('stuck', body));
  await outbox.drained();
  assert.deepEqual(drops, [['send_timeout', 3]]);
  full.delete('stuck');
  outbox.push('stuck', message('stuck', '4'));
  await outbox.drained();
  assert.deepEqual(delivered, ['stuck:4']);
});

test('when the peer is gone, the reply is dropped as unroutable and the next one still goes out', async () => {
  const { router, gone, delivered } = fakeRouter();
  const { drops, onDropped } = recorder();
  const outbox = createRouterOutbox(router as unknown as Router, { sendTimeoutMs: 1000, onDropped });
  gone.add('left');
  outbox.push('left', message('left', 'x'));
  outbox.push('here', message('here', 'y'));
  await outbox.drained();
  assert.deepEqual([delivered, drops], [['here:y'], [['unroutable', 1]]]);
});

test('when every pushed message joins a parked peer, the outbox keeps draining later pushes', async () => {
  const { router, full, delivered } = fakeRouter();
  const { onDropped } = recorder();
  const outbox = createRouterOutbox(router as unknown as Router, { sendTimeoutMs: 1000, onDropped });
  full.add('slow');
  outbox.push('slow', message('slow', '1'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  outbox.push('slow', message('slow', '2')); // joins the parked queue without any send
  outbox.push('fast', message('fast', 'a'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(delivered, ['fast:a']);
  full.delete('slow');
  await outbox.drained();
  assert.deepEqual(delivered, ['fast:a', 'slow:1', 'slow:2']);
});
