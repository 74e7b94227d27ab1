// The live view of a run: on a terminal, a block redrawn every second (elapsed, shoppers, requests
// sent and answered per second, p50/p99 per step over the last second and the run, errors by
// kind); elsewhere (CI, a pipe) one plain line every five seconds.
import type { Recorder, TimelinePoint } from './stats.ts';
import { formatMs, sortedSteps } from './summary.ts';

const clock = (ms: number) => {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};
const number = formatMs;

export interface ProgressView {
  tick(point: TimelinePoint, recorder: Recorder, elapsedMs: number): void;
  done(): void;
}

export function renderBlock(
  title: string,
  point: TimelinePoint,
  recorder: Recorder,
  elapsedMs: number,
  durationMs: number,
): string[] {
  const lines = [
    `${title}   elapsed ${clock(elapsedMs)} / ${clock(durationMs)}${elapsedMs > durationMs ? ' (arrivals over, draining)' : ''}`,
    `shoppers started ${recorder.shoppersStarted}, running ${point.shoppers}, done ${recorder.shoppersFinished}` +
      (recorder.skipped > 0 ? `, skipped ${recorder.skipped}` : ''),
    `requests sent ${point.sent}/s, answered ${point.answered}/s (total ${recorder.sent} sent, ${recorder.answered} answered)`,
    '',
    `${'step'.padEnd(12)}${'count'.padStart(8)}${'/s'.padStart(7)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'run p99'.padStart(9)}${'errors'.padStart(8)}`,
  ];
  for (const name of sortedSteps(recorder.steps.keys())) {
    const now = point.steps[name];
    const run = recorder.summary(name, elapsedMs);
    lines.push(
      `${name.padEnd(12)}${String(run.count).padStart(8)}${String(now?.count ?? 0).padStart(7)}` +
        `${number(now?.p50).padStart(9)}${number(now?.p99).padStart(9)}${number(run.p99).padStart(9)}` +
        `${String(run.errors).padStart(8)}`,
    );
  }
  const errors = [...recorder.errors].sort((a, b) => b[1] - a[1]);
  lines.push('', errors.length === 0 ? 'errors: none' : 'errors by kind:');
  for (const [kind, count] of errors.slice(0, 8)) lines.push(`  ${String(count).padStart(6)}  ${kind}`);
  if (errors.length > 8) lines.push(`  … and ${errors.length - 8} more kinds`);
  return lines;
}

export function createProgressView(
  mode: 'tty' | 'lines' | 'off',
  title: string,
  durationMs: number,
  out: NodeJS.WritableStream = process.stderr,
): ProgressView {
  let drawn = 0;
  let ticks = 0;
  return {
    tick(point, recorder, elapsedMs) {
      if (mode === 'off') return;
      if (mode === 'tty') {
        const lines = renderBlock(title, point, recorder, elapsedMs, durationMs);
        // Back to the top of the last block, then redraw it and clear what is below.
        out.write(
          `${drawn > 0 ? `\x1b[${drawn}F` : ''}${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`,
        );
        drawn = lines.length;
        return;
      }
      if (++ticks % 5 !== 0) return;
      const steps = sortedSteps(Object.keys(point.steps))
        .map((name) => `${name} ${number(point.steps[name]?.p50)}/${number(point.steps[name]?.p99)}`)
        .join(', ');
      const errors = [...recorder.errors.values()].reduce((sum, n) => sum + n, 0);
      out.write(
        `[${clock(elapsedMs)}] shoppers ${point.shoppers} running, sent ${point.sent}/s, answered ${point.answered}/s, ` +
          `errors ${errors}; p50/p99 ms: ${steps || '–'}\n`,
      );
    },
    done() {
      drawn = 0;
    },
  };
}
