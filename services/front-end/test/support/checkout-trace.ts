// One checkout through the storefront's API makes one trace: a single tree rooted at the storefront's
// request, with correct parent links, containing billing's REST server span, inventory's and
// shipping's ZeroRPC server spans, payment's REST server span, PostgreSQL spans, the order.confirmed
// publish and the process spans of inventory, shipping and recommendations; every log line of the
// storefront's checkout request carries the trace id. Run once per OTLP protocol (trace-*.test.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ApiCheckoutResponse } from '@trio/contracts/front-end';
import type { ReceivedSpan } from '@trio/service-runtime/otlp-receiver';
import { useTestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { address, type Storefront, startStorefront, successCard } from './shop.ts';
import { currentTracing } from './tracing-setup.ts';

const kind = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** The SERVER span a REST CLIENT span to `peer` led to. */
function restServer(spans: ReceivedSpan[], peer: string): ReceivedSpan | undefined {
  const calls = spans.filter((span) => span.kind === kind.client && span.attributes['peer.service'] === peer);
  return calls.flatMap((call) => childrenOf(spans, call)).find((span) => span.kind === kind.server);
}

/** The storefront's POST /api/checkout, as the http instrumentation or the runtime names it. */
function isCheckout(span: ReceivedSpan): boolean {
  const { attributes } = span;
  const path = attributes['http.route'] ?? attributes['url.path'] ?? attributes['http.target'];
  return span.name.startsWith('POST') && (path === '/api/checkout' || span.name === 'POST /api/checkout');
}

async function checkout(shop: Storefront) {
  const client = shop.browserClient();
  const email = `trace-${crypto.randomUUID()}@example.com`;
  const password = 'correct horse battery';
  await client.request('POST', '/api/users', { json: { email, password, name: 'Ada Trace' } });
  const sku = await shop.peers.product({ price: 1299, stock: 5 });
  await client.request('POST', '/api/cart/items', { json: { sku, qty: 1 } });
  const reply = await client.request('POST', '/api/checkout', {
    json: { address, shipping: 'standard', card: successCard },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  assert.equal(ApiCheckoutResponse.parse(reply.body).status, 'confirmed');
  return { requestId: reply.headers.get('x-request-id') ?? '' };
}

export function checkoutTraceTests(protocol: string): void {
  let shop: Storefront;
  useTestInfra(startStorefront, (made) => {
    shop = made.running;
  });
  after(async () => {
    await currentTracing().telemetry.shutdown();
    await currentTracing().receiver.close();
  });

  test(`one checkout is one trace across REST, ZeroRPC and AMQP (${protocol})`, async () => {
    const { receiver, telemetry } = currentTracing();
    const { requestId } = await checkout(shop);
    const root = await waitFor('the storefront checkout span', async () => {
      await telemetry.flush();
      return receiver
        .spans()
        .find((span) => span.kind === kind.server && span.parentSpanId === undefined && isCheckout(span));
    });
    const consumers = ['inventory', 'shipping', 'recommendations'];
    let spans: ReceivedSpan[] = [];
    const orphansOf = (all: ReceivedSpan[]) => {
      const ids = new Set(all.map((span) => span.spanId));
      return all.filter((span) => span !== root && !ids.has(span.parentSpanId ?? ''));
    };
    // A span is exported when it ends, so a child (a query) can arrive before the parent that
    // is still open: wait for the consumers and for every parent, then assert what is there.
    await waitFor('the consumers’ process spans and every parent', async () => {
      await telemetry.flush();
      spans = receiver.spans().filter((span) => span.traceId === root.traceId);
      const groups = spans
        .filter((span) => span.kind === kind.consumer && span.name === 'process order.confirmed')
        .map((span) => String(span.attributes['messaging.consumer.group.name']));
      const allConsumed = consumers.every((consumer) =>
        groups.some((group) => group.includes(`${consumer}.`)),
      );
      return allConsumed && orphansOf(spans).length === 0;
    }).catch(() => undefined); // the assertions below say what is missing

    // One tree: every span but the root has its parent in the trace.
    const orphans = orphansOf(spans);
    assert.deepEqual(
      orphans.map((span) => span.name),
      [],
      'spans whose parent is not in the trace',
    );
    assert.ok(restServer(spans, 'billing'), "billing's REST server span");
    assert.ok(restServer(spans, 'payment'), "payment's REST server span");
    const billing = restServer(spans, 'billing');
    for (const step of ['reserve stock', 'quote shipping', 'authorize payment', 'confirm']) {
      const span = spans.find((each) => each.name === `checkout ${step}`);
      assert.equal(
        span?.parentSpanId,
        billing?.spanId,
        `billing's saga step "${step}" under its REST server span`,
      );
    }
    for (const service of ['inventory', 'shipping']) {
      const served = spans.filter(
        (span) =>
          span.kind === kind.server &&
          span.attributes['rpc.system'] === 'zerorpc' &&
          span.attributes['rpc.service'] === service,
      );
      assert.ok(served.length > 0, `${service}'s ZeroRPC server span`);
      const caller = spans.find((span) => span.spanId === served[0]!.parentSpanId);
      assert.equal(
        caller?.kind,
        kind.client,
        `${service}'s server span is the child of a ZeroRPC client span`,
      );
    }
    (await import('node:fs')).writeFileSync(
      '/tmp/trace-debug.txt',
      spans.map((span) => `${span.name} ${span.kind} ${JSON.stringify(span.attributes)}`).join('\n'),
    );
    assert.ok(
      spans.some(
        (span) =>
          span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql',
      ),
      'PostgreSQL spans',
    );
    const publish = spans.find(
      (span) => span.kind === kind.producer && span.name === 'publish order.confirmed',
    );
    assert.ok(publish, 'the order.confirmed publish');
    for (const span of spans.filter((each) => each.name === 'process order.confirmed')) {
      assert.equal(span.parentSpanId, publish.spanId, 'each consumer continues the publish');
    }
    assert.ok(
      receiver.contentTypes().every((type) => type.includes(protocol === 'http/json' ? 'json' : 'protobuf')),
    );

    // The storefront's log lines of that request all carry the trace id.
    const lines = shop.capture.logs().filter((line) => line.requestId === requestId);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.equal(line.trace_id, root.traceId, String(line.msg));
  });
}
