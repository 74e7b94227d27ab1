// `npm run bench:shop`: the storefront's read paths against a baseline measured in the same run.
// Starts nothing of the shop (point it at one: npm start, or `npm run shop -w @trio/load`); starts
// a bare express server serving an 8 kB page as the baseline. Each path gets `--connections`
// keep-alive clients for `--seconds`, as autocannon would; the table shows requests per second,
// the ratio to the bare server and the target from issue 14. Then the front-end's resident memory
// (from its /metrics) against its value before the run. Figures, not assertions: it always exits 0.
//   npm run bench:shop -- [--target http://127.0.0.1:8080] [--admin http://127.0.0.1:3008]
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { parseOptions, resolveTarget } from '../src/options.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'http://127.0.0.1:8080' },
    admin: { type: 'string', default: 'http://127.0.0.1:3008' },
    connections: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '8' },
  },
});
const { target } = await resolveTarget(parseOptions(['--target', values.target]));
const connections = Number(values.connections);
const seconds = Number(values.seconds);

/** Requests per second answered 200 at `url` by `connections` clients back to back for `seconds`. */
async function throughput(url: string): Promise<{ rate: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const end = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const outgoing = request(url, { agent }, (incoming) => {
        incoming.resume();
        incoming.on('end', () => {
          if (incoming.statusCode === 200) ok++;
          else failed++;
          resolve();
        });
      });
      outgoing.on('error', () => {
        failed++;
        resolve();
      });
      outgoing.end();
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await once();
    }),
  );
  agent.destroy();
  return { rate: Math.round(ok / seconds), failed };
}

/** A sample of the front-end's /metrics (the first whose labels contain `labels`), or undefined. */
async function metric(name: string, labels = ''): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${values.admin}/metrics`)).text();
    const value = new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? ([\\d.e+-]+)`, 'm').exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** A gauge of the front-end's /metrics in MB: resident memory, V8's heap size and use. */
async function memoryMb(gauge = 'process_resident_memory_bytes'): Promise<number | undefined> {
  const bytes = await metric(gauge);
  return bytes === undefined ? undefined : Math.round(bytes / 1048576);
}

/** The front-end's CPU seconds and V8's full (mark-compact) collections so far: what memory costs. */
const gcWork = async () => ({
  cpu: await metric('process_cpu_seconds_total'),
  full: await metric('nodejs_gc_duration_seconds_count', 'kind="major"'),
});
const residentMb = () => memoryMb();

/** V8's heap by space ("new 3/48, old 40/120, …"): which space keeps what it grew to. */
async function heapSpaces(): Promise<string> {
  try {
    const text = await (await fetch(`${values.admin}/metrics`)).text();
    const mb = (name: string, space: string) =>
      Math.round(
        Number(new RegExp(`^${name}\\{[^}]*space="${space}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0) /
          1048576,
      );
    const spaces = [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{[^}]*space="([a-z_]+)"/gm)].map(
      (m) => m[1]!,
    );
    return spaces
      .map((space) => ({
        space,
        used: mb('nodejs_heap_space_size_used_bytes', space),
        size: mb('nodejs_heap_space_size_total_bytes', space),
      }))
      .filter(({ size }) => size > 0)
      .map(({ space, used, size }) => `${space} ${used}/${size}`)
      .join(', ');
  } catch {
    return 'no /metrics';
  }
}

const page = `<!doctype html><html><body>${'<p>Trio Shop baseline paragraph of text.</p>'.repeat(190)}</body></html>`;
const bare = express();
bare.get('/', (_req, res) => {
  res.type('html').send(page);
});
const server = bare.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const categories = (await (await fetch(`${target}/api/categories`)).json()) as { items: { slug: string }[] };
const products = (await (await fetch(`${target}/api/products?page=1`)).json()) as {
  items: { sku: string }[];
};
const category = categories.items[0]?.slug ?? 'kitchen';
const sku = products.items[0]?.sku ?? 'NONE';

const idleMb = await residentMb();
const idleSpaces = await heapSpaces();
const idleWork = await gcWork();
const rows: [string, string, number | undefined][] = [
  ['bare express, 8 kB page', bareUrl, undefined],
  ['home page /', `${target}/`, 0.5],
  [`category page /c/${category}`, `${target}/c/${category}`, 0.5],
  [`product page /p/${sku}`, `${target}/p/${sku}`, 0.25],
  ['search page /search?q=atlas', `${target}/search?q=atlas`, 0.2],
  [`API /api/products/${sku}`, `${target}/api/products/${sku}`, undefined],
];
console.log(`${connections} connections, ${seconds} s each, against ${target}\n`);
console.log(
  `${'path'.padEnd(34)}${'req/s'.padStart(8)}${'ratio'.padStart(8)}${'target'.padStart(9)}  failed`,
);
let baseline = 0;
let served = 0;
for (const [name, url, goal] of rows) {
  const { rate, failed } = await throughput(url);
  if (baseline === 0) baseline = rate;
  else served += rate * seconds;
  const ratio = rate / baseline;
  const verdict = goal === undefined ? '' : ratio >= goal ? ' ✔' : ' ✘';
  console.log(
    `${name.padEnd(34)}${String(rate).padStart(8)}${`${ratio.toFixed(3)}×`.padStart(8)}` +
      `${goal === undefined ? '–'.padStart(9) : `≥ ${goal}×`.padStart(9)}  ${failed}${verdict}`,
  );
}
server.close();
const afterMb = await residentMb();
if (idleMb !== undefined && afterMb !== undefined) {
  const ratio = afterMb / idleMb;
  console.log(
    `\nfront-end resident memory: ${idleMb} MB before, ${afterMb} MB after (${ratio.toFixed(2)}×, target ≤ 1.5×)${ratio <= 1.5 ? ' ✔' : ' ✘'}`,
  );
  // Resident memory far above the heap in use is V8 keeping the heap it grew to, not a leak.
  const heapTotal = await memoryMb('nodejs_heap_size_total_bytes');
  const heapUsed = await memoryMb('nodejs_heap_size_used_bytes');
  console.log(`front-end V8 heap after: ${heapUsed} MB used of ${heapTotal} MB`);
  console.log(`front-end V8 heap spaces, MB used/size: idle ${idleSpaces}; after ${await heapSpaces()}`);
  const work = await gcWork();
  const fullGcs = (work.full ?? 0) - (idleWork.full ?? 0);
  if (work.cpu !== undefined && idleWork.cpu !== undefined && served > 0) {
    const perRequest = ((work.cpu - idleWork.cpu) * 1e6) / served;
    console.log(
      `front-end during the run: ${perRequest.toFixed(0)} µs CPU per request (all threads), ${fullGcs} full collections`,
    );
  }
} else console.log(`\nfront-end memory: no /metrics at ${values.admin}`);
