// Everything the server sends: events to a caller through the ROUTER's outbox, and the one place a
// handler's failure becomes an ERR (toErrReply). ERR args are always `[name, message, traceback]`
// with an empty traceback, as reference clients unpack exactly three; structured details travel
// in the header.
import type { RpcMethodDefinition } from '@trio/contracts/rpc';
import { AppError } from '@trio/service-runtime/errors';
import type { Logger } from 'pino';
import { type EventHeader, encodeEvent, headerKeys, type MessageId, protocolVersion } from './codec.ts';
import { RpcError } from './errors.ts';
import type { RouterOutbox } from './router-outbox.ts';
import type { Caller, Channel } from './server-channels.ts';

export interface ErrReply {
  name: string;
  message: string;
  details?: unknown;
}

/** Thrown inside the server when a result breaks the contract (already logged with its issues). */
export class InvalidResult extends Error {}

const empty = Buffer.alloc(0);

export class Replies {
  readonly #outbox: RouterOutbox;
  readonly #log: Logger;
  readonly #nextMessageId: () => Buffer;

  constructor(outbox: RouterOutbox, log: Logger, nextMessageId: () => Buffer) {
    this.#outbox = outbox;
    this.#log = log;
    this.#nextMessageId = nextMessageId;
  }

  /** Sends one event of a running call, using one slot of the caller's credit. */
  send(channel: Channel, eventName: string, args: unknown, extra?: Record<string, unknown>): void {
    if (channel.lost) return; // already counted when the caller was lost
    channel.credit -= 1;
    this.emit(channel.caller, channel.id, eventName, args, extra);
  }

  /** ERR for a request answered at once (no channel: no handler ran). */
  error(caller: Caller, channelId: MessageId, err: ErrReply): void {
    this.emit(caller, channelId, 'ERR', [err.name, err.message, ''], detailsHeader(err));
  }

  /** An ERR on a running call. */
  sendError(channel: Channel, err: ErrReply): void {
    this.send(channel, 'ERR', [err.name, err.message, ''], detailsHeader(err));
  }

  emit(
    caller: Caller,
    channelId: MessageId,
    eventName: string,
    args: unknown,
    extra?: Record<string, unknown>,
  ) {
    const header: EventHeader = {
      message_id: this.#nextMessageId(),
      v: protocolVersion,
      response_to: channelId,
    };
    if (extra !== undefined) Object.assign(header, extra);
    let payload: Buffer;
    try {
      payload = encodeEvent(header, eventName, args);
    } catch (error) {
      // A value msgpack cannot carry (a BigInt beyond 64 bits): the caller still gets an answer.
      this.#log.error({ err: error, event: eventName }, 'rpc reply could not be encoded');
      payload = encodeEvent(header, 'ERR', ['InternalError', 'Internal server error', '']);
    }
    const { identity } = caller;
    this.#outbox.push(
      caller.key,
      identity.length === 1 ? [identity[0]!, empty, payload] : [...identity, empty, payload],
    );
  }
}

export interface ErrorMapping {
  log: Logger;
  /** Warn about errors the contract does not name (when results are checked). */
  checkDeclared: boolean;
  onCatastrophicError: ((error: AppError) => void) | undefined;
}

// The one place a handler's failure becomes an ERR: named errors keep their name, message and
// details; anything else is a bug, logged and answered without revealing anything.
export function toErrReply(
  error: unknown,
  methodName: string,
  method: RpcMethodDefinition,
  mapping: ErrorMapping,
): ErrReply {
  const { log } = mapping;
  if (error instanceof RpcError) {
    if (mapping.checkDeclared) checkDeclared(error.name, error.details, methodName, method, log);
    return { name: error.name, message: error.message, details: error.details };
  }
  if (error instanceof AppError) {
    if (error.catastrophic) {
      log.fatal({ err: error, method: methodName }, 'catastrophic error');
      mapping.onCatastrophicError?.(error);
    } else if (error.status >= 500) {
      log.error({ err: error, method: methodName }, 'rpc handler failed');
    }
    return { name: pascalCase(error.code), message: error.message, details: error.details };
  }
  if (!(error instanceof InvalidResult)) log.error({ err: error, method: methodName }, 'rpc handler failed');
  return { name: 'InternalError', message: 'Internal server error' };
}

function checkDeclared(
  errorName: string,
  details: unknown,
  methodName: string,
  method: RpcMethodDefinition,
  log: Logger,
) {
  const declared = method.errors[errorName];
  if (declared === undefined) {
    log.warn(
      { method: methodName, error: errorName },
      'rpc handler threw an error its contract does not name',
    );
  } else if (declared.details !== undefined && !declared.details.safeParse(details).success) {
    log.warn({ method: methodName, error: errorName }, 'rpc error details do not match the contract');
  }
}

function detailsHeader(err: ErrReply): Record<string, unknown> | undefined {
  return err.details === undefined ? undefined : { [headerKeys.errorDetails]: err.details };
}

/** `out_of_stock` → `OutOfStock`: AppError codes as ZeroRPC error names. */
export function pascalCase(code: string): string {
  return code.replace(/(^|[_\-.\s]+)([a-z0-9])/gi, (_match, _sep, char: string) => char.toUpperCase());
}
