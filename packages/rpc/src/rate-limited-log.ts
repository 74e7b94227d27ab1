// A flood of garbage must not become a flood of log lines: one warning per reason and interval,
// carrying how many were suppressed since the last one. The metrics count every single one.
import type { Logger } from 'pino';

export type RateLimitedWarn = (key: string, fields: Record<string, unknown>, message: string) => void;

export function createRateLimitedWarn(log: Logger, intervalMs = 1000): RateLimitedWarn {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, fields, message) => {
    const now = Date.now();
    const entry = last.get(key);
    if (entry !== undefined && now - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    last.set(key, { at: now, suppressed: 0 });
    log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  };
}
