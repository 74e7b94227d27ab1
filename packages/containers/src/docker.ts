// The Docker engine for the container test and the image scripts: one that answers, or one started
// here as this workplace allows it: no bridge, no iptables, no masquerading, so that no network with
// a private address range is ever made (every container and build then uses the host's network).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './tools.ts';

export function engineAnswers(): boolean {
  return (
    spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5_000 })
      .status === 0
  );
}

export interface Engine {
  /** Stops the engine if this process started it (by its pid); leaves one it found alone. */
  stop(): Promise<void>;
}

export async function ensureEngine(log: (line: string) => void): Promise<Engine> {
  if (engineAnswers()) return { stop: async () => undefined };
  ensureDebianPackages(['docker.io']);
  const logFile = join(tmpdir(), `trio-dockerd-${process.pid}.log`);
  log(`starting dockerd (log: ${logFile})`);
  const dockerd = spawn('dockerd', ['--bridge=none', '--iptables=false', '--ip-masq=false'], {
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
    detached: true,
  });
  const deadline = Date.now() + 60_000;
  while (!engineAnswers()) {
    if (dockerd.exitCode !== null || Date.now() > deadline)
      throw new Error(`dockerd did not start; see ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    async stop() {
      const exited = new Promise((resolve) => dockerd.once('exit', resolve));
      dockerd.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    },
  };
}

/** Runs docker with the arguments, output to the terminal; throws on failure. */
export function docker(args: readonly string[], options: { cwd?: string; input?: string } = {}): void {
  execFileSync('docker', args, {
    stdio: options.input === undefined ? 'inherit' : ['pipe', 'inherit', 'inherit'],
    ...options,
  });
}

/** docker's output, trimmed. */
export function dockerOutput(args: readonly string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

export function imageExists(reference: string): boolean {
  return spawnSync('docker', ['image', 'inspect', reference], { stdio: 'ignore' }).status === 0;
}
