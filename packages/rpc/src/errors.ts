// The errors of the RPC transport. A server handler throws RpcError (or the runtime's AppError) for
// an answer the contract names; a caller gets RemoteError for any ERR reply, and TimeoutExpired or
// LostRemote (the names of the Python reference) when no answer came. Those two mean "the call may
// or may not have run", so they are retried only for idempotent methods (ServiceUnavailable too:
// the server refused the call before running it).

/** A failure the contract names (`OutOfStock`, `NotFound`): thrown by a handler, sent as ERR. */
export class RpcError extends Error {
  /** Structured facts for the caller, e.g. `{ skus: [...] }`; travel in the ERR event's header. */
  readonly details: unknown;

  constructor(name: string, message: string, details?: unknown) {
    super(message);
    this.name = name;
    this.details = details;
  }
}

/** An ERR reply: `name` is the remote error's name (`OutOfStock`, `ValidationError`, `NameError`). */
export class RemoteError extends Error {
  readonly traceback: string;
  /** The error's details when the server sent them (see RpcError), checked against the contract. */
  readonly details: unknown;

  constructor(name: string, message: string, traceback = '', details?: unknown) {
    super(message);
    this.name = name;
    this.traceback = traceback;
    this.details = details;
  }
}

/** No reply within the call's timeout. The call may have run. */
export class TimeoutExpired extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutExpired';
  }
}

/** The server went silent (no event for two heartbeat intervals) while the call was in flight. */
export class LostRemote extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LostRemote';
  }
}

/**
 * Refused by this client's open breaker, before anything was sent. Named ServiceUnavailable, as a
 * server that refuses a call before running it answers: callers already treat that as "try later".
 */
export class CircuitOpen extends RemoteError {
  constructor(peer: string) {
    super('ServiceUnavailable', `the circuit breaker of calls to ${peer} is open: it kept failing`);
  }
}

/** The server answered something the protocol or the contract does not allow. */
export class ProtocolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}

/** The client was closed before the call ended. */
export class ClientClosed extends Error {
  constructor() {
    super('the RPC client was closed');
    this.name = 'ClientClosed';
  }
}

/** Failures after which the call may or may not have run on the server: retried only if idempotent. */
export function isRetryable(error: unknown): boolean {
  return (
    error instanceof LostRemote ||
    error instanceof TimeoutExpired ||
    // A server shutting down refuses calls before running them.
    (error instanceof RemoteError && error.name === 'ServiceUnavailable')
  );
}
