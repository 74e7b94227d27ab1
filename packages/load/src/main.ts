// A whole load run as `npm run load` does it: the run with its live view, then the invariants
// check, then summary.json and report.html. The test calls it too, against an in-process shop.
import { checkInvariants } from './invariants.ts';
import type { LoadOptions } from './options.ts';
import { createProgressView } from './progress.ts';
import { writeReports } from './report.ts';
import { runLoad } from './run.ts';
import { describeMode, type LoadSummary, summarize } from './summary.ts';

export interface LoadOutcome {
  summary: LoadSummary;
  files: { json: string; html: string };
}

export async function runAndReport(
  options: LoadOptions,
  io: { signal?: AbortSignal; out?: NodeJS.WritableStream; isTTY?: boolean } = {},
): Promise<LoadOutcome> {
  const out = io.out ?? process.stderr;
  const mode =
    options.progress === 'auto' ? ((io.isTTY ?? process.stderr.isTTY) ? 'tty' : 'lines') : options.progress;
  const view = createProgressView(
    mode,
    `trio load → ${options.target} (${describeMode({ options })})`,
    options.durationMs,
    out,
  );
  const result = await runLoad(options, {
    onTick: (point, recorder, elapsedMs) => view.tick(point, recorder, elapsedMs),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  });
  view.done();
  let invariants: LoadSummary['invariants'];
  if (!options.invariants) invariants = { skipped: 'turned off (--no-invariants)' };
  else if (result.orders.length === 0) invariants = { skipped: 'no orders were placed' };
  else {
    if (mode !== 'off') out.write(`checking the invariants of ${result.orders.length} orders…\n`);
    try {
      invariants = await checkInvariants({
        databaseUrl: options.databaseUrl,
        orderIds: result.orders,
        settleMs: options.settleMs,
      });
    } catch (error) {
      invariants = { skipped: `the shop's database could not be read: ${(error as Error).message}` };
    }
  }
  const summary = summarize(result, invariants);
  return { summary, files: writeReports(summary, options.outDir) };
}
