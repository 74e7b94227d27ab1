// `.trio/traces/spans.jsonl`: the spans `npm start -- --observe` receives, one JSON object a line,
// for `npm run trace`. Bounded: past `maxBytes` the file becomes `spans.1.jsonl` (replacing the
// previous one) and a new file starts, so the two never take more than twice that.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReceivedSpan } from '@trio/service-runtime/otlp-receiver';

/** A span as a line of the file: the nanosecond times as decimal strings (JSON has no bigint). */
export interface SpanRecord extends Omit<ReceivedSpan, 'startNs' | 'endNs' | 'parentSpanId'> {
  parentSpanId?: string;
  startNs: string;
  endNs: string;
}

export const defaultMaxBytes = 50 * 1024 * 1024;

export function spansFilePath(root: string): string {
  return join(root, '.trio', 'traces', 'spans.jsonl');
}

/** The older file a rotation leaves beside `path`. */
export function rotatedPath(path: string): string {
  return path.replace(/\.jsonl$/, '.1.jsonl');
}

export function toRecord(span: ReceivedSpan): SpanRecord {
  const { startNs, endNs, parentSpanId, ...rest } = span;
  return {
    ...rest,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    startNs: startNs.toString(),
    endNs: endNs.toString(),
  };
}

export interface SpanFileWriter {
  readonly path: string;
  append(spans: readonly ReceivedSpan[]): void;
}

export function spanFileWriter(path: string, maxBytes = defaultMaxBytes): SpanFileWriter {
  mkdirSync(dirname(path), { recursive: true });
  let size = existsSync(path) ? statSync(path).size : 0;
  return {
    path,
    append(spans) {
      if (spans.length === 0) return;
      const text = `${spans.map((span) => JSON.stringify(toRecord(span))).join('\n')}\n`;
      if (size > 0 && size + Buffer.byteLength(text) > maxBytes) {
        renameSync(path, rotatedPath(path));
        size = 0;
      }
      appendFileSync(path, text);
      size += Buffer.byteLength(text);
    },
  };
}

/** The spans of `path` and, older, of its rotated file; lines that are not spans are skipped. */
export function readSpanRecords(path: string): SpanRecord[] {
  return [rotatedPath(path), path]
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .flatMap((line) => {
      if (line.trim() === '') return [];
      try {
        const record = JSON.parse(line) as SpanRecord;
        return typeof record.traceId === 'string' && typeof record.spanId === 'string' ? [record] : [];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}
