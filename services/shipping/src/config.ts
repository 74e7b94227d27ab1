// Every variable shipping reads, validated once at boot (see .env.example for dev values).

import { shippingRoutes } from '@trio/contracts/shipping';
import { curveServerSettings } from '@trio/rpc/service';
import {
  BindHost,
  DurationMs,
  eventBusSettings,
  Port,
  postgresSettings,
  serviceSettings,
} from '@trio/service-runtime/config';
import { acceptedCallers, identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

export const Config = z.object({
  // HTTP_PORT serves the REST quote (POST /quotes) beside /healthz, /readyz and /metrics.
  ...serviceSettings({ name: 'shipping', httpPort: 3006 }),
  /** The public keys of the REST quote's callers (billing, front-end), checked on every call. */
  ...identitySettings({ calls: false, accepts: acceptedCallers(shippingRoutes) }),
  /** ZeroRPC; 0 picks a free port (tests). */
  RPC_PORT: Port.default(4243),
  /** Interface the ZeroRPC socket binds: loopback by default, every one in a container (0.0.0.0). */
  RPC_HOST: BindHost,
  ...postgresSettings(),
  ...eventBusSettings(),
  /** A new shipment is dispatched this long after it was created (the simulated warehouse). */
  DISPATCH_AFTER_MS: DurationMs.default(60_000),
  /** A dispatched shipment is delivered this long after it was dispatched (the simulated carrier). */
  DELIVER_AFTER_MS: DurationMs.default(300_000),
  /** How often due shipments are looked for; a step happens at most about this much late. */
  SHIPMENT_TICK_INTERVAL_MS: DurationMs.default(1_000),
  /** CURVE on the ZeroRPC port (see docs/zerorpc.md); unset, plain ZeroRPC for loopback use. */
  ...curveServerSettings(),
});
export type Config = z.infer<typeof Config>;
