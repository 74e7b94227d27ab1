// `npm run images`: builds the eight images, tagged trio-shop/<service>:<git short sha> and :latest.
// Needs a Docker engine (one is started, bridge-less, where none answers and this runs as root) and
// node:24-bookworm-slim (built locally from Debian and npm where no registry can provide it).
import { ensureBaseImage } from '../src/base-image.ts';
import { ensureEngine } from '../src/docker.ts';
import { buildImages, gitShortSha, imageSize, localName } from '../src/images.ts';
import { images } from '../src/services.ts';

const log = (line: string) => console.log(`images: ${line}`);
const engine = await ensureEngine(log);
try {
  ensureBaseImage({ log });
  const tag = gitShortSha();
  await buildImages(tag, log);
  for (const { name } of images) {
    log(`${localName(name, tag).padEnd(40)} ${(imageSize(localName(name, tag)) / 1e6).toFixed(0)} MB`);
  }
} finally {
  await engine.stop();
}
