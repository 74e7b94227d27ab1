import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createMessageIds,
  decodeEvent,
  encodeEvent,
  GarbageError,
  messageIdKey,
  splitFrames,
} from './codec.ts';

// Golden bytes, derived by hand from the MessagePack spec for what the Python reference client
// and server put on the wire (msgpack-python with use_bin_type=True; header dicts in insertion
// order message_id, v, response_to; message ids are 32 bytes: 8 hex digits of a counter + 24 hex).
const hex = (...parts: string[]) => Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');

// "000000019f86d081884c7d659a2feaa0": the request's id, as ASCII bytes.
const requestIdHex = '3030303030303031396638366430383138383463376436353961326665616130';
// "00000007c0ffeec0ffeec0ffeec0ffee", "…08…", "…09…": ids of the server's events.
const okIdHex = '3030303030303037633066666565633066666565633066666565633066666565';
const errIdHex = '3030303030303038633066666565633066666565633066666565633066666565';
const hbIdHex = '3030303030303039633066666565633066666565633066666565633066666565';
const requestId = Buffer.from(requestIdHex, 'hex');

const golden = {
  // [{message_id: <bin 32>, v: 3}, "add", [1, 2]]
  request: hex(
    '93', // array of 3: header, name, args
    '82', // map of 2
    'aa 6d6573736167655f6964', // str 10 "message_id"
    'c4 20',
    requestIdHex, // bin 8, 32 bytes
    'a1 76 03', // "v": 3
    'a3 616464', // "add"
    '92 01 02', // [1, 2]
  ),
  // [{message_id, v: 3, response_to: <request id>}, "OK", [3]]
  ok: hex(
    '93 83',
    'aa 6d6573736167655f6964 c4 20',
    okIdHex,
    'a1 76 03',
    'ab 726573706f6e73655f746f c4 20', // str 11 "response_to", bin 8 of 32 bytes
    requestIdHex,
    'a2 4f4b', // "OK"
    '91 03', // [3]
  ),
  // [{…}, "ERR", ["NameError", "nope", ""]]
  err: hex(
    '93 83',
    'aa 6d6573736167655f6964 c4 20',
    errIdHex,
    'a1 76 03',
    'ab 726573706f6e73655f746f c4 20',
    requestIdHex,
    'a3 455252', // "ERR"
    '93 a9 4e616d654572726f72 a4 6e6f7065 a0', // ["NameError", "nope", ""]
  ),
  // [{…}, "_zpc_hb", [0]]
  heartbeat: hex(
    '93 83',
    'aa 6d6573736167655f6964 c4 20',
    hbIdHex,
    'a1 76 03',
    'ab 726573706f6e73655f746f c4 20',
    requestIdHex,
    'a7 5f7a70635f6862', // "_zpc_hb"
    '91 00', // [0]
  ),
};

const replyHeader = (idHex: string) => ({
  message_id: Buffer.from(idHex, 'hex'),
  v: 3,
  response_to: requestId,
});

describe('golden bytes (Python reference encoding, 32-byte bin message id)', () => {
  test('when a request is encoded, its bytes are the reference client’s', () => {
    assert.deepEqual(encodeEvent({ message_id: requestId, v: 3 }, 'add', [1, 2]), golden.request);
  });

  test('when an OK is encoded, its bytes are the reference server’s', () => {
    assert.deepEqual(encodeEvent(replyHeader(okIdHex), 'OK', [3]), golden.ok);
  });

  test('when an ERR is encoded, its bytes are the reference server’s', () => {
    assert.deepEqual(encodeEvent(replyHeader(errIdHex), 'ERR', ['NameError', 'nope', '']), golden.err);
  });

  test('when a heartbeat is encoded, its bytes are the reference’s', () => {
    assert.deepEqual(encodeEvent(replyHeader(hbIdHex), '_zpc_hb', [0]), golden.heartbeat);
  });

  test('when the reference request is decoded, the id stays bytes and the args an array', () => {
    const event = decodeEvent(golden.request);
    assert.equal(event.name, 'add');
    assert.deepEqual(event.args, [1, 2]);
    assert.ok(Buffer.isBuffer(event.header.message_id));
    assert.deepEqual(event.header.message_id, requestId);
    assert.equal(event.header.v, 3);
  });

  test('when a decoded bytes id is echoed as response_to, it is packed as bin again', () => {
    const { header } = decodeEvent(golden.request);
    const reply = encodeEvent(
      { message_id: Buffer.from(okIdHex, 'hex'), v: 3, response_to: header.message_id },
      'OK',
      [3],
    );
    assert.deepEqual(reply, golden.ok);
  });
});

describe('encoding types', () => {
  test('when an id arrives as str (zerorpc-node), it decodes and re-encodes as str', () => {
    const id = '3f2a1c9e-0d4b-4e8f-9a7c-123456789abc';
    const event = decodeEvent(encodeEvent({ message_id: 'x', v: 3, response_to: id }, 'OK', [1]));
    assert.equal(event.header.response_to, id);
    const again = encodeEvent({ message_id: 'y', response_to: event.header.response_to! }, 'OK', [1]);
    // str 8 (0xd9) of 36 bytes, never bin (0xc4).
    assert.ok(again.includes(Buffer.concat([Buffer.from([0xd9, 36]), Buffer.from(id)])));
  });

  test('when maps, bytes and text travel, they come back as objects, Buffers and strings', () => {
    const args = [{ sku: 'MUG-0001', qty: 2, nested: { ok: true } }, Buffer.from([0, 1, 255]), 'é'];
    const event = decodeEvent(encodeEvent({ message_id: 'x' }, 'm', args));
    assert.deepEqual(event.args, args);
    assert.ok(Buffer.isBuffer((event.args as unknown[])[1]));
  });

  test('when a 64-bit integer is safe it decodes to a number, otherwise to a bigint', () => {
    // uint64 5, uint64 2^53 + 1, int64 -2
    const payload = hex(
      '93 81 aa 6d6573736167655f6964 a1 78 a1 6d 93',
      'cf 0000000000000005',
      'cf 0020000000000001',
      'd3 fffffffffffffffe',
    );
    assert.deepEqual(decodeEvent(payload).args, [5, 2n ** 53n + 1n, -2]);
  });

  test('when an object property is undefined it is left out, like JSON', () => {
    const event = decodeEvent(encodeEvent({ message_id: 'x' }, 'm', [{ a: 1, b: undefined }]));
    assert.deepEqual(event.args, [{ a: 1 }]);
  });

  test('when a key is __proto__, decoding does not touch any prototype', () => {
    // [{message_id: "x"}, "m", [{"__proto__": {"polluted": true}}]]
    const payload = hex(
      '93 81 aa 6d6573736167655f6964 a1 78 a1 6d 91',
      '81 a9 5f5f70726f746f5f5f 81 a8 706f6c6c75746564 c3',
    );
    const [value] = decodeEvent(payload).args as [Record<string, unknown>];
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('malformed input', () => {
  const reasonOf = (payload: Buffer) => {
    try {
      decodeEvent(payload);
    } catch (error) {
      assert.ok(error instanceof GarbageError);
      return error.reason;
    }
    return 'decoded';
  };

  test('when the payload is not msgpack, decoding fails as malformed_msgpack', () => {
    assert.equal(reasonOf(hex('93 82')), 'malformed_msgpack');
    assert.equal(reasonOf(Buffer.alloc(0)), 'malformed_msgpack');
  });

  test('when the msgpack is not [header, name, args], decoding fails as malformed_event', () => {
    assert.equal(reasonOf(hex('92 80 a1 6d')), 'malformed_event'); // 2 elements
    assert.equal(reasonOf(hex('93 90 a1 6d 90')), 'malformed_event'); // header is an array
    assert.equal(reasonOf(hex('93 80 a1 6d 90')), 'malformed_event'); // no message_id
    assert.equal(reasonOf(hex('93 81 aa 6d6573736167655f6964 a1 78 01 90')), 'malformed_event'); // name 1
    assert.equal(reasonOf(hex('93 81 aa 6d6573736167655f6964 c3 a1 6d 90')), 'malformed_event'); // id true
    assert.equal(reasonOf(hex('2a')), 'malformed_event');
  });

  test('when frames come from a DEALER through a ROUTER, identity and payload are split off', () => {
    const id = Buffer.from('peer');
    const payload = Buffer.from('p');
    assert.deepEqual(splitFrames([id, Buffer.alloc(0), payload]), { identity: [id], payload });
    assert.deepEqual(splitFrames([id, payload]), { identity: [id], payload });
    assert.deepEqual(splitFrames([payload]), { identity: [], payload });
    assert.deepEqual(splitFrames([id, id, Buffer.alloc(0), payload]), { identity: [id, id], payload });
  });

  test('when the frame before the payload is not empty, the frames are malformed', () => {
    assert.throws(() => splitFrames([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]), GarbageError);
    assert.throws(() => splitFrames([]), GarbageError);
  });
});

describe('message ids', () => {
  test('when ids are made, they are 32 ASCII bytes: a hex counter, then a fixed hex part', () => {
    const next = createMessageIds();
    const first = next();
    const second = next();
    assert.equal(first.length, 32);
    assert.match(first.toString('latin1'), /^[0-9a-f]{32}$/);
    assert.equal(first.toString('latin1').slice(0, 8), '00000000');
    assert.equal(second.toString('latin1').slice(0, 8), '00000001');
    assert.equal(first.toString('latin1').slice(8), second.toString('latin1').slice(8));
  });

  test('when a bytes id and a str id have the same content, they share a map key', () => {
    assert.equal(messageIdKey(Buffer.from('abc')), messageIdKey('abc'));
  });
});
