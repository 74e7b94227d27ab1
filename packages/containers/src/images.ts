// Build, ship, run: the eight images built from the repository (`npm run images`), tagged
// `<registry>/trio-shop/<service>:<git short sha>` and `:latest` and pushed (`npm run ship`).
// Builds use the host's network (this workplace allows no bridge); the base image is whatever
// node:24-bookworm-slim the engine has, the real one or the local stand-in (base-image.ts).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { docker, dockerOutput } from './docker.ts';
import { workspaceStage } from './dockerfile.ts';
import { images } from './services.ts';

export const repositoryRoot = new URL('../../../', import.meta.url).pathname;

const execFileAsync = promisify(execFile);

/** Runs `task` for every item, `parallel` at a time (a queue of a few docker commands). */
async function eachInParallel<T>(
  items: readonly T[],
  parallel: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        try {
          await task(item);
        } catch (error) {
          queue.length = 0; // the first failure ends the run: the other workers take nothing more
          throw error;
        }
      }
    }),
  );
}

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
  await eachInParallel(images, parallel, async ({ name }) => {
    const tags = ['-t', localName(name, tag), '-t', localName(name, 'latest')];
    await build(['-f', `services/${name}/Dockerfile`, ...tags], localName(name, tag), log);
  });
}

/**
 * Tags the built images for `registry` (`:<tag>` and `:latest`) and pushes them, `parallel` images
 * at a time: the engine compresses a layer on one core, so two pushes keep both cores busy.
 */
export async function shipImages(
  registry: string,
  tag: string,
  log: (line: string) => void,
  parallel = 2,
): Promise<void> {
  await eachInParallel(images, parallel, async ({ name }) => {
    for (const version of [tag, 'latest']) {
      docker(['tag', localName(name, tag), registryName(registry, name, version)]);
      // Quiet on success; on failure docker's own message is in the error (stderr is kept).
      await execFileAsync('docker', ['push', '--quiet', registryName(registry, name, version)]);
    }
    log(`pushed ${registryName(registry, name, tag)} (and :latest)`);
  });
}

export function imageSize(reference: string): number {
  return Number(dockerOutput(['image', 'inspect', '--format', '{{.Size}}', reference]));
}
