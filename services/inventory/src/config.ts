// Every variable the inventory reads, validated once at boot (see .env.example for dev values).

import { curveServerSettings } from '@trio/rpc/service';
import {
  BindHost,
  DurationMs,
  eventBusSettings,
  Port,
  postgresSettings,
  serviceSettings,
} from '@trio/service-runtime/config';
import { z } from 'zod';

export const Config = z.object({
  // HTTP_PORT is the admin port: /healthz, /readyz, /metrics.
  ...serviceSettings({ name: 'inventory', httpPort: 3005 }),
  /** ZeroRPC; 0 picks a free port (tests). */
  RPC_PORT: Port.default(4242),
  /** Interface the ZeroRPC socket binds: loopback by default, every one in a container (0.0.0.0). */
  RPC_HOST: BindHost,
  ...postgresSettings(),
  ...eventBusSettings(),
  /** `stock.low` is published when a sku's availability falls to this many units or fewer. */
  LOW_STOCK_THRESHOLD: z.coerce.number().int().positive().default(5),
  /** How often lapsed reservations are looked for; a lapsed hold lasts at most about this much longer. */
  RESERVATION_SWEEP_INTERVAL_MS: DurationMs.default(5_000),
  /** Stocks every sku of the demo catalogue at start; idempotent, so safe on every start. */
  SEED_ON_START: z.stringbool().default(false),
  /** CURVE on the ZeroRPC port (see docs/zerorpc.md); unset, plain ZeroRPC for loopback use. */
  ...curveServerSettings(),
});
export type Config = z.infer<typeof Config>;
