// A picture of a load report for the docs: renders report.html in Debian's Chromium (the repo's
// browser harness) and saves a PNG of the whole page.
//   node scripts/screenshot.ts <report.html> <out.png>
import { htmlToPng } from '@trio/testing/browser';

const [report, out] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  console.error('usage: node scripts/screenshot.ts <report.html> <out.png>');
  process.exit(2);
}
console.log(`wrote ${await htmlToPng(report, out, { waitFor: 'canvas' })}`);
