// AMQP spans: an event written to the outbox inside a span is published by the relay in that trace
// (linked to the writer) and processed by a consumer under the publish span; a failing handler's
// retries and its dead-lettering are events of its process spans.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type Telemetry } from '@trio/service-runtime/telemetry';
import { SpanKind, SpanStatusCode, trace } from '@trio/service-runtime/tracing';
import { publishInTransaction } from '../src/outbox.ts';
import { inTransaction } from '../src/transaction.ts';
import { notSent, orderCancelled, waitFor } from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let h: Harness;
useHarness('billing', (made) => {
  ({ h } = made);
});
before(() => {
  telemetry = startTelemetry({ service: 'events-tracing-test', exporter });
});
after(() => telemetry.shutdown());

async function finished(traceId: string, name: string, count = 1): Promise<ReadableSpan[]> {
  let spans: ReadableSpan[] = [];
  await waitFor(`${count} × ${name}`, async () => {
    await telemetry.flush();
    spans = exporter
      .getFinishedSpans()
      .filter((span) => span.spanContext().traceId === traceId && span.name === name);
    return spans.length >= count;
  });
  return spans;
}

/** A publisher and an inventory.orders consumer whose order.cancelled handler is `handler`. */
async function consuming(
  name: string,
  handler: () => Promise<void>,
  retry?: { delaysMs: number[]; maxAttempts: number },
) {
  const exchange = h.exchange(name);
  const queue = h.queue(`inventory.${name}`, retry?.delaysMs);
  const connection = await h.connection(name);
  const publisher = await h.publisher(connection, exchange);
  const handlers = { 'order.confirmed': notSent, 'order.cancelled': handler };
  const options = { connection, db: h.db, log: h.logs.log, queue, exchange, handlers };
  await h.consumer({
    ...options,
    subscription: 'inventory.orders',
    ...(retry === undefined ? {} : { retry }),
  });
  return { exchange, queue, publisher };
}

describe('amqp spans', () => {
  it('the relay publishes in the writer’s trace, linked to it; the consumer processes under the publish', async () => {
    const { exchange, queue, publisher } = await consuming('traced', async () => {});
    const writer = await trace.getTracer('test').startActiveSpan('cancel order', async (span) => {
      await inTransaction(h.db, (tx) => publishInTransaction(tx, orderCancelled(), { aggregateKey: 'o-1' }));
      span.end();
      return span.spanContext();
    });
    await h.relay({ publisher });

    const [publish] = await finished(writer.traceId, 'publish order.cancelled');
    assert.equal(publish!.kind, SpanKind.PRODUCER);
    assert.equal(publish!.parentSpanContext?.spanId, writer.spanId);
    assert.deepEqual(
      publish!.links.map((link) => link.context.spanId),
      [writer.spanId],
    );
    assert.equal(publish!.attributes['messaging.system'], 'rabbitmq');
    assert.equal(publish!.attributes['messaging.destination.name'], exchange);
    const [processed] = await finished(writer.traceId, 'process order.cancelled');
    assert.equal(processed!.kind, SpanKind.CONSUMER);
    assert.equal(processed!.parentSpanContext?.spanId, publish!.spanContext().spanId);
    assert.equal(processed!.attributes['messaging.consumer.group.name'], queue);
  });

  it('a failing handler’s retries and its dead-lettering are events of its process spans', async () => {
    const { publisher } = await consuming(
      'failing',
      () => {
        throw new Error('boom');
      },
      { delaysMs: [50], maxAttempts: 2 },
    );
    const root = await trace.getTracer('test').startActiveSpan('cancel order', async (span) => {
      await publisher.publish(orderCancelled());
      span.end();
      return span.spanContext();
    });
    const attempts = await finished(root.traceId, 'process order.cancelled', 2);
    const events = attempts
      .sort(
        (a, b) =>
          Number(a.attributes['messaging.delivery.attempt']) -
          Number(b.attributes['messaging.delivery.attempt']),
      )
      .map((span) => span.events.map((event) => event.name).filter((name) => name !== 'exception'));
    assert.deepEqual(events, [['messaging.retry'], ['messaging.dead_letter']]);
    for (const span of attempts) assert.equal(span.status.code, SpanStatusCode.ERROR);
  });
});
