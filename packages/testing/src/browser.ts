// A real browser for page tests: Debian's Chromium driven by playwright-core (which downloads no
// browser of its own). Chromium is a Debian package, not an npm one: `ensureChromium()` installs it
// with apt-get where it is missing and the tests run as root (CI, a fresh machine of this kind),
// and otherwise says how to install it. CHROMIUM_PATH points at another build.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { canInstallDebianPackages, ensureDebianPackages, isExecutable } from './debian.ts';

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

/** The path of a runnable Chromium, installing Debian's package when missing and allowed. */
export function ensureChromium(): string {
  const path = process.env.CHROMIUM_PATH ?? defaultChromiumPath;
  if (isExecutable(path)) return path;
  if (process.env.CHROMIUM_PATH === undefined && canInstallDebianPackages()) {
    ensureDebianPackages([{ name: 'chromium', command: path }]);
    if (isExecutable(path)) return path;
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

/**
 * A PNG of a whole local HTML page (the docs' pictures of a load report or a trace); `waitFor`, a
 * selector that must be there first (a chart drawn by a script). Returns the PNG's path.
 */
export async function htmlToPng(
  html: string,
  png: string,
  options: { width?: number; height?: number; waitFor?: string } = {},
): Promise<string> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({
      viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
      deviceScaleFactor: 1,
    });
    await page.goto(pathToFileURL(resolve(html)).href);
    if (options.waitFor !== undefined) await page.locator(options.waitFor).first().waitFor();
    await page.screenshot({ path: resolve(png), fullPage: true });
    return resolve(png);
  } finally {
    await browser.close();
  }
}
