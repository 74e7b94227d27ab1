// The bus wired into a service host the same way in every service: one connection, the bus metrics
// on the service's registry, a publisher that declares the queues its service's events feed, the
// outbox relay when the service has a database, and its consumers. Each part registers its closer
// as it opens, so shutdown runs in reverse: consumers stop first (letting handlers in progress
// finish), then the relay, the publisher and the connection. The service still starts while the
// broker is down: the connection keeps retrying and every part sets itself up when it comes.
import type { ServiceName } from '@trio/contracts/common';
import { eventSubscriptions, type SubscriptionName } from '@trio/contracts/events';
import type { ServiceHost } from '@trio/service-runtime/service';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type AmqpConnection, type Backoff, createAmqpConnection } from './connection.ts';
import {
  type Consumer,
  createConsumer,
  type InboxConsumerOptions,
  type PlainConsumerOptions,
} from './consumer.ts';
import { withFaults } from './faults.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import { createOutboxRelay, type OutboxRelay } from './outbox.ts';
import { createPublisher, type Publisher } from './publisher.ts';
import { defaultExchange } from './topology.ts';

export type EventBusHost = Pick<ServiceHost, 'log' | 'metrics' | 'health' | 'shutdown' | 'faults'>;

export interface EventBusOptions {
  /** amqp://user:pass@host:port/vhost */
  url: string;
  /** The service: its events say which subscriber queues to declare, and it is each message's appId. */
  service: ServiceName;
  /** The connection's name on the broker; the service by default. */
  connectionName?: string;
  /** Defaults to the contracts' `trio.events`. */
  exchange?: string;
  /** The service's pool: an outbox relay publishes what `publishInTransaction` wrote to it. */
  db?: pg.Pool;
  /** Defaults to the host's logger. */
  log?: Logger;
  /**
   * Put before every queue name (`<prefix><subscription>`). None on the shop's exchange; on any
   * other, `<exchange>.`, so that shops (or test runs) sharing a broker never share a queue, which
   * would mix their events.
   */
  queuePrefix?: string;
  /** Backoff of the connection and of each channel. */
  reconnect?: Partial<Backoff>;
}

/** The bus provides the connection, exchange, metrics and (by default) logger. */
type Provided = 'connection' | 'exchange' | 'metrics' | 'log' | 'reconnect';
export type BusConsumerOptions<S extends SubscriptionName> =
  | (Omit<InboxConsumerOptions<S>, Provided> & { log?: Logger })
  | (Omit<PlainConsumerOptions<S>, Provided> & { log?: Logger });

export interface EventBus {
  connection: AmqpConnection;
  publisher: Publisher;
  /** Present when the bus was given a database. */
  relay: OutboxRelay | undefined;
  metrics: EventMetrics;
  /**
   * Creates and starts a consumer of one of the service's subscriptions, with its closer and
   * readiness check registered; rejects with a TopologyError when its queues conflict with what
   * the broker has.
   */
  consume<S extends SubscriptionName>(options: BusConsumerOptions<S>): Promise<Consumer>;
}

export async function attachEventBus(host: EventBusHost, options: EventBusOptions): Promise<EventBus> {
  const log = options.log ?? host.log;
  const exchange = options.exchange ?? defaultExchange;
  const queuePrefix = options.queuePrefix ?? (exchange === defaultExchange ? '' : `${exchange}.`);
  const queueName = (subscription: SubscriptionName) => `${queuePrefix}${subscription}`;
  const metrics = createEventMetrics(host.metrics.registry);

  const connection = createAmqpConnection({
    url: options.url,
    name: options.connectionName ?? options.service,
    log,
    reconnect: options.reconnect,
  });
  host.shutdown.register('amqp', () => connection.close());
  host.health.addCheck('amqp', connection.check);
  await connection.start(); // one attempt: with the broker down, the service starts and waits for it

  const publisher = createPublisher({
    connection,
    log,
    metrics,
    exchange,
    appId: options.service,
    subscriberQueues: { service: options.service, queueName },
    retry: options.reconnect,
  });
  host.shutdown.register('event publisher', () => publisher.close());
  await publisher.start();

  const relay =
    options.db === undefined
      ? undefined
      : createOutboxRelay({ db: options.db, publisher, log, metrics, retry: options.reconnect });
  if (relay !== undefined) {
    host.shutdown.register('outbox relay', () => relay.stop());
    await relay.start();
  }

  async function consume<S extends SubscriptionName>(
    consumerOptions: BusConsumerOptions<S>,
  ): Promise<Consumer> {
    const owner = eventSubscriptions[consumerOptions.subscription]?.service;
    if (owner !== undefined && owner !== options.service) {
      // Another service's queue: a consumer of it here would take a share of that service's events.
      throw new Error(
        `${options.service} cannot consume ${consumerOptions.subscription}: it is ${owner}'s queue`,
      );
    }
    const { faults } = host;
    // The same handlers, wrapped: the union of inbox and plain options keeps its shape.
    const faulted =
      faults === undefined
        ? consumerOptions
        : ({
            ...consumerOptions,
            handlers: withFaults(consumerOptions.handlers, faults),
          } as typeof consumerOptions);
    const consumer = createConsumer<S>({
      ...faulted,
      queue: consumerOptions.queue ?? queueName(consumerOptions.subscription),
      connection,
      exchange,
      metrics,
      log: consumerOptions.log ?? log,
      reconnect: options.reconnect,
    });
    host.shutdown.register(`consumer ${consumer.queue}`, () => consumer.stop());
    host.health.addCheck(`consumer ${consumer.queue}`, consumer.check);
    await consumer.start();
    return consumer;
  }

  return { connection, publisher, relay, metrics, consume };
}
