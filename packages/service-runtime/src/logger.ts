// pino JSON to stdout, one object per line, each carrying the service name and, from the current
// context, the request id, the active span's trace_id and span_id, and the correlation id. Pretty output is for people at a terminal only:
// in containers and CI the lines must stay machine-readable.
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { type DestinationStream, type LevelWithSilent, type Logger, pino, stdTimeFunctions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { getContext } from './context.ts';
import { activeSpanIds } from './tracing.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: LevelWithSilent;
  /** Human-readable lines; by default on when stdout is a terminal and NODE_ENV is not production. */
  pretty?: boolean;
  /** Where JSON lines go (stdout by default); tests pass a stream to read them back. */
  destination?: DestinationStream;
}

// Keys whose values must never reach a log, wherever they appear in the top three levels of a
// logged object. Redaction works on paths, so deeper nesting is not covered: log ids, not payloads.
const sensitiveKeys = [
  'password',
  'newPassword',
  'passwordHash',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'cardNumber',
  'pan',
  'cvc',
  'cvv',
  // Connection strings carry credentials; config objects get logged at startup.
  'DATABASE_URL',
  'REDIS_URL',
  'AMQP_URL',
];

export const redactedPaths = [
  ...sensitiveKeys.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]),
  // A card's number is only sensitive as a card's number.
  'card.number',
  '*.card.number',
  'card.cvc',
  '*.card.cvc',
];

// Loaded only for a terminal: a service writing JSON (containers, npm start, CI) keeps its ~10 MB.
function loadPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty =
    options.pretty ??
    (options.destination === undefined &&
      process.stdout.isTTY === true &&
      process.env.NODE_ENV !== 'production');
  const destination = usePretty ? loadPretty()({ colorize: true, sync: true }) : options.destination;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: stdTimeFunctions.isoTime,
      // Level names rather than numbers: what log search tools and people both read.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      // pino merges each line's fields into the object returned here, so it must be a new one.
      // trace_id/span_id are the active span's (OpenTelemetry's log field names), else the context's.
      mixin: () => {
        const context = getContext();
        const span = activeSpanIds();
        if (context === undefined)
          return span === undefined ? {} : { trace_id: span.traceId, span_id: span.spanId };
        const { requestId, correlationId } = context;
        return {
          requestId,
          trace_id: span?.traceId ?? context.traceId,
          span_id: span?.spanId ?? context.spanId,
          correlationId,
        };
      },
    },
    destination,
  );
}
