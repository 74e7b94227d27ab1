// `npm run bench:tracing`: what tracing costs an event. The same publisher and consumer (no
// database: the broker path only) publish N events and consume them at the same time, with
// tracing off (no OTLP endpoint: the provider samples nothing and only draws ids, the default of
// every service) and on (each event's PRODUCER and CONSUMER span recorded and exported over
// OTLP/HTTP protobuf to the receiver `npm start -- --observe` uses, in this process). Off and on
// alternate in child processes, three rounds each, so that a change in machine load affects both
// alike; the medians and the on/off ratio are printed. Bounded: BENCH_EVENTS (5000) a round.
import { randomBytes } from 'node:crypto';
import { createEvent } from '@trio/contracts/events';
import { createLogger } from '@trio/service-runtime/logger';
import { startOtlpReceiver } from '@trio/service-runtime/otlp-receiver';
import { startTelemetry } from '@trio/service-runtime/telemetry';
import { median, tracingRound } from '@trio/testing/tracing-bench';
import amqp from 'amqplib';
import { createAmqpConnection } from '../src/connection.ts';
import { createConsumer } from '../src/consumer.ts';
import { createEventMetrics } from '../src/metrics.ts';
import { createPublisher } from '../src/publisher.ts';
import { deadLetterQueueName, retryQueueName } from '../src/topology.ts';

const amqpUrl = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
const count = Number(process.env.BENCH_EVENTS || 5_000);
const rounds = 3;
const prefetch = 100;

interface Result {
  eventsPerSecond: number;
}

/** One round in this (child) process: N events published and consumed, all in flight. */
async function measure(): Promise<Result> {
  const telemetry = startTelemetry({ service: 'events-bench' });
  const log = createLogger({ service: 'events-bench', level: 'warn' });
  const prefix = `bench_tracing_${process.pid}_${randomBytes(3).toString('hex')}`;
  const exchange = `${prefix}.events`;
  const queue = `${prefix}.inventory`;
  const connection = createAmqpConnection({ url: amqpUrl, name: prefix, log });
  const publisher = createPublisher({ connection, exchange, log });
  let seen = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = createConsumer({
    connection,
    log,
    subscription: 'inventory.orders',
    queue,
    exchange,
    prefetch,
    metrics: createEventMetrics(),
    db: null,
    handlers: {
      'order.confirmed': () => {},
      'order.cancelled': () => {
        seen += 1;
        if (seen === count) finish();
      },
    },
  });
  const events = (n: number) =>
    Array.from({ length: n }, () =>
      createEvent(
        'order.cancelled',
        {
          orderId: '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69',
          userId: '0b9c2f2e-7a4b-4a43-9b59-3f7f3c3a9d11',
          reason: 'customer_request',
        },
        { correlationId: 'bench' },
      ),
    );
  const raw = await amqp.connect(amqpUrl);
  const channel = await raw.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await connection.start();
  await publisher.start();
  await consumer.start();
  // Warm-up, not counted.
  await Promise.all(events(500).map((event) => publisher.publish(event)));
  await new Promise<void>((resolve) => {
    const wait = () => (seen >= 500 ? resolve() : setTimeout(wait, 10));
    wait();
  });
  seen = 0;
  const batch = events(count);
  const started = performance.now();
  await Promise.all(batch.map((event) => publisher.publish(event)));
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  await publisher.close();
  await telemetry.shutdown();
  for (const name of [
    queue,
    deadLetterQueueName(queue),
    ...[1_000, 5_000, 30_000].map((delay) => retryQueueName(queue, delay)),
  ])
    await channel.deleteQueue(name);
  await channel.deleteExchange(exchange);
  await raw.close();
  await connection.close();
  return { eventsPerSecond: count / seconds };
}

const child = (mode: 'off' | 'on', receiver: string) =>
  tracingRound<Result>(new URL(import.meta.url), mode, receiver);

if (process.env.BENCH_CHILD === '1') {
  process.send?.(await measure());
} else {
  let spans = 0;
  const receiver = await startOtlpReceiver({
    onSpans: (received) => {
      spans += received.length;
    },
  });
  const results: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const { eventsPerSecond } = await child(mode, receiver.url);
      results[mode].push(eventsPerSecond);
      console.log(
        `round ${round}/${rounds} tracing ${mode.padEnd(3)}: ${eventsPerSecond.toFixed(0)} events/s published and consumed (prefetch ${prefetch})`,
      );
    }
  }
  await receiver.close();
  const off = median(results.off);
  const on = median(results.on);
  console.log(
    // Two spans an event (publish, process), warm-up included; the SDK's batch processor drops what
    // overflows its queue (OTEL_BSP_MAX_QUEUE_SIZE, 2048) when a burst outruns the export.
    `\nAMQP publish → consume → ack, ${count} events a round, tracing off vs on (medians of ${rounds} rounds; ` +
      `${spans} of ${rounds * (count + 500) * 2} spans exported):`,
  );
  console.log(
    `  throughput: off ${off.toFixed(0)}/s, on ${on.toFixed(0)}/s, ratio on/off ${(on / off).toFixed(2)}`,
  );
}
