// Build, ship, run: the eight images built from the repository (`npm run images`), tagged
// `<registry>/trio-shop/<service>:<git short sha>` and `:latest` and pushed (`npm run ship`).
// Builds use the host's network (this workplace allows no bridge); the base image is whatever
// node:24-bookworm-slim the engine has, the real one or the local stand-in (base-image.ts).
import { execFileSync, spawn } from 'node:child_process';
import { docker, dockerOutput } from './docker.ts';
import { workspaceStage } from './dockerfile.ts';
import { images } from './services.ts';

export const repositoryRoot = new URL('../../../', import.meta.url).pathname;

export function gitShortSha(): string {
  return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  }).trim();
}

export const localName = (service: string, tag: string) => `trio-shop/${service}:${tag}`;
export const registryName = (registry: string, service: string, tag: string) =>
  `${registry.replace(/\/+$/, '')}/trio-shop/${service}:${tag}`;

/** `docker build` from the repository root on the host's network; logs how long it took. */
function build(args: readonly string[], what: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('docker', ['build', '--network', 'host', ...args, '.'], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      if (code === 0) {
        log(`built ${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        resolve();
      } else {
        reject(new Error(`docker build of ${what} failed (exit ${code}):\n${output.slice(-4000)}`));
      }
    });
  });
}

/**
 * Builds every image, `parallel` at a time; tags each `trio-shop/<service>:<tag>` and `:latest`.
 * The workspace stage that all eight Dockerfiles share (dockerfile.ts) is built first, alone: the
 * images then take it from the layer cache instead of each installing and building it again.
 */
export async function buildImages(tag: string, log: (line: string) => void, parallel = 2): Promise<void> {
  const [first] = images;
  if (first === undefined) return;
  await build(
    ['--target', workspaceStage, '-f', `services/${first.name}/Dockerfile`],
    `the ${workspaceStage} stage`,
    log,
  );
  const queue = images.map((spec) => spec.name);
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
        const tags = ['-t', localName(service, tag), '-t', localName(service, 'latest')];
        await build(['-f', `services/${service}/Dockerfile`, ...tags], localName(service, tag), log);
      }
    }),
  );
}

/** Tags the built images for `registry` (`:<tag>` and `:latest`) and pushes them. */
export function shipImages(registry: string, tag: string, log: (line: string) => void): void {
  for (const { name } of images) {
    for (const version of [tag, 'latest']) {
      docker(['tag', localName(name, tag), registryName(registry, name, version)]);
      // Quiet on success; on failure docker's own message is in the error (stderr is kept).
      execFileSync('docker', ['push', '--quiet', registryName(registry, name, version)], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    log(`pushed ${registryName(registry, name, tag)} (and :latest)`);
  }
}

export function imageSize(reference: string): number {
  return Number(dockerOutput(['image', 'inspect', '--format', '{{.Size}}', reference]));
}
