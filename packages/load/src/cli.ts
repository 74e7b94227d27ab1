#!/usr/bin/env node
// `npm run load -- [options]`: runs the scenarios against a running shop (see --help), shows its
// progress, checks the invariants and writes summary.json and report.html. Exits 1 when an
// invariant is broken, 2 on bad arguments. Ctrl-C stops new arrivals and lets running visits end.
import { runAndReport } from './main.ts';
import { parseOptions, usage } from './options.ts';
import { formatMs, type LoadSummary } from './summary.ts';

function printSummary(summary: LoadSummary): void {
  const lines = [
    '',
    `${summary.mode} against ${summary.target}: ${summary.shoppers.started} shoppers, ${summary.requests.sent} requests in ${summary.elapsedSeconds} s`,
    `${'step'.padEnd(12)}${'count'.padStart(8)}${'/s'.padStart(8)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'errors'.padStart(8)}`,
    ...Object.entries(summary.steps).map(
      ([name, s]) =>
        `${name.padEnd(12)}${String(s.count).padStart(8)}${String(s.rate).padStart(8)}${formatMs(s.p50).padStart(9)}` +
        `${formatMs(s.p90).padStart(9)}${formatMs(s.p99).padStart(9)}${formatMs(s.max).padStart(9)}${String(s.errors).padStart(8)}`,
    ),
    `outcomes: ${
      Object.entries(summary.outcomes)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || 'none'
    }`,
    `errors: ${
      Object.entries(summary.errors)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') || 'none'
    }`,
  ];
  const invariants = summary.invariants;
  if ('skipped' in invariants) lines.push(`invariants: not checked (${invariants.skipped})`);
  else
    for (const check of invariants.checks)
      lines.push(`${check.ok ? '✔' : '✘'} ${check.name} (${check.detail})`);
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.error('\nstopping: no new shoppers; waiting for those running (Ctrl-C again to quit now)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const { summary, files } = await runAndReport(options, { signal: stop.signal });
  printSummary(summary);
  console.log(`\nsummary: ${files.json}\nreport:  ${files.html}`);
  return 'skipped' in summary.invariants || summary.invariants.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = (error as Error).message;
    const hint = message.includes('ECONNREFUSED') ? ' (is the shop running? npm start, or --target URL)' : '';
    console.error(`load: ${message}${hint}`);
    process.exit(1);
  },
);
