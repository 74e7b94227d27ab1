// The whole shop in-process for the front-end's tests: the services from @trio/shop-testing, billing
// as its main.ts starts it, then the front-end pointed at all of them, on the test file's own
// database, Redis prefix and exchange. `browserClient()` talks to the storefront as a browser
// would: one cookie jar, the Origin of the shop.
import { Config as BillingConfig } from '@trio/billing/config';
import { start as startBilling } from '@trio/billing/main';
import { parseConfig } from '@trio/service-runtime/config';
import type { ServiceHost } from '@trio/service-runtime/service';
import { type ShopPeers, startPeers } from '@trio/shop-testing/peers';
import { identityEnv } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';
import type { LogCapture } from '@trio/testing/logs';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export { waitFor } from '@trio/testing/wait';

export const successCard = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };
export const address = {
  name: 'Ada Lovelace',
  line1: '12 Test Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

export interface Storefront {
  url: string;
  /** The admin listener: /healthz, /readyz, /metrics. */
  adminUrl: string;
  /** Billing's API, which the harness starts beside the storefront. */
  billingUrl: string;
  peers: ShopPeers;
  /** The front-end's log lines. */
  capture: LogCapture;
  /** A new shopper: its own cookie jar. */
  browserClient(): BrowserClient;
  stop(): Promise<void>;
}

export interface StorefrontOptions {
  /** Extra variables for the front-end. */
  env?: Record<string, string>;
  /** Extra variables for billing. */
  billingEnv?: Record<string, string>;
  /** Profiles' own settings (e.g. a low REGISTRATIONS_PER_ADDRESS). */
  profilesEnv?: Record<string, string>;
  slowCardDelayMs?: number;
}

export async function startStorefront(
  infra: TestInfra,
  options: StorefrontOptions = {},
): Promise<Storefront> {
  const peers = await startPeers(infra, {
    services: [
      'catalog',
      'profiles',
      'inventory',
      'shipping',
      'payment',
      'recommendations',
      'billing',
      'front-end',
    ],
    ...(options.slowCardDelayMs === undefined ? {} : { slowCardDelayMs: options.slowCardDelayMs }),
    ...(options.profilesEnv === undefined ? {} : { profilesEnv: options.profilesEnv }),
  });
  const hosts: ServiceHost[] = [];
  try {
    const billing = await startBilling(
      parseConfig(BillingConfig, {
        ...peers.common,
        ...peers.addresses,
        HTTP_PORT: '0',
        IDEMPOTENCY_SECRET: 'test-billing-secret-0123456789',
        ...(await identityEnv('billing')),
        SAGA_SWEEP_INTERVAL_MS: '200',
        ...options.billingEnv,
      }),
      { log: peers.logger('billing').log, signals: false },
    );
    hosts.push(billing.host);
    const { capture, log } = peers.logger('front-end');
    const frontEnd = await start(
      parseConfig(Config, {
        ...peers.common,
        ...peers.addresses,
        BILLING_URL: `http://127.0.0.1:${billing.port}`,
        REDIS_URL: infra.redis.url,
        REDIS_KEY_PREFIX: `${infra.redis.prefix}front-end:`,
        HTTP_PORT: '0',
        ADMIN_PORT: '0',
        SESSION_SECRET: 'test-front-end-session-secret-0123456789',
        ...(await identityEnv('front-end')),
        // Generous: a loaded CI machine must not make the panels flaky (degradation.test.ts sets its own).
        PANEL_BUDGET_MS: '2000',
        ...options.env,
      }),
      { log, signals: false },
    );
    hosts.push(frontEnd.host);
    const url = `http://127.0.0.1:${frontEnd.port}`;
    return {
      url,
      adminUrl: `http://127.0.0.1:${frontEnd.adminPort}`,
      billingUrl: `http://127.0.0.1:${billing.port}`,
      peers,
      capture,
      browserClient: () => createBrowserClient(url),
      async stop() {
        for (const host of hosts.reverse()) await host.shutdown.close();
        await peers.stop();
      },
    };
  } catch (error) {
    for (const host of hosts.reverse()) await host.shutdown.close();
    await peers.stop();
    throw error;
  }
}

export interface BrowserReply {
  status: number;
  headers: Headers;
  /** Parsed JSON for a JSON answer, otherwise the text. */
  body: unknown;
  text: string;
}

export interface BrowserClient {
  request(
    method: string,
    path: string,
    options?: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> },
  ): Promise<BrowserReply>;
  get(path: string): Promise<BrowserReply>;
  cookies: Map<string, string>;
}

/** fetch with a cookie jar and the shop's Origin, redirects not followed (tests look at them). */
export function createBrowserClient(baseUrl: string): BrowserClient {
  const cookies = new Map<string, string>();
  async function request(
    method: string,
    path: string,
    options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<BrowserReply> {
    const headers: Record<string, string> = { origin: baseUrl, ...options.headers };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      const expired = attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute));
      if (expired || value === '') cookies.delete(name.trim());
      else cookies.set(name.trim(), value);
    }
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') === true;
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text, text };
  }
  return { request, get: (path) => request('GET', path), cookies };
}
