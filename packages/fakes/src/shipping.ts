// The shipping fake: flat prices per parcel, a shipment per tracked id.
// Scenarios: `deliver` (standard and express to every country), `no-delivery` (quote answers
// UnsupportedDestination), plus `slow` and `down`.
import type { shippingRpc } from '@trio/contracts/shipping';
import { RpcError } from '@trio/rpc/errors';
import type { RpcServerHandlers } from '@trio/rpc/server';
import type { FakeScenarios } from './scenarios.ts';

export const shippingScenarios: FakeScenarios = {
  fake: 'shipping',
  scenarios: {
    deliver:
      'quotes standard (4.90 per parcel, 3-5 days) and express (12.90 per parcel, 1-2 days) to any country',
    'no-delivery': 'quote answers UnsupportedDestination',
  },
};

export function shippingHandlers(scenario: () => string): RpcServerHandlers<typeof shippingRpc> {
  return {
    quote: async (destination, parcels) => {
      if (scenario() === 'no-delivery')
        throw new RpcError('UnsupportedDestination', `The shop does not ship to ${destination.country}`);
      return {
        options: [
          {
            service: 'standard',
            price: { amount: 490 * parcels.length, currency: 'EUR' },
            estimatedDays: { min: 3, max: 5 },
          },
          {
            service: 'express',
            price: { amount: 1290 * parcels.length, currency: 'EUR' },
            estimatedDays: { min: 1, max: 2 },
          },
        ],
      };
    },
    track: async (shipmentId) => {
      throw new RpcError('NotFound', `No shipment ${shipmentId}`);
    },
  };
}
