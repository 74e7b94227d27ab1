// Debian's container tools, installed where missing: the tests and scripts that need docker-compose,
// the Docker engine, the private registry or debootstrap install them with apt-get when they run
// as root (CI, a fresh machine), and otherwise say what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const commandOf: Record<string, string> = {
  'docker-compose': '/usr/bin/docker-compose',
  'docker.io': '/usr/bin/dockerd',
  'docker-registry': '/usr/bin/docker-registry',
  debootstrap: '/usr/sbin/debootstrap',
};

function installed(pkg: string): boolean {
  try {
    accessSync(commandOf[pkg] ?? `/usr/bin/${pkg}`, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function canInstall(): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
}

/** Installs the Debian packages that are missing; throws (with what to do) when it cannot. */
export function ensureDebianPackages(packages: readonly string[]): void {
  const missing = packages.filter((pkg) => !installed(pkg));
  if (missing.length === 0) return;
  if (!canInstall()) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')} (sudo apt-get install --no-install-recommends ${missing.join(' ')})`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      env,
      stdio: 'inherit',
    });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'inherit' });
    install();
  }
}

/** Debian's mirror as this machine's apt sources name it (never written into the project). */
export function debianMirror(sources: string): string | undefined {
  // deb822 (.sources): "URIs: http://…" with "Suites: bookworm …"; one-line: "deb http://… bookworm main"
  for (const stanza of sources.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
    if (uri !== undefined && suites.includes('bookworm')) return uri;
  }
  for (const line of sources.split('\n')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line.trim());
    if (match) return match[1];
  }
  return undefined;
}
