// The shipping fake: flat prices per parcel, a shipment per tracked id. The quote is served on both
// of shipping's transports, as the real service serves it: the ZeroRPC method `quote` (SHIPPING_ADDR)
// and the REST route `POST /quotes` (SHIPPING_URL, for callers run with SHIPPING_TRANSPORT=rest).
// Scenarios: `deliver` (standard and express to every country), `no-delivery` (quote answers
// UnsupportedDestination over ZeroRPC, 422 unsupported_destination over REST), plus `slow` and `down`.
import type { ShippingDestination } from '@trio/contracts/common';
import type { ShippingQuote, shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { RpcError } from '@trio/rpc/errors';
import type { RpcServerHandlers } from '@trio/rpc/server';
import { errorAnswer, type RestHandlers } from './rest.ts';
import type { FakeScenarios } from './scenarios.ts';

export const shippingScenarios: FakeScenarios = {
  fake: 'shipping',
  scenarios: {
    deliver:
      'quotes standard (4.90 per parcel, 3-5 days) and express (12.90 per parcel, 1-2 days) to any country',
    'no-delivery': 'quote answers UnsupportedDestination (422 unsupported_destination over REST)',
  },
};

/** The quote in `scenario`, or undefined where the shop does not ship. */
function quoteIn(scenario: string, parcels: readonly unknown[]): ShippingQuote | undefined {
  if (scenario === 'no-delivery') return undefined;
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
}

const noDelivery = (destination: ShippingDestination) => `The shop does not ship to ${destination.country}`;

export function shippingHandlers(scenario: () => string): RpcServerHandlers<typeof shippingRpc> {
  return {
    quote: async (destination, parcels) => {
      const quote = quoteIn(scenario(), parcels);
      if (quote === undefined) throw new RpcError('UnsupportedDestination', noDelivery(destination));
      return quote;
    },
    track: async (shipmentId) => {
      throw new RpcError('NotFound', `No shipment ${shipmentId}`);
    },
  };
}

export function shippingRestHandlers(): RestHandlers<typeof shippingRoutes> {
  return {
    quote: ({ body, scenario }) => {
      const { destination, parcels } = body as { destination: ShippingDestination; parcels: unknown[] };
      const quote = quoteIn(scenario, parcels);
      return quote === undefined
        ? errorAnswer(422, 'unsupported_destination', noDelivery(destination))
        : { status: 200, body: quote };
    },
  };
}
