// `npm run trace` and `--observe` without a running shop: the spans file (append, rotation, reading
// back), a trace as a tree and its drawings, finding it by order id, trace id or as the newest
// checkout, the receiver writing the file from a real OTLP export, and Prometheus' generated
// configuration checked by promtool (Debian's prometheus package) where it is installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '@trio/service-runtime/otlp-receiver';
import { observeEnv, prometheusConfig } from '../src/observe.ts';
import { services } from '../src/services.ts';
import { readSpanRecords, rotatedPath, spanFileWriter } from '../src/spans-file.ts';
import {
  buildTree,
  findTraceId,
  lastCheckoutTraceId,
  renderHtml,
  renderText,
  transportOf,
} from '../src/trace-view.ts';

const traceCli = fileURLToPath(new URL('../src/trace.ts', import.meta.url));
const traceId = 'a'.repeat(32);
const orderId = '0b5d6a57-7a87-4a2f-9d5f-0a6f1d1c9e01';
const ms = (value: number) => BigInt(1_700_000_000_000 + value) * 1_000_000n;

/** A small checkout: storefront → billing (REST) → inventory (ZeroRPC), a query, an event. */
function checkoutSpans(id = traceId, at = 0) {
  const span = (
    spanId: string,
    parentSpanId: string | undefined,
    name: string,
    service: string,
    kind: number,
    from: number,
    to: number,
    attributes: Record<string, unknown> = {},
    status = 0,
  ) => ({
    traceId: id,
    spanId,
    parentSpanId,
    name,
    kind,
    service,
    attributes,
    links: [],
    events: [],
    status,
    startNs: ms(at + from),
    endNs: ms(at + to),
  });
  return [
    span('0000000000000001', undefined, 'POST /api/checkout', 'front-end', 2, 0, 120, {
      'http.request.method': 'POST',
      'http.route': '/api/checkout',
    }),
    span('0000000000000002', '0000000000000001', 'POST', 'front-end', 3, 5, 110, {
      'peer.service': 'billing',
    }),
    span('0000000000000003', '0000000000000002', 'POST /orders', 'billing', 2, 6, 108, {
      'http.request.method': 'POST',
    }),
    span('0000000000000004', '0000000000000003', 'checkout reserve stock', 'billing', 1, 10, 40, {
      'trio.order.id': orderId,
    }),
    span('0000000000000005', '0000000000000004', 'inventory/reserve', 'billing', 3, 11, 39, {
      'rpc.system': 'zerorpc',
    }),
    span('0000000000000006', '0000000000000005', 'inventory/reserve', 'inventory', 2, 12, 38, {
      'rpc.system': 'zerorpc',
    }),
    span('0000000000000007', '0000000000000006', 'pg.query:UPDATE', 'inventory', 3, 13, 20, {
      'db.system.name': 'postgresql',
    }),
    span('0000000000000008', '0000000000000003', 'publish order.confirmed', 'billing', 4, 100, 104, {
      'messaging.system': 'rabbitmq',
    }),
    span(
      '0000000000000009',
      '0000000000000008',
      'process order.confirmed',
      'shipping',
      5,
      105,
      130,
      {
        'messaging.system': 'rabbitmq',
        'error.type': 'ShipmentRefused',
      },
      2,
    ),
  ];
}

describe('npm run trace', () => {
  test('the spans file is appended to, rotated past its bound, and read back with the rotated part', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'trio-spans-')), 'spans.jsonl');
    const writer = spanFileWriter(path, 4_000);
    writer.append(checkoutSpans());
    const first = statSync(path).size;
    assert.ok(first > 1_000 && first < 4_000, `${first} bytes`);
    writer.append(checkoutSpans('b'.repeat(32), 1_000));
    assert.ok(existsSync(rotatedPath(path)), 'the first part rotated');
    assert.ok(statSync(path).size < 4_000);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"cut short`, { flag: 'w' });
    const records = readSpanRecords(path);
    assert.equal(records.length, 18, 'both parts, the broken line skipped');
    assert.equal(records[0]?.startNs, ms(0).toString());
  });

  test('a trace is one tree; found by trace id, by order id, or as the newest checkout; drawn with its error', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'trio-spans-')), 'spans.jsonl');
    spanFileWriter(path).append([...checkoutSpans(), ...checkoutSpans('c'.repeat(32), 5_000)]);
    const spans = readSpanRecords(path);
    assert.equal(findTraceId(spans, traceId.toUpperCase()), traceId);
    assert.equal(findTraceId(spans, orderId), traceId, 'the trace whose saga step names the order');
    assert.equal(findTraceId(spans, crypto.randomUUID()), undefined);
    assert.equal(lastCheckoutTraceId(spans), 'c'.repeat(32));

    const tree = buildTree(spans, traceId);
    assert.ok(tree);
    assert.equal(tree.roots.length, 1);
    assert.equal(tree.spans, 9);
    assert.deepEqual(tree.services, ['billing', 'front-end', 'inventory', 'shipping']);
    assert.deepEqual(tree.transports, ['amqp', 'http', 'postgresql', 'zerorpc']);
    assert.equal(tree.durationMs, 130);
    const text = renderText(tree, { width: 120, paint: (colour, line) => `<${colour}>${line}` });
    assert.match(text, /^<cyan>trace a{32}: 9 spans, 4 services \(billing, front-end, inventory, shipping\)/);
    assert.match(text, /\ninventory +zerorpc +inventory\/reserve +12\.0 +26\.0 +█/);
    assert.match(text, /<red>shipping +amqp .*process order\.confirmed.*✖ ShipmentRefused/);
    // The monolith's in-process event bus is its own transport, not AMQP.
    assert.equal(transportOf({ kind: 4, attributes: { 'messaging.system': 'trio.inproc' } }), 'in-process');
    const html = renderHtml(tree);
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script|https?:\/\//, 'self-contained');
    assert.match(html, /checkout reserve stock/);
  });

  test('the CLI draws an order’s trace, prints the tree as JSON, writes HTML, and says what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trio-spans-'));
    const path = join(dir, 'spans.jsonl');
    spanFileWriter(path).append(checkoutSpans());
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [traceCli, ...args, '--file', path], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    assert.match(run(orderId), /trace a{32}: 9 spans/);
    assert.match(run('--last'), /trace a{32}: 9 spans/);
    const short = run(traceId, '--hide', 'postgresql,redis');
    assert.doesNotMatch(short, /pg\.query/, 'the hidden transport is left out');
    assert.match(short, /inventory\/reserve/);
    const json = JSON.parse(run(traceId, '--json', '--html', join(dir, 'out.html')));
    assert.equal(json.roots[0].children[0].children[0].service, 'billing');
    assert.match(readFileSync(join(dir, 'out.html'), 'utf8'), /Trace <code>a{32}<\/code>/);
    assert.throws(() => run(crypto.randomUUID()), /no trace of .* give an order id or a trace id/s);
  });

  test('the receiver of --observe writes what an OTLP/HTTP JSON export sends into the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'trio-spans-')), 'spans.jsonl');
    const writer = spanFileWriter(path);
    const receiver = await startOtlpReceiver({ onSpans: (spans) => writer.append(spans) });
    try {
      const span = {
        traceId,
        spanId: '00000000000000aa',
        name: 'GET /',
        kind: 2,
        startTimeUnixNano: '1',
        endTimeUnixNano: '2000001',
      };
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'catalog' } }] },
            scopeSpans: [{ spans: [span] }],
          },
        ],
      };
      const reply = await fetch(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(reply.status, 200);
      const refused = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', body: 'x' });
      assert.equal(refused.status, 415);
      assert.deepEqual(
        readSpanRecords(path).map((record) => [record.service, record.name, record.endNs]),
        [['catalog', 'GET /', '2000001']],
      );
      assert.deepEqual(receiver.spans(), [], 'handed on, not kept');
    } finally {
      await receiver.close();
    }
  });

  test('--observe points the services at the receiver unless the user chose an endpoint', () => {
    assert.deepEqual(observeEnv({}, 'http://127.0.0.1:4318'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
    assert.equal(
      observeEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'x').OTEL_EXPORTER_OTLP_PROTOCOL,
      'http/json',
    );
    assert.deepEqual(observeEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'x'), {});
  });

  test('Prometheus’ generated configuration scrapes the eight /metrics ports and passes promtool', (t) => {
    const config = prometheusConfig(services);
    for (const port of [3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008])
      assert.match(config, new RegExp(`- 127\\.0\\.0\\.1:${port} `));
    if (!existsSync('/usr/bin/promtool')) {
      t.skip('promtool is not installed (sudo apt-get install prometheus)');
      return;
    }
    const file = join(mkdtempSync(join(tmpdir(), 'trio-prometheus-')), 'prometheus.yml');
    writeFileSync(file, config);
    assert.match(
      execFileSync('/usr/bin/promtool', ['check', 'config', file], { encoding: 'utf8' }),
      /SUCCESS/,
    );
  });
});
