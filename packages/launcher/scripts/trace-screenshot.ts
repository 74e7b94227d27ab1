// Renders a `npm run trace -- --html` page to a PNG with Debian's Chromium (the repo's browser
// harness), for the docs' picture of a checkout trace:
//
//   npm run trace -- <orderId> --html /tmp/trace.html
//   node packages/launcher/scripts/trace-screenshot.ts /tmp/trace.html docs/trace.png
import { htmlToPng } from '@trio/testing/browser';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node scripts/trace-screenshot.ts <trace.html> <out.png>');
  process.exit(2);
}
console.log(`wrote ${await htmlToPng(input, output, { height: 600 })}`);
