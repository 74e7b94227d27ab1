// Every variable the recommendations service reads, validated once at boot (see .env.example).
import { curveServerSettings } from '@trio/rpc/service';
import {
  BindHost,
  eventBusSettings,
  Port,
  postgresSettings,
  serviceSettings,
} from '@trio/service-runtime/config';
import { z } from 'zod';

export const Config = z.object({
  // HTTP_PORT is the admin port: /healthz, /readyz, /metrics.
  ...serviceSettings({ name: 'recommendations', httpPort: 3007 }),
  /** ZeroRPC; 0 picks a free port (tests). */
  RPC_PORT: Port.default(4244),
  /** Interface the ZeroRPC socket binds: loopback by default, every one in a container (0.0.0.0). */
  RPC_HOST: BindHost,
  ...postgresSettings(),
  ...eventBusSettings(),
  /** CURVE on the ZeroRPC port (see docs/zerorpc.md); unset, plain ZeroRPC for loopback use. */
  ...curveServerSettings(),
});
export type Config = z.infer<typeof Config>;
