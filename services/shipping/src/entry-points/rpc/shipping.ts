// The ZeroRPC methods of `shippingRpc` (@trio/contracts/shipping). The server checks the arguments
// against each method's tuple before a handler runs, and answers the use cases' errors with their
// contract names; each handler calls one use case.
import type { shippingRpc } from '@trio/contracts/shipping';
import type { RpcServerHandlers } from '@trio/rpc/server';
import { quote } from '../../domain/rates.ts';
import { type ShippingDeps, track } from '../../domain/shipments.ts';

export function shippingHandlers(deps: ShippingDeps): RpcServerHandlers<typeof shippingRpc> {
  return {
    quote: (destination, parcels) => quote(destination, parcels),
    track: (shipmentId) => track(deps, shipmentId),
  };
}
