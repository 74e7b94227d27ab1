// The ZeroRPC methods of the contract. The rpc server has validated the arguments (and filled in
// the default limit) before a handler runs; each calls one use case.
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import type { RpcServerHandlers } from '@trio/rpc/server';
import type { Postgres } from '@trio/service-runtime/postgres';
import { recommendForProduct, recommendForUser } from '../../domain/recommend.ts';

export function recommendationHandlers(db: Postgres): RpcServerHandlers<typeof recommendationsRpc> {
  return {
    forProduct: (sku, limit) => recommendForProduct(db, sku, limit),
    forUser: (userId, limit) => recommendForUser(db, userId, limit),
  };
}
