#!/usr/bin/env node
// Runs a package's tests with Node's own runner: readable output on stdout and a JUnit report in
// .test-results/ that the root test script adds up. Test files are TypeScript, run directly by
// Node's type stripping. The global setup settles where PostgreSQL, Redis and RabbitMQ are once
// for the whole run. Arguments narrow the run to some files or globs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `--concurrency=N`: test files run at once (2 by default). Files that each start a whole shop
// use 1, so that their PostgreSQL connections stay within the server's limit.
const concurrencyArg = process.argv.find((arg) => arg.startsWith('--concurrency='));
const concurrency = concurrencyArg === undefined ? '2' : concurrencyArg.slice('--concurrency='.length);
// `--report=NAME`: the JUnit report's name (.test-results/NAME.xml; junit by default), so that a
// second suite of a package (the container test) keeps the first one's report.
const reportArg = process.argv.find((arg) => arg.startsWith('--report='));
const report = reportArg === undefined ? 'junit' : reportArg.slice('--report='.length);
const patterns = process.argv.slice(2).filter((arg) => arg !== concurrencyArg && arg !== reportArg);
const files =
  patterns.length > 0
    ? patterns
    : ['src', 'test'].filter((d) => existsSync(d)).map((d) => `${d}/**/*.test.ts`);
if (files.length === 0) {
  console.log('trio-test: no test files');
  process.exit(0);
}
rmSync(`.test-results/${report}.xml`, { force: true });
mkdirSync('.test-results', { recursive: true });
const globalSetup = fileURLToPath(new URL('../src/global-setup.ts', import.meta.url));
const args = [
  '--test',
  `--test-global-setup=${globalSetup}`,
  `--test-concurrency=${concurrency}`,
  '--test-timeout=120000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=junit',
  `--test-reporter-destination=.test-results/${report}.xml`,
  ...files,
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
