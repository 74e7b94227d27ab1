// A trace from the spans file as a tree, and that tree drawn: a waterfall in the terminal, JSON, or
// a self-contained HTML page (`npm run trace`, trace.ts).
import type { SpanRecord } from './spans-file.ts';

export type Transport = 'http' | 'zerorpc' | 'amqp' | 'in-process' | 'postgresql' | 'redis' | 'internal';

export interface TraceNode {
  spanId: string;
  name: string;
  service: string;
  transport: Transport;
  /** server, client, producer, consumer or internal. */
  kind: string;
  /** Milliseconds from the trace's first span. */
  startMs: number;
  durationMs: number;
  error: boolean;
  /** The status message or error.type of a failed span. */
  errorText?: string;
  /** Its parent is not in the file (not exported yet, or lost). */
  orphan: boolean;
  attributes: Record<string, unknown>;
  children: TraceNode[];
}

export interface TraceTree {
  traceId: string;
  /** The first span's start, ISO 8601. */
  startedAt: string;
  durationMs: number;
  spans: number;
  services: string[];
  transports: Transport[];
  /** Transports whose spans the drawing leaves out (`--hide`). */
  hidden?: string[];
  roots: TraceNode[];
}

const kinds = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function transportOf(span: Pick<SpanRecord, 'attributes' | 'kind'>): Transport {
  const attributes = span.attributes;
  const db = attributes['db.system.name'] ?? attributes['db.system'];
  if (attributes['rpc.system'] === 'zerorpc') return 'zerorpc';
  // The monolith's in-process event bus (`AMQP_URL=inproc://events`) says trio.inproc.
  if (attributes['messaging.system'] === 'trio.inproc') return 'in-process';
  if (attributes['messaging.system'] !== undefined) return 'amqp';
  if (db === 'postgresql' || db === 'redis') return db;
  const http = ['http.request.method', 'http.method', 'http.route', 'url.full', 'peer.service'];
  if (http.some((key) => attributes[key] !== undefined)) return 'http';
  return 'internal';
}

const nsToMs = (ns: bigint) => Number(ns / 1000n) / 1000;

/** The newest span's trace that matches: a trace id, or an order id (a span attribute's value). */
export function findTraceId(spans: readonly SpanRecord[], wanted: string): string | undefined {
  const id = wanted.trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(id)) return spans.some((span) => span.traceId === id) ? id : undefined;
  const matches = spans.filter(
    (span) =>
      span.attributes['trio.order.id'] === id ||
      Object.values(span.attributes).some((value) => typeof value === 'string' && value.includes(id)),
  );
  // The placing checkout's trace: a saga step of the order, else the oldest mention.
  const step = matches.find((span) => span.attributes['trio.order.id'] === id);
  return (step ?? matches[0])?.traceId;
}

/** The storefront's (or billing's) request that placed an order. */
function isCheckoutRoot(span: SpanRecord): boolean {
  const path = String(span.attributes['http.route'] ?? span.attributes['url.path'] ?? span.name);
  return span.parentSpanId === undefined && span.name.startsWith('POST') && /checkout|\/orders$/.test(path);
}

/** The trace of the newest checkout in the file. */
export function lastCheckoutTraceId(spans: readonly SpanRecord[]): string | undefined {
  let newest: SpanRecord | undefined;
  for (const span of spans)
    if (isCheckoutRoot(span) && (newest === undefined || BigInt(span.startNs) > BigInt(newest.startNs)))
      newest = span;
  return newest?.traceId;
}

export function buildTree(spans: readonly SpanRecord[], traceId: string): TraceTree | undefined {
  // A span exported twice (a retried export) counts once.
  const byId = new Map(spans.filter((span) => span.traceId === traceId).map((span) => [span.spanId, span]));
  const members = [...byId.values()];
  if (members.length === 0) return undefined;
  const start = members.reduce(
    (min, span) => (BigInt(span.startNs) < min ? BigInt(span.startNs) : min),
    BigInt(members[0]!.startNs),
  );
  const end = members.reduce((max, span) => (BigInt(span.endNs) > max ? BigInt(span.endNs) : max), 0n);
  const nodes = new Map<string, TraceNode>();
  for (const span of members) {
    const error = span.status === 2;
    const errorText = span.statusMessage ?? (span.attributes['error.type'] as string | undefined);
    nodes.set(span.spanId, {
      spanId: span.spanId,
      name: span.name,
      service: span.service,
      transport: transportOf(span),
      kind: kinds[span.kind] ?? String(span.kind),
      startMs: nsToMs(BigInt(span.startNs) - start),
      durationMs: nsToMs(BigInt(span.endNs) - BigInt(span.startNs)),
      error,
      ...(error && errorText !== undefined ? { errorText } : {}),
      orphan: span.parentSpanId !== undefined && !byId.has(span.parentSpanId),
      attributes: span.attributes,
      children: [],
    });
  }
  const roots: TraceNode[] = [];
  for (const span of members) {
    const node = nodes.get(span.spanId)!;
    const parent = span.parentSpanId === undefined ? undefined : nodes.get(span.parentSpanId);
    (parent?.children ?? roots).push(node);
  }
  const byStart = (a: TraceNode, b: TraceNode) => a.startMs - b.startMs;
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  const list = [...nodes.values()];
  return {
    traceId,
    startedAt: new Date(Number(start / 1_000_000n)).toISOString(),
    durationMs: nsToMs(end - start),
    spans: list.length,
    services: [...new Set(list.map((node) => node.service))].sort(),
    transports: [...new Set(list.map((node) => node.transport))].filter((t) => t !== 'internal').sort(),
    roots,
  };
}

/**
 * The tree without the spans of `hidden` transports (e.g. postgresql and redis, for a shorter
 * picture): their children move up to the nearest kept ancestor. The summary still counts them.
 */
export function hideTransports(tree: TraceTree, hidden: readonly string[]): TraceTree {
  if (hidden.length === 0) return tree;
  const prune = (nodes: TraceNode[]): TraceNode[] =>
    nodes
      .flatMap((node) =>
        hidden.includes(node.transport)
          ? prune(node.children)
          : [{ ...node, children: prune(node.children) }],
      )
      .sort((a, b) => a.startMs - b.startMs);
  return { ...tree, hidden: [...hidden], roots: prune(tree.roots) };
}

/** Every node, depth first, with its depth. */
export function flatten(tree: TraceTree): { node: TraceNode; depth: number }[] {
  const rows: { node: TraceNode; depth: number }[] = [];
  const walk = (node: TraceNode, depth: number) => {
    rows.push({ node, depth });
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of tree.roots) walk(root, 0);
  return rows;
}

export function summaryLine(tree: TraceTree): string {
  return (
    `trace ${tree.traceId}: ${tree.spans} spans, ${tree.services.length} services ` +
    `(${tree.services.join(', ')}), transports ${tree.transports.join(', ')}, ` +
    `${tree.durationMs.toFixed(1)} ms, ${tree.roots.length === 1 ? 'one tree' : `${tree.roots.length} roots`}` +
    (tree.hidden === undefined ? '' : ` (${tree.hidden.join(', ')} spans not drawn)`)
  );
}

const ms = (value: number) =>
  value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);

export interface TextOptions {
  /** Terminal columns. */
  width: number;
  paint: (colour: 'red' | 'dim' | 'bold' | 'cyan', text: string) => string;
}

/** The waterfall: one line a span, indented by parent, its bar placed on the trace's time line. */
export function renderText(tree: TraceTree, options: TextOptions): string {
  const rows = flatten(tree);
  const serviceWidth = Math.max(7, ...tree.services.map((service) => service.length));
  const labels = rows.map(({ node, depth }) => `${'  '.repeat(depth)}${node.orphan ? '⤷ ' : ''}${node.name}`);
  const labelWidth = Math.min(56, Math.max(9, ...labels.map((label) => label.length)));
  const fixed = serviceWidth + 10 + labelWidth + 9 + 9 + 6;
  const barWidth = Math.max(10, options.width - fixed);
  const scale = tree.durationMs > 0 ? barWidth / tree.durationMs : 0;
  const header = `${'service'.padEnd(serviceWidth)}  ${'transport'.padEnd(10)}${'operation'.padEnd(labelWidth)}  ${'start ms'.padStart(8)} ${'took ms'.padStart(8)}  timeline`;
  const lines = rows.map(({ node }, index) => {
    const from = Math.min(barWidth - 1, Math.floor(node.startMs * scale));
    const length = Math.max(1, Math.min(barWidth - from, Math.round(node.durationMs * scale)));
    const bar = `${' '.repeat(from)}${'█'.repeat(length)}`;
    const label = (labels[index] ?? '').slice(0, labelWidth).padEnd(labelWidth);
    const line =
      `${node.service.padEnd(serviceWidth)}  ${node.transport.padEnd(10)}${label}  ` +
      `${ms(node.startMs).padStart(8)} ${ms(node.durationMs).padStart(8)}  ${bar}`;
    return node.error
      ? options.paint('red', `${line}  ✖ ${node.errorText ?? 'error'}`)
      : node.transport === 'internal'
        ? options.paint('bold', line)
        : line;
  });
  return [options.paint('cyan', summaryLine(tree)), options.paint('dim', header), ...lines].join('\n');
}

/** The tree as JSON: nested spans, times in milliseconds from the trace's start. */
export function renderJson(tree: TraceTree): string {
  return JSON.stringify(tree, null, 2);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const transportColours: Record<Transport, string> = {
  http: '#2f6fde',
  zerorpc: '#d2691e',
  amqp: '#2e9d57',
  'in-process': '#0e8a8a',
  postgresql: '#7b57c8',
  redis: '#c8323c',
  internal: '#6b7280',
};

/** A self-contained HTML page (no script, no external resource) with the waterfall. */
export function renderHtml(tree: TraceTree): string {
  const total = tree.durationMs > 0 ? tree.durationMs : 1;
  const rows = flatten(tree)
    .map(({ node, depth }) => {
      const left = ((node.startMs / total) * 100).toFixed(3);
      const width = Math.max(0.2, (node.durationMs / total) * 100).toFixed(3);
      const colour = node.error ? '#d11' : transportColours[node.transport];
      return `<tr class="${node.error ? 'error' : ''}">
<td class="service">${escapeHtml(node.service)}</td>
<td><span class="tag" style="background:${colour}">${node.transport}</span></td>
<td class="name" style="padding-left:${0.4 + depth * 1.1}em">${escapeHtml(node.name)}${node.error ? ` <b>✖ ${escapeHtml(node.errorText ?? 'error')}</b>` : ''}</td>
<td class="num">${ms(node.startMs)}</td><td class="num">${ms(node.durationMs)}</td>
<td class="lane"><div class="bar" style="left:${left}%;width:${width}%;background:${colour}"></div></td>
</tr>`;
    })
    .join('\n');
  const legend = Object.entries(transportColours)
    .map(([name, colour]) => `<span class="tag" style="background:${colour}">${name}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trace ${tree.traceId}</title>
<style>
body{font:13px/1.35 system-ui,sans-serif;margin:20px;color:#1f2328;background:#fff}
h1{font-size:17px;margin:0 0 4px}p{margin:0 0 10px;color:#57606a}
table{border-collapse:collapse;width:100%}th,td{padding:2px 6px;white-space:nowrap}
th{text-align:left;border-bottom:1px solid #d0d7de;font-weight:600}
tr:nth-child(even){background:#f6f8fa}tr.error td{color:#b00}
.num{text-align:right;font-variant-numeric:tabular-nums}.service{font-weight:600}
.name{font-family:ui-monospace,monospace;font-size:12px}
.tag{color:#fff;border-radius:3px;padding:0 5px;font-size:11px}
.lane{position:relative;width:45%;min-width:300px}.bar{position:absolute;top:4px;height:12px;border-radius:2px}
</style></head><body>
<h1>Trace <code>${tree.traceId}</code></h1>
<p>${tree.spans} spans · ${tree.services.length} services (${escapeHtml(tree.services.join(', '))}) · transports ${tree.transports.join(', ')} · ${ms(tree.durationMs)} ms · started ${tree.startedAt}${tree.hidden === undefined ? '' : ` · ${escapeHtml(tree.hidden.join(', '))} spans not drawn`}</p>
<p>${legend}</p>
<table><thead><tr><th>service</th><th>transport</th><th>operation</th><th class="num">start ms</th><th class="num">took ms</th><th>timeline (${ms(tree.durationMs)} ms)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
