// The server's bytes on a real socket, against hand-derived MessagePack: a raw DEALER sends exactly
// what the Python reference client sends (32-byte bin message id, v 3) and compares each answer
// byte for byte. Only the server's own message id (fresh per event) is read from the answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Dealer } from 'zeromq';
import { decodeEvent } from '../src/codec.ts';
import { type CalculatorServer, rawDealer, receiveWithin, startCalculator } from './support/harness.ts';

const hex = (...parts: string[]) => Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');

// "0000000N9f86d081884c7d659a2feaa0" as ASCII: a Python client's message ids, counter N.
const pythonId = (counter: number) =>
  `303030303030303${counter}396638366430383138383463376436353961326665616130`;

const requestBytes = (counter: number, name: string, args: string) =>
  hex(
    '93 82', // [header of 2 keys, …
    'aa 6d6573736167655f6964 c4 20', // "message_id": bin 8 of 32 bytes
    pythonId(counter),
    'a1 76 03', // "v": 3
    name,
    args,
  );

/** What the reference server answers, with the server's own 32-byte id spliced in. */
const replyBytes = (serverId: Buffer, counter: number, name: string, args: string) =>
  Buffer.concat([
    hex('93 83 aa 6d6573736167655f6964 c4 20'),
    serverId,
    hex('a1 76 03', 'ab 726573706f6e73655f746f c4 20', pythonId(counter), name, args),
  ]);

// The server's message id starts after 93 83 aa <10 bytes> c4 20.
const serverIdOf = (payload: Buffer) => payload.subarray(15, 47);

describe('wire bytes of our server against the Python reference encoding', () => {
  let calc: CalculatorServer;
  let dealer: Dealer;

  before(async () => {
    // 100 ms heartbeats: the 300 ms call below must see at least two of them.
    calc = await startCalculator({ heartbeatMs: 100 });
    dealer = rawDealer(calc.endpoint);
  });
  after(async () => {
    dealer.close();
    await calc.server.close();
  });

  const exchange = async (request: Buffer) => {
    await dealer.send([Buffer.alloc(0), request]);
    const frames = await receiveWithin(dealer);
    assert.equal(frames.length, 2, 'a DEALER receives an empty delimiter, then the payload');
    assert.equal(frames[0]!.length, 0);
    return frames[1]!;
  };

  test('when the reference request for add(1, 2) arrives, the OK is the reference bytes', async () => {
    const reply = await exchange(requestBytes(1, 'a3 616464', '92 01 02'));
    const serverId = serverIdOf(reply);
    assert.match(
      serverId.toString('latin1'),
      /^[0-9a-f]{32}$/,
      'the server’s id is 32 hex bytes like Python’s',
    );
    assert.deepEqual(reply, replyBytes(serverId, 1, 'a2 4f4b', '91 03'));
  });

  test('when the reference request names an unknown method, the ERR is the reference bytes', async () => {
    // "nope", []
    const reply = await exchange(requestBytes(2, 'a4 6e6f7065', '90'));
    // "ERR", ["NameError", "nope", ""]
    assert.deepEqual(
      reply,
      replyBytes(serverIdOf(reply), 2, 'a3 455252', '93 a9 4e616d654572726f72 a4 6e6f7065 a0'),
    );
  });

  test('when a call runs longer than a heartbeat interval, each heartbeat is the reference bytes', async () => {
    // "sleep", [300]; the caller heartbeats too (every 50 ms), as a reference client does.
    await dealer.send([Buffer.alloc(0), requestBytes(3, 'a5 736c656570', '91 cd 012c')]);
    const callerHeartbeats = setInterval(() => {
      // {message_id: "hb", v: 3, response_to: <request id>}, "_zpc_hb", [0]
      const heartbeat = hex(
        '93 83 aa 6d6573736167655f6964 a2 6862 a1 76 03 ab 726573706f6e73655f746f c4 20',
        pythonId(3),
        'a7 5f7a70635f6862 91 00',
      );
      void dealer.send([Buffer.alloc(0), heartbeat]).catch(() => {});
    }, 50);
    try {
      const events: Buffer[] = [];
      for (;;) {
        const [, payload] = await receiveWithin(dealer);
        events.push(payload!);
        // Decode a copy: msgpackr caches a DataView on the buffer it reads, which deepEqual would see.
        if (decodeEvent(Buffer.from(payload!)).name !== '_zpc_hb') break;
      }
      const ok = events.pop()!;
      assert.ok(events.length >= 2, `expected heartbeats during 300 ms, got ${events.length}`);
      for (const heartbeat of events) {
        // "_zpc_hb", [0]
        assert.deepEqual(heartbeat, replyBytes(serverIdOf(heartbeat), 3, 'a7 5f7a70635f6862', '91 00'));
      }
      // "OK", ["slept"]
      assert.deepEqual(ok, replyBytes(serverIdOf(ok), 3, 'a2 4f4b', '91 a5 736c657074'));
      const ids = new Set([...events, ok].map((event) => serverIdOf(event).toString('latin1')));
      assert.equal(ids.size, events.length + 1, 'every event has a fresh message id');
    } finally {
      clearInterval(callerHeartbeats);
    }
  });
});
