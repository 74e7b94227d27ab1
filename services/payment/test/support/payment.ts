// Starts payment in-process, exactly as main.ts does, on a free port against the test file's own
// database and broker names, and talks to it over HTTP.
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { createAmqpConnection } from '@trio/events/connection';
import { queuesDeclaredBy } from '@trio/events/topology';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { callerToken, identityEnv, type TestCaller } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture } from '@trio/testing/logs';
import { waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export { waitFor };

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, otherwise the text. */
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as the `Idempotency-Key` header; a fresh one by default on POST, `null` sends none. */
  key?: string | null;
  headers?: Record<string, string>;
  /** Calls as this service; billing, payment's one caller, by default; `null` sends no identity token. */
  as?: TestCaller | null;
}

export interface TestPayment {
  url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown, key?: string | null): Promise<Reply>;
  /** Every log line the service wrote, as written. */
  logText(): string;
  logs(): Record<string, unknown>[];
  /** A pool on payment's schema, for what a test checks beside the API (closed by stop()). */
  db: Postgres;
  stop(): Promise<void>;
}

/** `env` overrides the variables derived from `infra`. */
export async function startPayment(infra: TestInfra, env: Record<string, string> = {}): Promise<TestPayment> {
  // Payment declares the queues its events feed (billing's, prefixed by the exchange name off the
  // default exchange); name them through the broker so that the test file's drop() deletes them.
  for (const queue of queuesDeclaredBy(['payment'])) infra.broker.queue(`events.${queue}`);
  const config = parseConfig(Config, {
    DATABASE_URL: infra.db.url,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    IDEMPOTENCY_SECRET: 'test-idempotency-secret-0123456789',
    SLOW_CARD_DELAY_MS: '300',
    HTTP_PORT: '0',
    ...(await identityEnv('payment')),
    ...env,
  });
  const capture = createLogCapture();
  const log = createLogger({ service: 'payment', level: 'debug', destination: capture.destination });
  const { host, port } = await start(config, { log, signals: false });
  const url = `http://127.0.0.1:${port}`;

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const caller = options.as === undefined ? 'billing' : options.as;
    if (caller !== null) headers['trio-caller'] = await callerToken(caller, 'payment');
    Object.assign(headers, options.headers);
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const key = options.key === undefined && method === 'POST' ? crypto.randomUUID() : options.key;
    if (typeof key === 'string') headers['idempotency-key'] = key;
    const response = await fetch(url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  }

  // The runtime's pool, like the service's: its error listener matters when the database is dropped.
  const db = createPostgres({
    url: infra.db.url,
    schema: 'payment',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  return {
    url,
    request,
    get: (path) => request('GET', path),
    post: (path, body, key) => request('POST', path, { body, key }),
    logText: () => capture.lines().join(''),
    logs: capture.logs,
    db,
    async stop() {
      await db.end();
      await host.shutdown.close();
    },
  };
}

export const cards = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processingError: '4000000000000119',
  slow: '4000000000003220',
  /** Luhn-valid and not a test card: succeeds. */
  otherMastercard: '5555555555554444',
} as const;

/** Whose cards the tests store and charge, unless a test says otherwise. */
export const owner = 'user-ada';

/** A valid card as typed. */
export function typedCard(number: string = cards.succeeds) {
  return { number, expMonth: 12, expYear: 2099, cvc: '737' };
}

/** A valid body of POST /cards, stored for `owner`; `overrides` replace fields. */
export function cardBody(number: string = cards.succeeds, overrides: Record<string, unknown> = {}) {
  return { ...typedCard(number), owner, ...overrides };
}

/** A valid authorization body for `owner`; `overrides` replace fields. */
export function authorizeBody(number: string = cards.succeeds, overrides: Record<string, unknown> = {}) {
  return {
    orderId: crypto.randomUUID(),
    amount: { amount: 4999, currency: 'EUR' },
    source: { type: 'card', card: typedCard(number) },
    owner,
    ...overrides,
  };
}

export interface EventListener {
  received: DomainEvent[];
  /** The events of `type` about `orderId`, once at least `count` arrived. */
  waitFor(type: string, orderId: string, count?: number): Promise<DomainEvent[]>;
  close(): Promise<void>;
}

/** What a consumer of payment events would do: a queue of the test's own, bound to `payment.*`. */
export async function listenForEvents(infra: TestInfra): Promise<EventListener> {
  const log = createLogger({ service: 'test', level: 'silent' });
  const bus = createAmqpConnection({ url: infra.broker.url, name: 'payment-test-listener', log });
  await bus.start();
  const channel = await bus.current()!.createChannel();
  const queue = infra.broker.queue('payment-events');
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, infra.broker.exchange('events'), 'payment.*');
  const received: DomainEvent[] = [];
  await channel.consume(queue, (message) => {
    if (message === null) return;
    received.push(parseEvent(JSON.parse(message.content.toString())));
    channel.ack(message);
  });
  return {
    received,
    waitFor: (type, orderId, count = 1) =>
      waitFor(`${count} ${type} for ${orderId}`, () => {
        const found = received.filter(
          (event) => event.type === type && (event.payload as { orderId: string }).orderId === orderId,
        );
        return found.length >= count && found;
      }),
    close: () => bus.close(),
  };
}
