// `npm test`: lint, typecheck, build and every package's tests through turbo, then one closing
// line `N passed, N failed` added up from the JUnit reports the test runners wrote. The exit
// code is turbo's, so a failure anywhere (lint included) fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const workspaces = ['packages', 'services']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
for (const ws of workspaces) rmSync(join(ws, '.test-results'), { recursive: true, force: true });
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

const turbo = spawnSync(
  'turbo',
  [
    'run',
    'lint',
    '//#lint:root',
    'typecheck',
    '//#typecheck:root',
    'build',
    'test',
    '--continue',
    // Two cores: two packages' suites at a time (each runs two test files at once) keep timings sane.
    '--concurrency=2',
    '--log-order=grouped',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env },
);

// Then, alone on the machine, the container test (build, ship and run the images): it starts the
// shop on its fixed ports and keeps both cores busy building, so nothing else runs beside it.
const containers = spawnSync('turbo', ['run', 'test:containers', '--concurrency=1', '--log-order=grouped'], {
  stdio: 'inherit',
  env,
});

/** The test cases of a JUnit report written by node:test: each one's text, and its body ('' when self-closing). */
function testCases(xml: string): { text: string; body: string }[] {
  return xml
    .split('<testcase ')
    .slice(1)
    .map((text) => ({
      text,
      body: /^[^>]*\/>/.test(text) ? '' : text.slice(0, text.indexOf('</testcase>')),
    }));
}

/** Counts test cases in a JUnit report: a case is failed when it holds a <failure>. */
function count(cases: readonly { body: string }[]): { passed: number; failed: number; skipped: number } {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const { body } of cases) {
    if (body.includes('<failure')) totals.failed++;
    else if (body.includes('<skipped')) totals.skipped++;
    else totals.passed++;
  }
  return totals;
}

// Every JUnit report of every workspace (a package may have two suites: junit.xml, containers.xml).
const reports = workspaces.flatMap((ws) => {
  const dir = join(ws, '.test-results');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.xml'))
        .map((name) => join(dir, name))
    : [];
});
/** The failed cases of a JUnit report: which test, its message, and where in the test it failed. */
function failures(cases: readonly { text: string; body: string }[]): string[] {
  const found: string[] = [];
  for (const { text: chunk, body } of cases) {
    const failure = /<failure([^>]*)>([\s\S]*?)<\/failure>/.exec(body);
    if (!failure) continue;
    const attr = (text: string, name: string) =>
      fromXml(new RegExp(`${name}="([^"]*)"`).exec(text)?.[1] ?? '');
    const message = attr(failure[1] ?? '', 'message').slice(0, 1500);
    const where = fromXml(failure[2] ?? '')
      .split('\n')
      .find((line) => /at .*file:\/\//.test(line) && !line.includes('node_modules'));
    const file = attr(chunk, 'file');
    found.push(
      `✖ ${file ? `${file} › ` : ''}${attr(chunk, 'name')}\n    ${message}${where ? `\n    ${where.trim()}` : ''}`,
    );
  }
  return found;
}

function fromXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&#10;', '\n')
    .replaceAll('&amp;', '&');
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failed: string[] = [];
for (const report of reports) {
  const cases = testCases(readFileSync(report, 'utf8'));
  const t = count(cases);
  totals.passed += t.passed;
  totals.failed += t.failed;
  totals.skipped += t.skipped;
  failed.push(...failures(cases));
}
// The failures are printed again at the end, where a CI log's tail shows them.
if (failed.length > 0) console.log(`\nFailed tests (${failed.length}):\n${failed.slice(0, 20).join('\n')}\n`);
const status = (turbo.status ?? 1) || (containers.status ?? 1);
if (status !== 0 && totals.failed === 0) {
  console.log('The run failed outside the test cases (lint, typecheck, build or a test process): see above.');
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
