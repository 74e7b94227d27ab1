// The top frames of CPU profiles (node --cpu-prof), by self time: for each service directory under
// DIR (as `npm run shop -w @trio/load -- --cpu-prof DIR` writes them), the busy time and the
// functions that took most of it. Also by module (package or file), which is often the clearer view.
// Natives and node's own modules (writev, crypto jobs) count in "by module" for the package that
// called them. `--since` and
// `--until` (epoch ms) keep the samples of a time window only: the run under load, without the
// start-up's module loading and the stop (the profile's end is the file's modification time).
//   node scripts/profile-top.ts DIR [--top 8] [--since MS] [--until MS]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '8' },
    since: { type: 'string', default: '0' },
    until: { type: 'string', default: String(Number.MAX_SAFE_INTEGER) },
  },
});
const dir = positionals[0];
if (dir === undefined) {
  console.error('usage: node scripts/profile-top.ts DIR [--top 8]');
  process.exit(2);
}
const top = Number(values.top);
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);

/** A file URL shortened to the package and file: `express/lib/router.js`, `front-end/dist/app.js`. */
function where(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length);
  const workspace = /\/(packages|services)\/(.+)$/.exec(path);
  return workspace === null ? path || '(native)' : workspace[2]!;
}
const moduleOf = (url: string) => {
  const place = where(url);
  if (place.startsWith('node:')) return place;
  const parts = place.split('/');
  return place.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? place);
};

function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  /** The module of the nearest frame outside node itself: who made a native or node: call. */
  const callerModule = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      if (url !== '' && !url.startsWith('node:')) return moduleOf(url);
    }
    return moduleOf(byId.get(id)!.callFrame.url);
  };
  // Sample times are µs of a monotonic clock ending at endTime, when the file was written.
  const endWall = statSync(file).mtimeMs;
  const since = Number(values.since);
  const until = Number(values.until);
  let at = profile.startTime;
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  let busy = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    const wall = endWall - (profile.endTime - at) / 1000;
    if (wall < since || wall > until) return;
    const frame = byId.get(id)!.callFrame;
    total += micros;
    if (frame.functionName === '(garbage collector)') gc += micros;
    if (idle.has(frame.functionName)) return;
    busy += micros;
    const name = `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + micros);
    const module = callerModule(id);
    modules.set(module, (modules.get(module) ?? 0) + micros);
  });
  const seconds = (micros: number) => (micros / 1e6).toFixed(2);
  const share = (micros: number) => `${((micros / Math.max(1, busy)) * 100).toFixed(1)}%`.padStart(6);
  console.log(`${file}\n  busy ${seconds(busy)} s of ${seconds(total)} s sampled, GC ${seconds(gc)} s`);
  for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${share(micros)}  ${name}`);
  }
  const heaviest = [...modules].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(
    `  by module: ${heaviest.map(([name, micros]) => `${name} ${share(micros).trim()}`).join(', ')}`,
  );
}

function profiles(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.cpuprofile') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => profiles(join(path, entry)));
}
for (const file of profiles(dir)) summarize(file);
