// Publishing onto the in-process bus (in-process.ts): the publisher, and the outbox relay's pass for
// it. The relay is the outbox relay of outbox.ts (NOTIFY, polling, housekeeping, the metrics) with
// another pass: a pending row is handed to the bus, which copies it into every queue bound with its
// type, and the row is marked published only once every one of those queues has settled it
// (handled, a duplicate, or dead-lettered), in one transaction with the dead letters, which go to
// the service's `event_dead_letter` table. Until then the row stays pending: the process may stop
// with the event still in a queue or waiting for a retry, and the relay of the next start sends it
// again (to every queue: those that had handled it skip it through their inbox).
//
// Rows are handed in id order and each queue keeps that order, as with RabbitMQ; a row is handed
// once per process (the relay remembers what it handed and has not seen settled), and at most
// `maxInFlight` rows wait in the queues at once, so a consumer that is behind slows the relay
// instead of filling memory.

import type { ServiceName } from '@trio/contracts/common';
import {
  type DomainEvent,
  eventSubscriptions,
  parseEvent,
  type SubscriptionName,
} from '@trio/contracts/events';
import type pg from 'pg';
import type { Logger } from 'pino';
import { correlationIdHeader } from './headers.ts';
import type { InProcessBus, Settlement } from './in-process.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRow,
  type RelayPass,
  recordFailures,
  sortRows,
} from './outbox.ts';
import type { Publisher, PublishOptions } from './publisher.ts';
import { subscriptionsFedBy } from './topology.ts';
import { endPublishSpan, startPublishSpan } from './tracing.ts';
import { inTransaction } from './transaction.ts';

export interface InProcessPublisher extends Publisher {
  /** Publishes and resolves once every queue bound with the event's type has settled it. */
  deliver(event: DomainEvent, options?: PublishOptions): Promise<Settlement[]>;
}

export interface InProcessPublisherOptions {
  bus: InProcessBus;
  /** The publishing service: the queues of the subscriptions its events feed are declared at start. */
  service: ServiceName;
  queueName: (subscription: SubscriptionName) => string;
  log: Logger;
  metrics?: EventMetrics;
}

export function createInProcessPublisher(options: InProcessPublisherOptions): InProcessPublisher {
  const { bus } = options;
  const metrics = options.metrics ?? createEventMetrics();
  const log = options.log.child({
    component: 'event-publisher',
    exchange: bus.exchange,
    transport: 'inproc',
  });

  function deliver(event: DomainEvent, publishOptions: PublishOptions = {}): Promise<Settlement[]> {
    const valid = parseEvent(event);
    const traced = startPublishSpan(bus.exchange, valid, publishOptions.traceparent, 'trio.inproc');
    const { queues, settled } = bus.send({
      content: JSON.stringify(valid),
      type: valid.type,
      messageId: valid.id,
      headers: { [correlationIdHeader]: valid.correlationId, ...traced.headers },
    });
    metrics.published.inc({ type: valid.type });
    if (queues === 0) {
      metrics.unroutable.inc({ type: valid.type });
      log.warn({ eventType: valid.type, eventId: valid.id }, 'no queue is bound for this event');
    } else {
      // In every queue: what a broker's confirm says.
      metrics.confirmed.inc({ type: valid.type });
    }
    endPublishSpan(traced.span);
    return settled;
  }

  return {
    async start() {
      for (const subscription of subscriptionsFedBy(options.service))
        bus.declare(options.queueName(subscription), eventSubscriptions[subscription].types);
    },
    deliver,
    async publish(event, publishOptions) {
      // Direct publishing (no outbox): in the queues now, nothing to wait for; no record of a dead letter.
      void deliver(event, publishOptions);
    },
    isReady: () => true,
    async close() {},
  };
}

export interface InProcessRelayOptions extends Omit<OutboxRelayOptions, 'publisher' | 'pass'> {
  publisher: InProcessPublisher;
  /** Rows handed to the bus and not settled yet, at most; default 1,000. */
  maxInFlight?: number;
}

export function createInProcessRelay(options: InProcessRelayOptions): OutboxRelay {
  const { db, publisher } = options;
  const log = options.log.child({ component: 'outbox-relay', transport: 'inproc' });
  const metrics = options.metrics ?? createEventMetrics();
  const maxInFlight = options.maxInFlight ?? 1_000;
  /** Handed to the bus, not settled yet: not handed again by this process. */
  const handed = new Set<string>();

  async function settle(row: OutboxRow, event: DomainEvent, settlements: Settlement[]): Promise<void> {
    const dead = settlements.filter((settlement) => settlement.outcome === 'dead-lettered');
    await inTransaction(db, async (client) => {
      for (const letter of dead) {
        await client.query(
          `INSERT INTO event_dead_letter (queue, event_id, event_type, envelope, reason, error, attempts)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (queue, event_id) DO UPDATE SET reason = excluded.reason, error = excluded.error,
             attempts = excluded.attempts, dead_lettered_at = clock_timestamp()`,
          [letter.queue, event.id, event.type, row.envelope, letter.reason, letter.error, letter.attempts],
        );
      }
      await client.query(
        'UPDATE event_outbox SET published_at = clock_timestamp(), attempts = attempts + 1 WHERE id = $1',
        [row.id],
      );
    });
    metrics.relayed.inc();
  }

  async function pass(pool: pg.Pool, batchSize: number): Promise<RelayPass> {
    const room = Math.min(batchSize, maxInFlight - handed.size);
    if (room <= 0) return { locked: 0, sent: 0, heldBack: 0, failed: 0 };
    const { rows } = await pool.query<OutboxRow>(
      `SELECT id, aggregate_key, envelope, traceparent FROM event_outbox
       WHERE published_at IS NULL AND id <> ALL($1::bigint[]) ORDER BY id LIMIT $2`,
      [[...handed], room],
    );
    const { sending, failures, heldBack } = sortRows(rows, new Map());
    for (const { row, event } of sending) {
      handed.add(row.id);
      publisher
        .deliver(event, row.traceparent === null ? {} : { traceparent: row.traceparent })
        .then((settlements) => settle(row, event, settlements))
        .catch((error: unknown) =>
          // Left pending: handed again by the next pass (the inboxes absorb the copy).
          log.warn({ err: error, eventId: event.id }, 'could not mark a delivered event published'),
        )
        .finally(() => handed.delete(row.id));
    }
    if (failures.length > 0) await inTransaction(pool, (client) => recordFailures(client, failures));
    // Counted as relayed when settled; a full batch makes the loop look again at once.
    return { locked: rows.length, sent: 0, heldBack, failed: failures.length };
  }

  return createOutboxRelay({ ...options, log: options.log, metrics, pass });
}
