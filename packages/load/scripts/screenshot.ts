// A picture of a load report for the docs: renders report.html in Debian's Chromium (the repo's
// browser harness) and saves a PNG of the whole page.
//   node scripts/screenshot.ts <report.html> <out.png>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '@trio/testing/browser';

const [report, out] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  console.error('usage: node scripts/screenshot.ts <report.html> <out.png>');
  process.exit(2);
}
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.locator('canvas').first().waitFor();
  await page.screenshot({ path: resolve(out), fullPage: true });
  console.log(`wrote ${resolve(out)}`);
} finally {
  await browser.close();
}
