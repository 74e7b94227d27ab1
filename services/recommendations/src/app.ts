// What the service answers and what it learns from, as a pure factory: connections come in,
// nothing is opened here, so tests and main.ts wire the same handlers.
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type { RpcServerHandlers } from '@trio/rpc/server';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { learningHandlers } from './entry-points/events/learning.ts';
import { recommendationHandlers } from './entry-points/rpc/recommendations.ts';

export interface AppDeps {
  db: Postgres;
}

export interface App {
  /** For the ZeroRPC server of `recommendationsRpc`. */
  rpc: RpcServerHandlers<typeof recommendationsRpc>;
  /** For the consumer of `recommendations.learning`, in its inbox transaction. */
  events: SubscriptionHandlers<'recommendations.learning', pg.PoolClient>;
}

export function createApp(deps: AppDeps): App {
  return { rpc: recommendationHandlers(deps.db), events: learningHandlers };
}
