// What the "done when" asks for beyond the happy path: a restarted server is reached again,
// a silent server means LostRemote within two heartbeat intervals, garbage does not stop a server,
// a slow reader loses no reply (ROUTER mandatory), and one client carries 1000+ calls at once.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeEvent, encodeEvent } from '../src/codec.ts';
import { LostRemote, TimeoutExpired } from '../src/errors.ts';
import {
  type CalculatorServer,
  connectClient,
  eventually,
  metricValue,
  rawDealer,
  rawRouter,
  receiveWithin,
  restartableEndpoint,
  sendEvent,
  startCalculator,
  testHeartbeatMs,
  within,
} from './support/harness.ts';

/** Binds the endpoint again once the closed server has released the port. */
async function restartOn(endpoint: string): Promise<CalculatorServer> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      return await startCalculator({}, endpoint);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('server restarts', () => {
  test('when the server is closed and restarted on the same endpoint, the same client reaches it again', async () => {
    const first = await startCalculator({}, await restartableEndpoint());
    // ZeroMQ delivers at most once: a request written to the old connection just before the DEALER
    // notices it closed is gone. The idempotent method's retry is what reaches the new server then.
    const client = connectClient(first.endpoint, { retry: { retries: 5, initialDelayMs: 50 } });
    let second: CalculatorServer | undefined;
    try {
      assert.equal(await client.call('add', 1, 1), 2);
      await first.server.close();
      second = await restartOn(first.endpoint);
      assert.equal(await within(10_000, client.call('add', 2, 2), 'call after restart'), 4);
      assert.equal(second.endpoint, first.endpoint);
    } finally {
      await client.close();
      await second?.server.close();
    }
  });

  test('when the server dies during an idempotent call, the retry reaches the restarted server', async () => {
    const first = await startCalculator({}, await restartableEndpoint());
    const client = connectClient(first.endpoint, {
      retry: { retries: 3, initialDelayMs: 20, maxDelayMs: 100 },
    });
    let second: CalculatorServer | undefined;
    try {
      const call = client.call('sleep', 2 * testHeartbeatMs);
      await eventually(() => first.server.inFlight === 1, 1000, 'call started');
      await first.server.close({ timeoutMs: 0 }); // gone without answering: a crash, as the client sees it
      second = await restartOn(first.endpoint);
      assert.equal(await within(5000, call, 'retried call'), 'slept');
    } finally {
      await client.close();
      await second?.server.close();
    }
  });

  test('when the server dies during a call that is not idempotent, it fails with LostRemote and is not retried', async () => {
    const first = await startCalculator({}, await restartableEndpoint());
    const client = connectClient(first.endpoint, { retry: { retries: 3, initialDelayMs: 20 } });
    let second: CalculatorServer | undefined;
    try {
      // Its outcome is taken at once: the lost connection may fail it while the server closes.
      const call = client.call('increment', 1).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      // increment answers at once: make the server die before it reads the request.
      await first.server.close({ timeoutMs: 0 });
      second = await restartOn(first.endpoint);
      const outcome = await within(3000, call);
      if ('error' in outcome) assert.ok(outcome.error instanceof LostRemote, String(outcome.error));
      // Either the first server answered before dying, or the call was lost: never run twice.
      assert.equal(first.state.counter + second.state.counter, 'value' in outcome ? 1 : 0);
    } finally {
      await client.close();
      await second?.server.close();
    }
  });
});

describe('silent servers', () => {
  test('when the server receives a call but never answers nor heartbeats, the call fails with LostRemote within two intervals', async () => {
    const { router, endpoint } = await rawRouter();
    const client = connectClient(endpoint, { retry: false, timeoutMs: 10_000 });
    try {
      const started = performance.now();
      const call = client.call('add', 1, 2);
      const [, , request] = await within(1000, router.receive(), 'request');
      assert.ok(request!.length > 0);
      await assert.rejects(call, LostRemote);
      const elapsed = performance.now() - started;
      // Two intervals, plus the client's check period (a quarter interval) and scheduling slack.
      assert.ok(elapsed >= 2 * testHeartbeatMs, `lost after only ${elapsed} ms`);
      assert.ok(elapsed <= 2.5 * testHeartbeatMs, `lost only after ${elapsed} ms`);
    } finally {
      await client.close();
      router.close();
    }
  });

  test('when no server is listening at all, the call fails with LostRemote rather than hanging', async () => {
    const client = connectClient('tcp://127.0.0.1:1', { retry: false, timeoutMs: 10_000 });
    try {
      await assert.rejects(within(4 * testHeartbeatMs, client.call('add', 1, 2)), LostRemote);
    } finally {
      await client.close();
    }
  });

  test('when the server is silent and the call’s timeout is shorter than two heartbeats, it fails with TimeoutExpired', async () => {
    const { router, endpoint } = await rawRouter();
    const client = connectClient(endpoint, { retry: false, heartbeatMs: 1000 });
    try {
      await assert.rejects(client.invoke('add', [1, 2], { timeoutMs: 100 }), TimeoutExpired);
    } finally {
      await client.close();
      router.close();
    }
  });
});

describe('garbage and load', () => {
  test('when a flood of garbage frames arrives, the server counts it and keeps answering normal calls', async () => {
    // A garbage test, not a heartbeat test: slow heartbeats, so that a loaded machine parsing the
    // flood is not taken for a lost peer.
    const calc = await startCalculator({ heartbeatMs: 5000 });
    const client = connectClient(calc.endpoint, { retry: false, heartbeatMs: 5000 });
    const attacker = rawDealer(calc.endpoint);
    const header = { message_id: 'garbage', v: 3 };
    const nested = Buffer.concat([Buffer.alloc(20_000, 0x91), Buffer.from([0xc0])]); // 20k nested arrays
    const shapes: (() => Buffer[])[] = [
      () => [randomBytes(randomInt(0, 64))],
      () => [Buffer.alloc(0), randomBytes(randomInt(1, 64))],
      () => [randomBytes(3), randomBytes(5), randomBytes(8)],
      () => [Buffer.alloc(0), encodeEvent(header, 'OK', [1]).subarray(0, 12)], // truncated
      () => [Buffer.alloc(0), encodeEvent({ message_id: 'x', response_to: randomBytes(32) }, 'OK', [1])],
      () => [Buffer.alloc(0), encodeEvent(header, '_zpc_hb', [0])], // heartbeat outside a channel
      () => [Buffer.alloc(0), Buffer.from('dd ffffffff', 'hex')], // array of 4 billion, then nothing
      () => [Buffer.alloc(0), Buffer.from([0x93, 0x80, 0xa1, 0x6d, 0x90])], // no message_id
      () => [Buffer.alloc(0), nested],
    ];
    try {
      for (let i = 0; i < 3000; i += 1) await attacker.send(shapes[i % shapes.length]!());
      assert.equal(await within(15_000, client.call('add', 40, 2), 'call after the flood'), 42);
      // The ROUTER interleaves the call with the garbage still queued: wait for the count to settle.
      await eventually(
        async () => (await metricValue(calc.registry, 'rpc_server_garbage_messages_total')) >= 2900,
        5000,
        'at least 2900 garbage messages counted',
      );
      for (const reason of ['malformed_frames', 'malformed_msgpack', 'malformed_event', 'unknown_channel']) {
        assert.ok(
          (await metricValue(calc.registry, 'rpc_server_garbage_messages_total', { reason })) > 0,
          reason,
        );
      }
      assert.equal(await client.call('echo', 'still here'), 'still here');
    } finally {
      attacker.close();
      await client.close();
      await calc.server.close();
    }
  });

  test('when 1500 calls are in flight on one client at once, every one is answered correctly', async () => {
    // A load test, not a heartbeat test: slow heartbeats, so a starved CPU is not taken for a lost peer.
    const calc = await startCalculator({ heartbeatMs: 2000 });
    const client = connectClient(calc.endpoint, { retry: false, heartbeatMs: 2000, timeoutMs: 20_000 });
    try {
      const calls = Array.from({ length: 1500 }, (_, i) => client.call('add', i, i));
      const results = await within(10_000, Promise.all(calls), '1500 calls');
      assert.deepEqual(
        results,
        Array.from({ length: 1500 }, (_, i) => 2 * i),
      );
    } finally {
      await client.close();
      await calc.server.close();
    }
  });

  test('when more calls are made than the socket can queue before the server is up, all are answered', async () => {
    // Nothing listens yet: the DEALER queues up to its high-water mark (1000), then has no room.
    // The calls beyond it wait in the client's send queue, in order, and go out once there is room.
    const probe = await startCalculator({}, await restartableEndpoint());
    const { endpoint } = probe;
    await probe.server.close();
    // Rebinding the port can take seconds on a busy machine, and the last of 1500 calls waits for
    // the 1499 before it: the calls (and the silence the client tolerates, two heartbeats) must
    // outlive both.
    const client = connectClient(endpoint, { retry: false, heartbeatMs: 15_000, timeoutMs: 30_000 });
    try {
      const calls = Array.from({ length: 1500 }, (_, i) => client.call('add', i, 1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const calc = await restartOn(endpoint);
      try {
        const results = await within(30_000, Promise.all(calls), '1500 queued calls');
        assert.deepEqual(
          results,
          Array.from({ length: 1500 }, (_, i) => i + 1),
        );
      } finally {
        await calc.server.close();
      }
    } finally {
      await client.close();
    }
  });

  test('when a caller reads slowly, all its replies still arrive and other callers are not held up', async () => {
    // A small per-peer queue, so the slow reader's queue fills almost at once. With ZeroMQ's
    // default ROUTER (not mandatory) the replies that do not fit would be dropped silently.
    const calc = await startCalculator({ sendHighWaterMark: 8, heartbeatMs: 5000 });
    const other = connectClient(calc.endpoint, { retry: false });
    const slow = rawDealer(calc.endpoint, { receiveHighWaterMark: 8 });
    const count = 300;
    try {
      assert.equal(await other.call('add', 1, 1), 2);
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) ids.push(String(await sendEvent(slow, 'blob', [64 * 1024])));
      // 300 × 64 KiB = 19 MiB, far more than the socket buffers hold while nobody reads.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await within(1000, other.call('add', 2, 2), 'other caller during the backlog'), 4);
      const answered: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const reply = decodeEvent((await receiveWithin(slow, 5000)).at(-1)!);
        assert.equal(reply.name, 'OK');
        assert.equal((reply.args as string[])[0]!.length, 64 * 1024);
        answered.push(String(reply.header.response_to));
      }
      assert.deepEqual(answered, ids, 'every reply, in order');
      assert.equal(await metricValue(calc.registry, 'rpc_server_dropped_replies_total'), 0);
    } finally {
      slow.close();
      await other.close();
      await calc.server.close();
    }
  });
});
