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
import { inProcessBus } from './in-process.ts';
import { createInProcessConsumer } from './in-process-consumer.ts';
import { createInProcessPublisher, createInProcessRelay } from './in-process-relay.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import { createOutboxRelay, type OutboxRelay } from './outbox.ts';
import { createPublisher, type Publisher } from './publisher.ts';
import { defaultExchange } from './topology.ts';

export type EventBusHost = Pick<ServiceHost, 'log' | 'metrics' | 'health' | 'shutdown' | 'faults'>;

export interface EventBusOptions {
  /** amqp://user:pass@host:port/vhost; `inproc://events` for the process's in-process bus. */
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
  /** The broker connection; undefined on the in-process bus. */
  connection: AmqpConnection | undefined;
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

/** Whether AMQP_URL names the process's in-process bus (`inproc://…`) rather than a broker. */
export function isInProcessBusUrl(url: string): boolean {
  return url.startsWith('inproc:');
}

export async function attachEventBus(host: EventBusHost, options: EventBusOptions): Promise<EventBus> {
  const log = options.log ?? host.log;
  const exchange = options.exchange ?? defaultExchange;
  const queuePrefix = options.queuePrefix ?? (exchange === defaultExchange ? '' : `${exchange}.`);
  const queueName = (subscription: SubscriptionName) => `${queuePrefix}${subscription}`;
  const metrics = createEventMetrics(host.metrics.registry);
  if (isInProcessBusUrl(options.url))
    return attachInProcessBus(host, options, { log, exchange, queueName, metrics });

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

  const relay = await startRelay(
    host,
    options.db && createOutboxRelay({ db: options.db, publisher, log, metrics, retry: options.reconnect }),
  );
  const consume = consumerStarter(host, options.service, queueName, log, (prepared, queue, consumerLog) =>
    createConsumer({
      ...prepared,
      queue,
      connection,
      exchange,
      metrics,
      log: consumerLog,
      reconnect: options.reconnect,
    }),
  );

  return { connection, publisher, relay, metrics, consume };
}

interface BusParts {
  log: Logger;
  exchange: string;
  queueName: (subscription: SubscriptionName) => string;
  metrics: EventMetrics;
}

/** The same parts on the process's in-process bus of `exchange`: nothing to connect to. */
async function attachInProcessBus(
  host: EventBusHost,
  options: EventBusOptions,
  { log, exchange, queueName, metrics }: BusParts,
): Promise<EventBus> {
  const bus = inProcessBus(exchange);
  const publisher = createInProcessPublisher({ bus, service: options.service, queueName, log, metrics });
  await publisher.start();
  log.info({ exchange }, 'events go through the in-process bus');
  const relay = await startRelay(
    host,
    options.db && createInProcessRelay({ db: options.db, publisher, log, metrics, retry: options.reconnect }),
  );
  const consume = consumerStarter(host, options.service, queueName, log, (prepared, queue, consumerLog) =>
    createInProcessConsumer({ ...prepared, queue, bus, metrics, log: consumerLog }),
  );

  return { connection: undefined, publisher, relay, metrics, consume };
}

/** Registers the relay's closer and starts it (none without a database). */
async function startRelay(
  host: EventBusHost,
  relay: OutboxRelay | undefined,
): Promise<OutboxRelay | undefined> {
  if (relay === undefined) return undefined;
  host.shutdown.register('outbox relay', () => relay.stop());
  await relay.start();
  return relay;
}

/**
 * The bus's consume(): refuses another service's queue, puts the handlers under faults on demand,
 * makes the consumer with `create`, registers its closer and readiness check, and starts it.
 */
function consumerStarter(
  host: EventBusHost,
  service: ServiceName,
  queueName: (subscription: SubscriptionName) => string,
  log: Logger,
  create: <S extends SubscriptionName>(
    prepared: BusConsumerOptions<S>,
    queue: string,
    log: Logger,
  ) => Consumer,
): EventBus['consume'] {
  return async (consumerOptions) => {
    const owner = eventSubscriptions[consumerOptions.subscription]?.service;
    if (owner !== undefined && owner !== service) {
      // Another service's queue: a consumer of it here would take a share of that service's events.
      throw new Error(`${service} cannot consume ${consumerOptions.subscription}: it is ${owner}'s queue`);
    }
    const { faults } = host;
    // The same handlers, wrapped: the union of inbox and plain options keeps its shape.
    const prepared =
      faults === undefined
        ? consumerOptions
        : ({
            ...consumerOptions,
            handlers: withFaults(consumerOptions.handlers, faults),
          } as typeof consumerOptions);
    const consumer = create(
      prepared,
      consumerOptions.queue ?? queueName(consumerOptions.subscription),
      consumerOptions.log ?? log,
    );
    host.shutdown.register(`consumer ${consumer.queue}`, () => consumer.stop());
    host.health.addCheck(`consumer ${consumer.queue}`, consumer.check);
    await consumer.start();
    return consumer;
  };
}
