// Every variable the front-end reads, validated once at boot (see .env.example for dev values).

import { curveClientSettings, PeerTransport, peerCurveKey, rpcDiscoverySettings } from '@trio/rpc/service';
import {
  DurationMs,
  eventBusSettings,
  PeerAddr,
  PeerUrl,
  Port,
  RedisUrl,
  secret,
  serviceSettings,
} from '@trio/service-runtime/config';
import { identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

export const Config = z.object({
  ...serviceSettings({ name: 'front-end', httpPort: 8080 }),
  ...identitySettings({ calls: true, accepts: [] }),
  /**
   * /healthz, /readyz and /metrics, for the platform only: HTTP_PORT is the shop's public port,
   * where those paths answer 404 (a shopper has no business with the readiness report).
   */
  ADMIN_PORT: Port.default(3008),
  REDIS_URL: RedisUrl,
  /** Every key the front-end writes (sessions, carts) starts with this. */
  REDIS_KEY_PREFIX: z.string().min(1).default('front-end:'),
  ...eventBusSettings(),
  CATALOG_URL: PeerUrl.default('http://127.0.0.1:3001'),
  PROFILES_URL: PeerUrl.default('http://127.0.0.1:3002'),
  BILLING_URL: PeerUrl.default('http://127.0.0.1:3004'),
  INVENTORY_ADDR: PeerAddr.default(['tcp://127.0.0.1:4242']),
  SHIPPING_ADDR: PeerAddr.default(['tcp://127.0.0.1:4243']),
  /** Shipping's REST port, for quotes when SHIPPING_TRANSPORT is `rest`. */
  SHIPPING_URL: PeerUrl.default('http://127.0.0.1:3006'),
  /** Which transport carries the quote: `zerorpc` (SHIPPING_ADDR) or `rest` (SHIPPING_URL). */
  SHIPPING_TRANSPORT: PeerTransport,
  RECOMMENDATIONS_ADDR: PeerAddr.default(['tcp://127.0.0.1:4244']),
  /** Signs the forms' CSRF tokens. */
  SESSION_SECRET: secret({ minLength: 32 }),
  SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** `Secure` on the session cookie: on wherever the shop is served over HTTPS. */
  COOKIE_SECURE: z.stringbool().default(false),
  /**
   * How long a product page waits for stock and recommendations before rendering without them
   * ("availability unknown", no panel): the page's own time budget, whatever those services do.
   */
  PANEL_BUDGET_MS: DurationMs.default(300),
  /** Per call to catalog, profiles and billing (billing's checkout waits for the saga). */
  HTTP_TIMEOUT_MS: DurationMs.default(15_000),
  /** Per call to shipping quotes (over either transport). */
  RPC_TIMEOUT_MS: DurationMs.default(3_000),
  /** How long products fetched from catalog are reused; product.updated drops one at once. */
  PRODUCT_CACHE_TTL_MS: DurationMs.default(30_000),
  /**
   * How long a product page's stock is reused. stock.depleted and
   * stock.low drop a sku at once, so a sold-out product shows "Out of stock" as soon as that event
   * arrives, and at the latest this long after; checkout reserves stock itself either way.
   */
  STOCK_CACHE_TTL_MS: DurationMs.default(2_000),
  /** How long a product's "Bought together" skus are reused. */
  RECOMMENDATIONS_CACHE_TTL_MS: DurationMs.default(30_000),
  /** CURVE for the ZeroRPC peers: this client's key pair, and each server's public key. */
  ...curveClientSettings(),
  /** Native service discovery (`npm start -- --replicas`): peers' names looked up in this file first. */
  ...rpcDiscoverySettings(),
  INVENTORY_CURVE_KEY: peerCurveKey(),
  SHIPPING_CURVE_KEY: peerCurveKey(),
  RECOMMENDATIONS_CURVE_KEY: peerCurveKey(),
});
export type Config = z.infer<typeof Config>;
