// Debian's container tools, installed where missing: the tests and scripts that need docker-compose,
// the Docker engine, the private registry or debootstrap install them with apt-get when they run
// as root (CI, a fresh machine), and otherwise say what to install.
import { canInstallDebianPackages, ensureDebianPackages as ensurePackages } from '@trio/testing/debian';

const commandOf: Record<string, string> = {
  'docker-compose': '/usr/bin/docker-compose',
  'docker.io': '/usr/sbin/dockerd',
  'docker-registry': '/usr/bin/docker-registry',
  debootstrap: '/usr/sbin/debootstrap',
};

export const canInstall = canInstallDebianPackages;

/** Installs the container tools that are missing (see @trio/testing/debian). */
export function ensureDebianPackages(packages: readonly (keyof typeof commandOf)[]): void {
  ensurePackages(packages.map((name) => ({ name, command: commandOf[name]! })));
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
