// The ZeroRPC wire format (protocol v3): ZeroMQ frames around one MessagePack array
// `[header, name, args]`. Packing matches the reference Python client byte for byte for the same
// values (bin for bytes, str for text, smallest map/array/int forms), so the golden tests can
// compare bytes. Nothing here knows about channels or sockets.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { type Options, Packr } from 'msgpackr';

/** A message id as it travels: the Python client sends 32 bytes (bin), zerorpc-node a str. */
export type MessageId = Buffer | string;

export interface EventHeader {
  message_id: MessageId;
  v?: number;
  /** The channel id, on every event after the first of a conversation. */
  response_to?: MessageId;
  /** Peers add their own keys (trace context, error details); unknown ones are kept and ignored. */
  [key: string]: unknown;
}

export interface RpcEvent {
  header: EventHeader;
  name: string;
  /** Positional arguments for a request, `[result]` for OK, the item itself for STREAM. */
  args: unknown;
}

export const protocolVersion = 3;

/** Header keys this package adds; reference peers ignore them. */
export const headerKeys = {
  traceparent: 'traceparent',
  correlationId: 'correlation_id',
  /** Structured facts of an ERR (e.g. OutOfStock's short skus): ERR args must stay [name, message, traceback]. */
  errorDetails: 'error_details',
} as const;

// - useRecords: false: plain MessagePack maps, none of msgpackr's record extension.
// - variableMapSize: fixmap for small maps as every other packer does (msgpackr would write map16).
// - int64AsType 'auto': 64-bit integers become numbers when exact, bigints otherwise.
// - undefined becomes nil in arrays and is left out of maps, like JSON.stringify.
// Dates still pack as the standard timestamp extension (-1); contracts carry ISO strings instead.
// `int64AsType: 'auto'` and `skipValues` are implemented by msgpackr (unpack.js, pack.js) but
// missing from its type declarations, hence WireOptions.
interface WireOptions extends Omit<Options, 'int64AsType'> {
  int64AsType: 'auto';
  skipValues: unknown[];
}

const wireOptions: WireOptions = {
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  int64AsType: 'auto',
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
  moreTypes: false,
};
const packr = new Packr(wireOptions as unknown as Options);

export function encodeEvent(header: EventHeader, name: string, args: unknown): Buffer {
  return packr.pack([header, name, args]);
}

/** Why an incoming message was not an event. Also the `reason` label of the garbage counters. */
export type GarbageReason =
  | 'malformed_frames'
  | 'malformed_msgpack'
  | 'malformed_event'
  | 'unknown_channel'
  | 'duplicate_message_id'
  | 'stray_control_event';

export class GarbageError extends Error {
  readonly reason: GarbageReason;

  constructor(reason: GarbageReason, message: string) {
    super(message);
    this.name = 'GarbageError';
    this.reason = reason;
  }
}

/** Decodes a payload into an event; throws GarbageError when it is not one. */
export function decodeEvent(payload: Buffer): RpcEvent {
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (error) {
    throw new GarbageError('malformed_msgpack', (error as Error).message);
  }
  if (!Array.isArray(value) || value.length !== 3) {
    throw new GarbageError('malformed_event', 'expected an array [header, name, args]');
  }
  const [header, name, args] = value as [unknown, unknown, unknown];
  if (typeof header !== 'object' || header === null || Array.isArray(header) || Buffer.isBuffer(header)) {
    throw new GarbageError('malformed_event', 'header is not a map');
  }
  const { message_id: messageId, response_to: responseTo } = header as Record<string, unknown>;
  if (!isMessageId(messageId)) throw new GarbageError('malformed_event', 'header has no message_id');
  if (responseTo !== undefined && !isMessageId(responseTo)) {
    throw new GarbageError('malformed_event', 'response_to is neither bytes nor a string');
  }
  if (typeof name !== 'string') throw new GarbageError('malformed_event', 'event name is not a string');
  return { header: header as EventHeader, name, args };
}

function isMessageId(value: unknown): value is MessageId {
  return (typeof value === 'string' && value.length > 0) || (Buffer.isBuffer(value) && value.length > 0);
}

/**
 * Splits a ZeroMQ message into routing frames and payload, as the Python reference does: more than
 * two frames → all but the last two are the identity and the second to last must be the empty
 * delimiter; two → the first is the identity (a peer that sent no delimiter); one → no identity.
 */
export function splitFrames(frames: readonly Buffer[]): { identity: Buffer[]; payload: Buffer } {
  const count = frames.length;
  if (count === 0) throw new GarbageError('malformed_frames', 'empty message');
  const payload = frames[count - 1]!;
  if (count === 1) return { identity: [], payload };
  if (count === 2) return { identity: [frames[0]!], payload };
  if (frames[count - 2]!.length !== 0) {
    throw new GarbageError('malformed_frames', 'the frame before the payload is not an empty delimiter');
  }
  return { identity: frames.slice(0, count - 2), payload };
}

/** A map key for a message id. Bytes and str ids with the same content share a key on purpose. */
export function messageIdKey(id: MessageId): string {
  return typeof id === 'string' ? id : id.toString('latin1');
}

/**
 * Message ids the way the Python reference makes them: 8 hex digits of a counter followed by 24 hex
 * characters fixed per generator, sent as 32 bytes. Unique per process without coordination.
 */
export function createMessageIds(): () => Buffer {
  const ids = new MessageIdSource();
  return () => ids.next();
}

const hexDigits = Buffer.from('0123456789abcdef', 'latin1');

/**
 * The generator behind createMessageIds, for callers that also want the counter of each id (the
 * client keys its calls by it): `sequence` is the counter written into the last id.
 */
export class MessageIdSource {
  /** The 24 hex characters after the counter, as bytes. */
  #base = randomBase();
  #counter = 0;
  sequence = -1;

  next(): Buffer {
    if (this.#counter > 0xffffffff) {
      this.#base = randomBase();
      this.#counter = 0;
    }
    const counter = this.#counter;
    this.#counter = counter + 1;
    this.sequence = counter;
    // allocUnsafe takes 32 bytes from Node's pool; every byte is written below.
    const id = Buffer.allocUnsafe(32);
    for (let i = 7, shift = 0; i >= 0; i -= 1, shift += 4) id[i] = hexDigits[(counter >>> shift) & 15]!;
    const base = this.#base;
    for (let i = 0; i < 24; i += 1) id[8 + i] = base[i]!;
    return id;
  }
}

function randomBase(): Buffer {
  return Buffer.from(randomBytes(12).toString('hex'), 'latin1');
}

/**
 * The counter of a message id made by MessageIdSource (its first 8 hex digits), or -1 when `id`
 * is not 32 characters starting with 8 lowercase hex digits. A str id and a bytes id with the same
 * characters give the same counter, as they share a messageIdKey.
 */
export function messageIdSequence(id: MessageId): number {
  if (id.length !== 32) return -1;
  let value = 0;
  if (typeof id === 'string') {
    for (let i = 0; i < 8; i += 1) {
      const digit = hexValue(id.charCodeAt(i));
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
  } else {
    for (let i = 0; i < 8; i += 1) {
      const digit = hexValue(id[i]!);
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
  }
  return value;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/** Whether two ids have the same messageIdKey (bytes and str compare by their latin1 characters). */
export function sameMessageId(bytes: Buffer, other: MessageId): boolean {
  const length = bytes.length;
  if (other.length !== length) return false;
  if (typeof other === 'string') {
    for (let i = 0; i < length; i += 1) if (bytes[i] !== other.charCodeAt(i)) return false;
  } else {
    for (let i = 0; i < length; i += 1) if (bytes[i] !== other[i]) return false;
  }
  return true;
}
