// Builds the local stand-in for node:24-bookworm-slim (see src/base-image.ts); `--force` rebuilds it.

import { ensureBaseImage } from '../src/base-image.ts';
import { ensureEngine } from '../src/docker.ts';

const log = (line: string) => console.log(`base-image: ${line}`);
const engine = await ensureEngine(log);
try {
  ensureBaseImage({ force: process.argv.includes('--force'), log });
} finally {
  await engine.stop();
}
