// `npm pack` of a registry package (Node's binary, npm itself) for the base image, made to fail
// loudly: a time limit sized for a cold cache, one retry, and on failure npm's own message and the
// tail of its debug log, which is where npm says why a fetch failed (a TLS error such as
// SELF_SIGNED_CERT_IN_CHAIN when the machine's trust settings did not reach this process, a proxy,
// a timeout). Without that, `npm pack --silent` fails with empty stdout and stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NpmPackOptions {
  /** Per attempt. A cold cache fetches tens of megabytes; npm itself retries a fetch three times. */
  timeoutMs?: number;
  attempts?: number;
  log?: (line: string) => void;
}

/** npm's log folder: `npm config get logs-dir`, or its default under the cache. */
function logsDir(): string {
  const configured = spawnSync('npm', ['config', 'get', 'logs-dir'], { encoding: 'utf8', timeout: 30_000 });
  const value = configured.stdout?.trim();
  if (configured.status === 0 && value && value !== 'undefined' && value !== 'null') return value;
  return join(homedir(), '.npm', '_logs');
}

/** The last lines of npm's newest debug log written since `since` (ms), or '' when there is none. */
export function npmDebugLogTail(since: number, lines = 25): string {
  const dir = logsDir();
  if (!existsSync(dir)) return '';
  const newest = readdirSync(dir)
    .filter((name) => name.endsWith('-debug-0.log'))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .filter((log) => log.mtime >= since - 1_000)
    .sort((a, b) => b.mtime - a.mtime)[0];
  if (newest === undefined) return '';
  const tail = readFileSync(newest.path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `${newest.path} (last ${lines} lines):\n${tail}`;
}

/** Packs `spec` into `dir` and returns the tarball's file name; throws with npm's reasons. */
export function npmPack(spec: string, dir: string, options: NpmPackOptions = {}): string {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const attempts = options.attempts ?? 2;
  const failures: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const started = Date.now();
    const result = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', dir], {
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (result.status === 0) {
      const packed = JSON.parse(result.stdout) as { filename: string }[];
      const filename = packed.at(-1)?.filename;
      if (filename) return filename;
    }
    const why =
      result.error !== undefined
        ? `${result.error.message}${result.signal ? ` (killed by ${result.signal} after ${timeoutMs} ms)` : ''}`
        : `exit status ${result.status}`;
    failures.push(
      [
        `attempt ${attempt}/${attempts} of \`npm pack ${spec}\`: ${why} after ${Date.now() - started} ms`,
        result.stderr?.trim() ? `npm's stderr:\n${result.stderr.trim()}` : "npm's stderr: (empty)",
        npmDebugLogTail(started) || "npm's debug log: none written",
      ].join('\n'),
    );
    if (attempt < attempts) options.log?.(`npm pack ${spec} failed (${why}); trying again`);
  }
  const trust = process.env.NODE_EXTRA_CA_CERTS
    ? `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`
    : 'NODE_EXTRA_CA_CERTS is not set in this process (if the machine needs it for TLS, pass it through turbo.json)';
  throw new Error(`could not fetch ${spec} from the npm registry; ${trust}\n\n${failures.join('\n\n')}`);
}
