// ZeroRPC spans: a CLIENT span per call and a SERVER span per handled call, after OpenTelemetry's
// RPC conventions, the server's a child of the client's through the message header; an ERR marks
// both failed with its name; streams are traced; heartbeats make no spans; a call from a reference
// client without trace headers is a new root.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type Telemetry } from '@trio/service-runtime/telemetry';
import { SpanKind, SpanStatusCode, trace } from '@trio/service-runtime/tracing';
import { RemoteError } from '../src/errors.ts';
import { type CalculatorServer, connectClient, startCalculator, testHeartbeatMs } from './support/harness.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let calc: CalculatorServer;

async function spansOf(traceId: string): Promise<ReadableSpan[]> {
  await telemetry.flush();
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

/** Runs `fn` under a root span of its own, and answers that span's ids. */
function underRoot(name: string, fn: () => Promise<unknown>) {
  return trace.getTracer('test').startActiveSpan(name, async (span) => {
    await fn();
    span.end();
    return span.spanContext();
  });
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

before(async () => {
  telemetry = startTelemetry({ service: 'rpc-tracing-test', exporter });
  calc = await startCalculator();
});
after(async () => {
  await calc.server.close();
  await telemetry.shutdown();
});

describe('zerorpc spans', () => {
  test('a call makes a CLIENT span in the caller’s trace and a SERVER span under it', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const root = await underRoot('checkout', async () => assert.equal(await client.call('add', 1, 2), 3));
      const spans = await spansOf(root.traceId);
      const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
      const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
      assert.ok(clientSpan && serverSpan, 'both spans exported');
      assert.equal(clientSpan.name, 'calculator/add');
      assert.equal(parentOf(clientSpan), root.spanId);
      assert.equal(parentOf(serverSpan), clientSpan.spanContext().spanId);
      for (const span of [clientSpan, serverSpan]) {
        assert.equal(span.attributes['rpc.system'], 'zerorpc');
        assert.equal(span.attributes['rpc.service'], 'calculator');
        assert.equal(span.attributes['rpc.method'], 'add');
      }
      assert.equal(clientSpan.attributes['server.address'], '127.0.0.1');
      assert.equal(clientSpan.attributes['server.port'], Number(calc.endpoint.split(':').at(-1)));
    } finally {
      await client.close();
    }
  });

  test('an ERR marks both spans failed with its name', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const root = await underRoot('divide', () =>
        assert.rejects(client.call('divide', 1, 0), (error) => error instanceof RemoteError),
      );
      const spans = (await spansOf(root.traceId)).filter((span) => span.name === 'calculator/divide');
      assert.equal(spans.length, 2);
      for (const span of spans) {
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['error.type'], 'DivisionByZero');
      }
    } finally {
      await client.close();
    }
  });

  test('a streaming call is one span on each side, however many items; heartbeats make none', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const root = await underRoot('stream', async () => {
        const items: unknown[] = [];
        for await (const item of client.stream('count', 50)) items.push(item);
        assert.equal(items.length, 50);
        // A call lasting several heartbeat intervals: its heartbeats are no calls.
        assert.equal(await client.call('sleep', 5 * testHeartbeatMs), 'slept');
      });
      const names = (await spansOf(root.traceId)).map((span) => `${span.name}:${span.kind}`).sort();
      assert.deepEqual(names, [
        `calculator/count:${SpanKind.SERVER}`,
        `calculator/count:${SpanKind.CLIENT}`,
        `calculator/sleep:${SpanKind.SERVER}`,
        `calculator/sleep:${SpanKind.CLIENT}`,
        'stream:0',
      ]);
    } finally {
      await client.close();
    }
  });

  test('a reference client sends no trace context: its call still works and is a new root span', async () => {
    const zerorpc = createRequire(import.meta.url)('zerorpc') as {
      Client: new (options: {
        timeout: number;
      }) => {
        connect(endpoint: string): void;
        invoke(method: string, ...args: unknown[]): void;
        close(): void;
      };
    };
    const reference = new zerorpc.Client({ timeout: 5 });
    reference.connect(calc.endpoint);
    try {
      const result = await new Promise((resolve, reject) =>
        reference.invoke('add', 40, 2, (error: Error | undefined, value: unknown) =>
          error ? reject(error) : resolve(value),
        ),
      );
      assert.equal(result, 42);
      await telemetry.flush();
      const served = exporter
        .getFinishedSpans()
        .filter((span) => span.name === 'calculator/add' && span.kind === SpanKind.SERVER);
      const last = served.at(-1);
      assert.ok(last);
      assert.equal(parentOf(last), undefined);
    } finally {
      reference.close();
    }
  });
});
