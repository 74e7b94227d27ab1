// The one place an error becomes an HTTP response. AppErrors answer with their own status, code,
// message and details; errors raised by the HTTP machinery (body too large, malformed JSON) with
// the matching 4xx; anything else is a bug, logged with its stack and answered with a bare 500
// that reveals nothing about it.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { getContext } from '../context.ts';
import { AppError } from '../errors.ts';

export function notFound(): RequestHandler {
  return (req) => {
    throw new AppError('not_found', `No route for ${req.method} ${req.path}`, { status: 404 });
  };
}

export interface ErrorHandlerOptions {
  log: Logger;
  onCatastrophicError?: ((error: AppError) => void) | undefined;
}

export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  const { log } = options;
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      // Too late for an error body: cut the response so the client does not take it as complete.
      log.error({ err: error }, 'request failed after the response started');
      res.destroy();
      return;
    }
    const appError = error instanceof AppError ? error : fromHttpMachinery(error);
    if (appError?.catastrophic) log.fatal({ err: error }, 'catastrophic error');
    else if (appError === undefined || appError.status >= 500) log.error({ err: error }, 'request failed');
    if (appError === undefined) {
      send(res, 500, { code: 'internal_error', message: 'Internal server error' });
      return;
    }
    // 4xx are the caller's mistakes, not ours: the access log line records the code, no error line.
    res.locals.errorCode = appError.code;
    if (appError.retryAfterSeconds !== undefined)
      res.set('retry-after', String(Math.ceil(appError.retryAfterSeconds)));
    send(res, appError.status, { code: appError.code, message: appError.message, details: appError.details });
    if (appError.catastrophic) options.onCatastrophicError?.(appError);
  };
}

function send(res: Response, status: number, error: { code: string; message: string; details?: unknown }) {
  const requestId = getContext()?.requestId;
  res.status(status).json({ error: { ...error, requestId } });
}

/** Body-parser and router errors carry a 4xx `status` (http-errors); `expose` says the message is safe. */
function fromHttpMachinery(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, expose, type } = error as Error & { status?: unknown; expose?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (type === 'entity.parse.failed')
    return new AppError('malformed_json', 'Request body is not valid JSON', { status });
  const code =
    status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
  return new AppError(code, expose === true ? error.message : 'Bad request', { status, cause: error });
}
