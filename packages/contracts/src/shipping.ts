// shipping (ZeroRPC, :4243; REST, :3006): quotes from rate tables (country zone × weight band ×
// service) and tracking. The quote is served over both transports from the same schemas, so a
// caller moves between them by configuration (`SHIPPING_TRANSPORT`). Shipments are created from
// `order.confirmed`, not by a call, and move through created → dispatched → delivered, each step
// announced as an event.
import { z } from 'zod';
import {
  ErrorBody,
  IsoDateTime,
  Money,
  OrderId,
  ShipmentId,
  ShippingDestination,
  ShippingService,
} from './common.ts';
import { defineRoute, errorResponses } from './http.ts';
import { defineRpcMethod, defineRpcService } from './rpc.ts';

/**
 * The heaviest parcel shipping takes (its carrier's limit). Shipping's rate tables end at this
 * weight, and billing and the storefront split a cart's weight with `splitIntoParcels`, so a
 * parcel that one of them makes is always one that shipping prices.
 */
export const maxParcelGrams = 30_000;
/** The most parcels one quote may hold: a cart heavier than this many full parcels does not ship. */
export const maxParcelsPerQuote = 20;

export const Parcel = z
  .object({
    weightGrams: z
      .int()
      .min(1, 'must be at least 1 gram')
      .max(maxParcelGrams, `must be at most ${maxParcelGrams / 1000} kg`),
  })
  .meta({ id: 'Parcel' });
export type Parcel = z.infer<typeof Parcel>;

/**
 * A cart's weight in as few parcels as shipping takes: full parcels of `maxParcelGrams`, then the
 * rest. The split is by weight, not by item: the warehouse packs the goods to these weights, and a
 * single item heavier than a parcel (a 35 kg rack) goes out in several boxes like any other
 * weight. A weightless cart (digital goods only) is one 1 g parcel, the lightest shipping prices.
 * `undefined` when the weight needs more than `maxParcelsPerQuote` parcels: too heavy to ship.
 */
export function splitIntoParcels(weightGrams: number): Parcel[] | undefined {
  const total = Math.max(weightGrams, 1);
  if (total > maxParcelGrams * maxParcelsPerQuote) return undefined;
  const parcels: Parcel[] = [];
  for (let left = total; left > 0; left -= maxParcelGrams) {
    parcels.push({ weightGrams: Math.min(left, maxParcelGrams) });
  }
  return parcels;
}

export const ShippingOption = z
  .object({
    service: ShippingService,
    price: Money,
    estimatedDays: z.object({ min: z.int().min(0), max: z.int().min(0) }),
  })
  .meta({ id: 'ShippingOption' });
export type ShippingOption = z.infer<typeof ShippingOption>;

export const ShippingQuote = z.object({ options: z.array(ShippingOption).min(1) }).meta({
  id: 'ShippingQuote',
  description: 'Every service that can deliver to the destination, with its price',
});
export type ShippingQuote = z.infer<typeof ShippingQuote>;

/** What a quote is asked for: the ZeroRPC method's two arguments, and the REST route's body. */
export const ShippingQuoteRequest = z
  .object({
    destination: ShippingDestination,
    parcels: z.array(Parcel).min(1, 'must hold at least one parcel').max(maxParcelsPerQuote),
  })
  .meta({ id: 'ShippingQuoteRequest', description: 'Parcels to price, and where they go' });
export type ShippingQuoteRequest = z.infer<typeof ShippingQuoteRequest>;

/** The quote's one contract error, named alike on both transports. */
const unsupportedDestination = 'The shop does not ship to this country';

export const ShipmentStatus = z.enum(['created', 'dispatched', 'delivered']).meta({ id: 'ShipmentStatus' });
export type ShipmentStatus = z.infer<typeof ShipmentStatus>;

export const TrackingNumber = z
  .string()
  .regex(/^[A-Z0-9]{8,32}$/, 'must be 8-32 upper-case letters or digits')
  .meta({ id: 'TrackingNumber' });

export const Shipment = z
  .object({
    id: ShipmentId,
    orderId: OrderId,
    trackingNumber: TrackingNumber,
    service: ShippingService,
    destination: ShippingDestination,
    status: ShipmentStatus,
    history: z.array(z.object({ status: ShipmentStatus, at: IsoDateTime })),
  })
  .meta({ id: 'Shipment' });
export type Shipment = z.infer<typeof Shipment>;

export const shippingRpc = defineRpcService('shipping', {
  quote: defineRpcMethod({
    description: 'Price every shipping service for parcels to a destination.',
    args: z.tuple([ShippingQuoteRequest.shape.destination, ShippingQuoteRequest.shape.parcels]),
    argNames: ['destination', 'parcels'],
    result: ShippingQuote,
    // No error of its own for a heavy parcel: `Parcel` allows no more than `maxParcelGrams`, so a
    // heavier one is a ValidationError naming it (`parcels[2].weightGrams`), and every parcel the
    // schema allows is priced.
    errors: {
      UnsupportedDestination: { description: unsupportedDestination },
    },
    idempotent: true,
  }),
  track: defineRpcMethod({
    description: 'Where a shipment is, with its history.',
    args: z.tuple([ShipmentId]),
    argNames: ['shipmentId'],
    result: Shipment,
    errors: { NotFound: { description: 'No shipment with this id' } },
    idempotent: true,
  }),
});

export const shippingRoutes = {
  quote: defineRoute({
    method: 'post',
    path: '/quotes',
    summary: 'Price every shipping service for parcels to a destination',
    description:
      'The same quote as the ZeroRPC method `quote`, from the same rate tables: the body holds its ' +
      'two arguments by name. A country the shop does not ship to is a 422 `unsupported_destination` ' +
      '(`UnsupportedDestination` over ZeroRPC).',
    auth: 'none',
    callers: ['billing', 'front-end'],
    body: ShippingQuoteRequest,
    responses: {
      200: { description: 'The quote', body: ShippingQuote },
      ...errorResponses(400, 401, 403, 413),
      422: {
        description: `${unsupportedDestination}; \`error.code\` is unsupported_destination`,
        body: ErrorBody,
      },
    },
  }),
} as const;

const shipmentFact = { shipmentId: ShipmentId, orderId: OrderId, trackingNumber: TrackingNumber };

/** Payload of `shipment.created`. */
export const ShipmentCreated = z
  .object({ ...shipmentFact, service: ShippingService })
  .meta({ id: 'ShipmentCreated' });
export type ShipmentCreated = z.infer<typeof ShipmentCreated>;

/** Payload of `shipment.dispatched`. */
export const ShipmentDispatched = z.object(shipmentFact).meta({ id: 'ShipmentDispatched' });
export type ShipmentDispatched = z.infer<typeof ShipmentDispatched>;

/** Payload of `shipment.delivered`. */
export const ShipmentDelivered = z.object(shipmentFact).meta({ id: 'ShipmentDelivered' });
export type ShipmentDelivered = z.infer<typeof ShipmentDelivered>;
