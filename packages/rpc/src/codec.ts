// The ZeroRPC wire format (protocol v3): ZeroMQ frames around one MessagePack array
// `[header, name, args]`. Packing matches the reference Python client byte for byte for the same
// values (bin for bytes, str for text, smallest map/array/int forms), so the golden tests can
// compare bytes. Nothing here knows about channels or sockets.
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
  let base = randomBytes(12).toString('hex');
  let counter = 0;
  return () => {
    if (counter > 0xffffffff) {
      base = randomBytes(12).toString('hex');
      counter = 0;
    }
    const id = Buffer.allocUnsafe(32);
    id.write(counter.toString(16).padStart(8, '0'), 0, 'latin1');
    id.write(base, 8, 'latin1');
    counter += 1;
    return id;
  };
}
