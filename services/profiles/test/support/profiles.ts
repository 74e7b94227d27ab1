// Starts profiles in-process, exactly as main.ts does, on a free port against the test file's own
// database, Redis prefix and broker names, and talks to it over HTTP.
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { type Session, Session as SessionSchema, shopperAddressHeader } from '@trio/contracts/profiles';
import { createAmqpConnection } from '@trio/events/connection';
import { queuesDeclaredBy } from '@trio/events/topology';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createHttpClient, type Reply, type RequestOptions } from '@trio/testing/http-client';
import { identityEnv } from '@trio/testing/identity';
import { uniqueShopperAddress } from '@trio/testing/ids';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture } from '@trio/testing/logs';
import { waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export type { Reply, RequestOptions };
export { waitFor };

export interface TestProfiles {
  url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  /** Registers a fresh user (password `password123`) and logs in. */
  signUp(overrides?: { email?: string; password?: string; name?: string }): Promise<Session>;
  /** Every log line the service wrote, as written. */
  logText(): string;
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export const testSecret = 'test-session-secret-0123456789abcdef';

/** `env` overrides the variables derived from `infra`. */
export async function startProfiles(
  infra: TestInfra,
  env: Record<string, string> = {},
): Promise<TestProfiles> {
  // The queues profiles' events feed (billing's) and its own invoice queue, prefixed by the exchange
  // name off the default exchange; named through the broker so that the file's drop() deletes them.
  for (const queue of queuesDeclaredBy(['profiles'], ['profiles.invoices']))
    infra.broker.queue(`events.${queue}`);
  const config = parseConfig(Config, {
    DATABASE_URL: infra.db.url,
    REDIS_URL: infra.redis.url,
    REDIS_KEY_PREFIX: infra.redis.prefix,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    SESSION_SECRET: testSecret,
    ...(await identityEnv('profiles')),
    HTTP_PORT: '0',
    ...env,
  });
  const capture = createLogCapture();
  const log = createLogger({ service: 'profiles', level: 'debug', destination: capture.destination });
  const { host, port } = await start(config, { log, signals: false });
  const url = `http://127.0.0.1:${port}`;
  // Calls as the front-end, the service that logs shoppers in; a test passes `as` to be someone else.
  const { request } = createHttpClient(url, { as: 'front-end', audience: 'profiles' });

  return {
    url,
    request,
    async signUp(overrides = {}) {
      const credentials = {
        email: overrides.email ?? uniqueEmail(),
        password: overrides.password ?? 'password123',
      };
      // As the front-end does it: on behalf of a shopper of their own address.
      const headers = { [shopperAddressHeader]: uniqueShopperAddress() };
      const registered = await request('POST', '/users', {
        body: { ...credentials, name: overrides.name ?? 'Ann Example' },
        headers,
      });
      if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
      const session = await request('POST', '/sessions', { body: credentials, headers });
      if (session.status !== 201) throw new Error(`login answered ${session.status}`);
      return SessionSchema.parse(session.body);
    },
    logText: () => capture.lines().join(''),
    logs: capture.logs,
    async stop() {
      await host.shutdown.close();
    },
  };
}

export function uniqueEmail(): string {
  return `user-${crypto.randomUUID()}@example.com`;
}

export function addressBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Ann Example',
    line1: 'Hauptstr. 1',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
    ...overrides,
  };
}

export interface EventListener {
  received: DomainEvent[];
  close(): Promise<void>;
}

/** What a consumer of profiles' events would do: a queue of the test's own, bound to `user.*`. */
export async function listenForEvents(infra: TestInfra): Promise<EventListener> {
  const log = createLogger({ service: 'test', level: 'silent' });
  const bus = createAmqpConnection({ url: infra.broker.url, name: 'profiles-test-listener', log });
  await bus.start();
  const channel = await bus.current()!.createChannel();
  const queue = infra.broker.queue('profiles-events');
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, infra.broker.exchange('events'), 'user.*');
  const received: DomainEvent[] = [];
  await channel.consume(queue, (message) => {
    if (message === null) return;
    received.push(parseEvent(JSON.parse(message.content.toString())));
    channel.ack(message);
  });
  return { received, close: () => bus.close() };
}
