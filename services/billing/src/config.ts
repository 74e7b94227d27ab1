// Every variable billing reads, validated once at boot (see .env.example for dev values).
import { billingRoutes } from '@trio/contracts/billing';
import { curveClientSettings, PeerTransport, peerCurveKey, rpcDiscoverySettings } from '@trio/rpc/service';
import {
  DurationMs,
  eventBusSettings,
  PeerAddr,
  PeerUrl,
  postgresSettings,
  secret,
  serviceSettings,
} from '@trio/service-runtime/config';
import { acceptedCallers, identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const Config = z.object({
  ...serviceSettings({ name: 'billing', httpPort: 3004 }),
  ...identitySettings({ calls: true, accepts: acceptedCallers(billingRoutes) }),
  ...postgresSettings(),
  ...eventBusSettings(),
  CATALOG_URL: PeerUrl.default('http://127.0.0.1:3001'),
  PROFILES_URL: PeerUrl.default('http://127.0.0.1:3002'),
  PAYMENT_URL: PeerUrl.default('http://127.0.0.1:3003'),
  INVENTORY_ADDR: PeerAddr.default(['tcp://127.0.0.1:4242']),
  SHIPPING_ADDR: PeerAddr.default(['tcp://127.0.0.1:4243']),
  /** Shipping's REST port, for quotes when SHIPPING_TRANSPORT is `rest`. */
  SHIPPING_URL: PeerUrl.default('http://127.0.0.1:3006'),
  /** Which transport carries the quote: `zerorpc` (SHIPPING_ADDR) or `rest` (SHIPPING_URL). */
  SHIPPING_TRANSPORT: PeerTransport,
  /**
   * Keys the fingerprint of each POST /orders under its Idempotency-Key. The body holds card
   * numbers, and a plain hash of a card number is easy to reverse; a keyed one is not.
   */
  IDEMPOTENCY_SECRET: secret({ minLength: 16 }),
  /** VAT on subtotal + shipping, in basis points (1900 = 19 %). */
  TAX_RATE_BASIS_POINTS: z.coerce.number().int().min(0).max(10_000).default(1900),
  /** How long POST /orders waits for the saga before answering with the order still pending. */
  CHECKOUT_RESPONSE_BUDGET_MS: DurationMs.default(10_000),
  /**
   * How long the saga keeps retrying a step that cannot get an answer (a peer down) before it
   * gives up and compensates with reason `timeout`. Only steps before the order is confirmed give
   * up; capturing and invoicing a confirmed order are retried until they succeed.
   */
  SAGA_DEADLINE_MS: DurationMs.default(120_000),
  /** How often unfinished sagas (another process died, a peer was down) are looked for. */
  SAGA_SWEEP_INTERVAL_MS: DurationMs.default(2_000),
  /** How long inventory holds the stock of an order whose saga is under way. */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Per call to inventory and shipping (over either transport). */
  RPC_TIMEOUT_MS: DurationMs.default(3_000),
  /** Per call to catalog, profiles and payment; above the slow test card's 3 s. */
  HTTP_TIMEOUT_MS: DurationMs.default(8_000),
  /** Sagas driven at once by the sweeper (a request drives its own saga besides these). */
  SAGA_CONCURRENCY: positiveInt.default(8),
  /** CURVE for the ZeroRPC peers: this client's key pair, and each server's public key. */
  ...curveClientSettings(),
  /** Native service discovery (`npm start -- --replicas`): peers' names looked up in this file first. */
  ...rpcDiscoverySettings(),
  INVENTORY_CURVE_KEY: peerCurveKey(),
  SHIPPING_CURVE_KEY: peerCurveKey(),
});
export type Config = z.infer<typeof Config>;
