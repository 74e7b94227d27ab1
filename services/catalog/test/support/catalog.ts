// Starts the catalog in-process, exactly as main.ts does, on a free port against the test file's
// own database, Redis prefix and broker names, and talks to it over HTTP.
import { queuesDeclaredBy } from '@trio/events/topology';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createHttpClient, type Reply, type RequestOptions } from '@trio/testing/http-client';
import { identityEnv } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture } from '@trio/testing/logs';
import { waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export type { Reply, RequestOptions };
export { waitFor };

export const adminToken = 'test-admin-token-0123456789';

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
  for (const queue of queuesDeclaredBy(['catalog'])) infra.broker.queue(`events.${queue}`);
  const config = parseConfig(Config, {
    DATABASE_URL: infra.db.url,
    REDIS_URL: infra.redis.url,
    REDIS_KEY_PREFIX: infra.redis.prefix,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    CATALOG_ADMIN_TOKEN: adminToken,
    ...(await identityEnv('catalog')),
    HTTP_PORT: '0',
    SEED_ON_START: 'true',
    ...env,
  });
  const capture = createLogCapture();
  const log = createLogger({ service: 'catalog', level: 'debug', destination: capture.destination });
  const { host, port } = await start(config, { log, signals: false });
  const url = `http://127.0.0.1:${port}`;
  // Anonymous unless a request says `as`: the catalogue is public, its admin API for operators.
  const { request, get } = createHttpClient(url, { audience: 'catalog' });

  return {
    url,
    request,
    get,
    logs: capture.logs,
    async stop() {
      await host.shutdown.close();
    },
  };
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
