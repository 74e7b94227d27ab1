// Starts the catalog in-process, exactly as main.ts does, on a free port against the test file's
// own database, Redis prefix and broker names, and talks to it over HTTP.
import { deadLetterQueueName, subscriptionsFedBy } from '@trio/events/topology';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import type { TestInfra } from '@trio/testing/infra';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export const adminToken = 'test-admin-token-0123456789';

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, otherwise the text. */
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export interface TestCatalog {
  url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** Every JSON log line the service wrote. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** `env` overrides the variables derived from `infra` (e.g. REDIS_URL pointing at a proxy). */
export async function startCatalog(infra: TestInfra, env: Record<string, string> = {}): Promise<TestCatalog> {
  // The catalog declares the queues its events feed (prefixed by the exchange name off the default
  // exchange); name them through the broker so that the test file's drop() deletes them.
  for (const subscription of subscriptionsFedBy('catalog')) {
    const queue = `events.${subscription}`;
    infra.broker.queue(queue);
    infra.broker.queue(deadLetterQueueName(queue));
  }
  const config = parseConfig(Config, {
    DATABASE_URL: infra.db.url,
    REDIS_URL: infra.redis.url,
    REDIS_KEY_PREFIX: infra.redis.prefix,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    CATALOG_ADMIN_TOKEN: adminToken,
    HTTP_PORT: '0',
    SEED_ON_START: 'true',
    ...env,
  });
  const lines: string[] = [];
  const log = createLogger({
    service: 'catalog',
    level: 'debug',
    destination: {
      write: (line: string) => {
        lines.push(line);
        if (process.env.TEST_LOG) process.stderr.write(line);
      },
    },
  });
  const { host, port } = await start(config, { log, signals: false });
  const url = `http://127.0.0.1:${port}`;

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  }

  return {
    url,
    request,
    get: (path) => request('GET', path),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      await host.shutdown.close();
    },
  };
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A valid new product; `overrides` replace fields. */
export function newProduct(sku: string, overrides: Record<string, unknown> = {}) {
  return {
    sku,
    name: 'Test enamel mug',
    description: 'A mug made for the component tests.',
    price: { amount: 1250, currency: 'EUR' },
    category: 'kitchen',
    image: `/images/products/${sku}.svg`,
    attributes: { weightGrams: 320, colour: 'red' },
    ...overrides,
  };
}
