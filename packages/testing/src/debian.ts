// Debian packages a test or script needs and the project cannot get from npm (Chromium, the Docker
// engine, debootstrap…): installed with apt-get where missing and running as root (CI, a fresh
// machine of this kind), and otherwise named with the command that installs them.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** A Debian package and the executable that shows it is installed. */
export interface DebianPackage {
  name: string;
  command: string;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function canInstallDebianPackages(): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs the packages whose command is missing; throws, saying what to install, when it cannot. */
export function ensureDebianPackages(packages: readonly DebianPackage[]): void {
  const missing = packages.filter((pkg) => !isExecutable(pkg.command)).map((pkg) => pkg.name);
  if (missing.length === 0) return;
  if (!canInstallDebianPackages()) {
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
    // A package list too old for the mirror: refresh it once.
    execFileSync('apt-get', ['update'], { env, stdio: 'inherit' });
    install();
  }
}
