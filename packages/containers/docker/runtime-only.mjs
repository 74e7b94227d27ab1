// Run inside an image's build stage, after the build: keeps only what `<service>` needs at run
// time. turbo prune follows devDependencies too, so a service whose tests start other services
// (billing, front-end) would otherwise ship those and the test harnesses with their dependencies.
// Removes every workspace outside the service's production closure and every devDependencies
// list, so that the `npm prune --omit=dev` that follows drops what only they needed.
//   node runtime-only.mjs billing
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const service = process.argv[2];
const manifest = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const dirs = new Map();
for (const group of ['packages', 'services']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    if (existsSync(join(dir, 'package.json'))) dirs.set(manifest(dir).name, dir);
  }
}
const keep = new Set();
const queue = [`@trio/${service}`];
while (queue.length > 0) {
  const name = queue.pop();
  if (keep.has(name) || !dirs.has(name)) continue;
  keep.add(name);
  for (const dependency of Object.keys(manifest(dirs.get(name)).dependencies ?? {})) {
    if (dependency.startsWith('@trio/')) queue.push(dependency);
  }
}
for (const [name, dir] of dirs) {
  if (!keep.has(name)) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join('node_modules', name), { recursive: true, force: true });
    continue;
  }
  const pkg = manifest(dir);
  delete pkg.devDependencies;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}
console.log(`runtime-only: kept ${[...keep].sort().join(', ')}`);
