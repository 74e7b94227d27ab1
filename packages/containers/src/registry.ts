// A private registry on loopback for the ship step of the container test: Debian's docker-registry
// with its own configuration (127.0.0.1:5000, storage in a temporary folder), stopped afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './tools.ts';

export interface LocalRegistry {
  /** `127.0.0.1:5000`: what image names start with. */
  address: string;
  stop(): Promise<void>;
}

export async function startRegistry(port = 5000): Promise<LocalRegistry> {
  ensureDebianPackages(['docker-registry']);
  const dir = mkdtempSync(join(tmpdir(), 'trio-registry-'));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const logFile = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', logFile, logFile],
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`http://${address}/v2/`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`docker-registry did not start on ${address}; see ${join(dir, 'registry.log')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
