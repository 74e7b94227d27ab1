// What a run measured: per step an HDR histogram of latencies for the whole run and one for the
// current interval (hdr-histogram-js), counts, errors by kind, outcomes, and a timeline of one
// point per interval that the progress view and the HTML report draw.
import { build, type Histogram } from 'hdr-histogram-js';

/** Latencies are recorded in microseconds, up to 10 minutes, to 3 significant digits. */
function latencyHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export interface Percentiles {
  count: number;
  errors: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
}

export interface StepSummary extends Percentiles {
  /** Answers per second over the run. */
  rate: number;
  mean: number;
  p999: number;
  max: number;
}

export interface TimelinePoint {
  /** Seconds since the start, at the end of the interval. */
  t: number;
  /** Requests sent and answered (any HTTP status) per second during the interval. */
  sent: number;
  answered: number;
  /** Shoppers running at the end of the interval. */
  shoppers: number;
  steps: Record<string, Percentiles>;
  errors: Record<string, number>;
}

interface StepStats {
  total: Histogram;
  interval: Histogram;
  count: number;
  errors: number;
  intervalCount: number;
  intervalErrors: number;
}

const ms = (micros: number): number => Math.round(micros) / 1000;
const increment = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

export class Recorder {
  readonly steps = new Map<string, StepStats>();
  readonly errors = new Map<string, number>();
  readonly outcomes = new Map<string, number>();
  readonly timeline: TimelinePoint[] = [];
  sent = 0;
  answered = 0;
  shoppersStarted = 0;
  shoppersFinished = 0;
  /** Open-loop arrivals not sent because too many shoppers were running. */
  skipped = 0;
  private intervalSent = 0;
  private intervalAnswered = 0;
  private intervalErrors = new Map<string, number>();
  private lastFlush = 0;

  private step(name: string): StepStats {
    let stats = this.steps.get(name);
    if (stats === undefined) {
      stats = {
        total: latencyHistogram(),
        interval: latencyHistogram(),
        count: 0,
        errors: 0,
        intervalCount: 0,
        intervalErrors: 0,
      };
      this.steps.set(name, stats);
    }
    return stats;
  }

  requestSent(): void {
    this.sent++;
    this.intervalSent++;
  }

  /** One step done: its latency from the intended send time, whether HTTP answered, the error kind if any. */
  record(name: string, latencyMs: number, answered: boolean, error?: string): void {
    const stats = this.step(name);
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    stats.total.recordValue(micros);
    stats.interval.recordValue(micros);
    stats.count++;
    stats.intervalCount++;
    if (answered) {
      this.answered++;
      this.intervalAnswered++;
    }
    if (error !== undefined) {
      stats.errors++;
      stats.intervalErrors++;
      const kind = `${name}: ${error}`;
      increment(this.errors, kind);
      increment(this.intervalErrors, kind);
    }
  }

  error(kind: string): void {
    increment(this.errors, kind);
    increment(this.intervalErrors, kind);
  }

  outcome(name: string): void {
    increment(this.outcomes, name);
  }

  /** Closes the current interval at `elapsedMs` and starts the next. */
  flush(elapsedMs: number, shoppers: number): TimelinePoint {
    const seconds = Math.max(0.001, (elapsedMs - this.lastFlush) / 1000);
    const steps: Record<string, Percentiles> = {};
    for (const [name, stats] of this.steps) {
      if (stats.intervalCount > 0) {
        steps[name] = {
          count: stats.intervalCount,
          errors: stats.intervalErrors,
          p50: ms(stats.interval.getValueAtPercentile(50)),
          p90: ms(stats.interval.getValueAtPercentile(90)),
          p99: ms(stats.interval.getValueAtPercentile(99)),
        };
      }
      stats.interval.reset();
      stats.intervalCount = 0;
      stats.intervalErrors = 0;
    }
    const point: TimelinePoint = {
      t: Math.round(elapsedMs) / 1000,
      sent: Math.round((this.intervalSent / seconds) * 10) / 10,
      answered: Math.round((this.intervalAnswered / seconds) * 10) / 10,
      shoppers,
      steps,
      errors: Object.fromEntries(this.intervalErrors),
    };
    this.timeline.push(point);
    this.intervalSent = 0;
    this.intervalAnswered = 0;
    this.intervalErrors = new Map();
    this.lastFlush = elapsedMs;
    return point;
  }

  summary(name: string, elapsedMs: number): StepSummary {
    const stats = this.step(name);
    const at = (percentile: number) => ms(stats.total.getValueAtPercentile(percentile));
    return {
      count: stats.count,
      errors: stats.errors,
      rate: Math.round((stats.count / Math.max(0.001, elapsedMs / 1000)) * 100) / 100,
      mean: ms(stats.total.mean),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: ms(stats.total.maxValue),
    };
  }
}
