// Faults on demand in a consumer: attachEventBus on a service host that follows the `faults` flag
// in real Redis, consuming from real RabbitMQ; slow consumption and rejected messages switched on
// and off while it runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServiceHost, type ServiceHost } from '@trio/service-runtime/service';
import { faultsOn, setServiceFaults } from '@trio/testing/faults';
import { createTestRedis, type TestRedis } from '@trio/testing/infra';
import type { ChannelModel } from 'amqplib';
import { attachEventBus, type EventBus } from '../src/service.ts';
import { cacheTypesNotSent, captureLogs, messageCount, notSent, stockLow, waitFor } from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

let h: Harness;
let raw: ChannelModel;
useHarness('faults', (made) => {
  ({ h, raw } = made);
});

let redis: TestRedis;
let host: ServiceHost;
let bus: EventBus;
let queue: string;
const handled: { id: string; at: number }[] = [];

after(async () => {
  await host?.shutdown.close();
  await redis?.drop();
});

const setFaults = (set: Record<string, unknown>) =>
  setServiceFaults(redis, 'front-end', set, () => host.faults?.current());

describe('faults on demand in a consumer', () => {
  // Inside the suite: after useHarness's own before.
  before(async () => {
    redis = await createTestRedis();
    host = createServiceHost({
      service: 'front-end',
      log: captureLogs('front-end').log,
      signals: false,
      faults: faultsOn(redis),
    });
    const exchange = h.exchange('faults');
    queue = h.queue(`faults.front-end.cache`, [50]);
    bus = await attachEventBus(host, {
      service: 'front-end',
      url: h.broker.url,
      exchange,
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    await bus.consume({
      subscription: 'front-end.cache',
      db: null,
      retry: { delaysMs: [50], maxAttempts: 2 },
      handlers: {
        'stock.low': (event) => {
          handled.push({ id: event.id, at: performance.now() });
        },
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
      },
    });
  });

  it('consumer-slow holds each event before its handler runs', async () => {
    await setFaults({ 'consumer-slow': 300 });
    const event = stockLow();
    const sent = performance.now();
    await bus.publisher.publish(event);
    await waitFor('the event handled', () => handled.some((entry) => entry.id === event.id));
    const at = handled.find((entry) => entry.id === event.id)?.at ?? 0;
    // A lower bound that setTimeout guarantees, not a performance figure.
    assert.ok(at - sent >= 295, `${at - sent} ms`);
    await setFaults({});
  });

  it('reject=1 fails every event: retried, then dead-lettered; cleared, events are handled again', async () => {
    await setFaults({ reject: 1 });
    const rejected = stockLow();
    await bus.publisher.publish(rejected);
    await waitFor('the event in the DLQ', async () => (await messageCount(raw, `${queue}.dlq`)) === 1);
    assert.ok(!handled.some((entry) => entry.id === rejected.id), 'never handled');
    await setFaults({});
    const next = stockLow();
    await bus.publisher.publish(next);
    await waitFor('the next event handled', () => handled.some((entry) => entry.id === next.id));
  });
});
