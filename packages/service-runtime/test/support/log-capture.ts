// A logger whose JSON lines are kept in memory, to assert what a service wrote.
import { createLogger, type Logger } from '../../src/logger.ts';

export interface LogCapture {
  log: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line written so far, as written. */
  text(): string;
}

export function captureLogs(service = 'test-service'): LogCapture {
  const raw: string[] = [];
  const log = createLogger({
    service,
    level: 'debug',
    destination: { write: (line: string) => raw.push(line) },
  });
  return {
    log,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}
