// A real browser for page tests: Debian's Chromium driven by playwright-core (which downloads no
// browser of its own). Chromium is a Debian package, not an npm one: `ensureChromium()` installs it
// with apt-get where it is missing and the tests run as root (CI, a fresh machine of this kind),
// and otherwise says how to install it. CHROMIUM_PATH points at another build.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const defaultChromiumPath = '/usr/bin/chromium';

// Headless, and nothing that phones home: on a machine with a closed network Chromium's background
// connections would otherwise be refused by the dozen.
const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of a runnable Chromium, installing Debian's package when missing and allowed. */
export function ensureChromium(): string {
  const path = process.env.CHROMIUM_PATH ?? defaultChromiumPath;
  if (executable(path)) return path;
  if (process.env.CHROMIUM_PATH === undefined && process.getuid?.() === 0 && executable('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
        env,
        stdio: 'inherit',
      });
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { env, stdio: 'inherit' });
      install();
    }
    if (executable(path)) return path;
  }
  throw new Error(
    `No Chromium at ${path}. Install Debian's package (sudo apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH.`,
  );
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs });
}

/** Saves a full-page screenshot as a test artifact: `.test-results/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(process.cwd(), '.test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
