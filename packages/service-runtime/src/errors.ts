// The one error type domain code throws on purpose. Transports map it once: HTTP to its status and
// a JSON body, RPC to an ERR reply, AMQP to retry or dead-letter. Anything that is not an AppError
// is a bug and is answered as an internal error that reveals nothing.

export interface AppErrorOptions {
  /** HTTP status the error maps to; 500 when omitted. */
  status?: number;
  /** Public, structured facts for the caller (e.g. which fields failed). */
  details?: unknown;
  /**
   * The process can no longer be trusted to work (e.g. a lost invariant, a corrupt state): the
   * error handler logs it as fatal and the service shuts down so the orchestrator restarts it.
   */
  catastrophic?: boolean;
  /** The underlying error, logged but never sent to the caller. */
  cause?: unknown;
  /** When to try again (a limit was reached, a peer asked for it): sent as `Retry-After`. */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  /** Stable, machine-readable snake_case code, e.g. `out_of_stock`. */
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  readonly catastrophic: boolean;
  readonly retryAfterSeconds: number | undefined;

  /** `message` is shown to callers: write it for them, and keep internals in `cause`. */
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
    this.catastrophic = options.catastrophic ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
