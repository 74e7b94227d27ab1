// Writes services/<name>/Dockerfile for every service from the template (src/dockerfile.ts).
import { writeFileSync } from 'node:fs';
import { dockerfileFor } from '../src/dockerfile.ts';
import { images } from '../src/services.ts';

const root = new URL('../../../', import.meta.url);
for (const spec of images) {
  const path = new URL(`services/${spec.name}/Dockerfile`, root);
  writeFileSync(path, dockerfileFor(spec));
  console.log(`wrote ${path.pathname}`);
}
