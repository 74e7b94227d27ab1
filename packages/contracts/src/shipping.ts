// shipping (ZeroRPC, :4243): quotes from rate tables (country zone × weight band × service) and
// tracking. Shipments are created from `order.confirmed`, not by a call, and move through
// created → dispatched → delivered, each step announced as an event.
import { z } from 'zod';
import { IsoDateTime, Money, OrderId, ShipmentId, ShippingDestination, ShippingService } from './common.ts';
import { defineRpcMethod, defineRpcService } from './rpc.ts';

export const Parcel = z
  .object({ weightGrams: z.int().min(1, 'must be at least 1 gram').max(30_000, 'must be at most 30 kg') })
  .meta({ id: 'Parcel' });
export type Parcel = z.infer<typeof Parcel>;

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
    args: z.tuple([ShippingDestination, z.array(Parcel).min(1, 'must hold at least one parcel').max(20)]),
    argNames: ['destination', 'parcels'],
    result: ShippingQuote,
    errors: {
      UnsupportedDestination: { description: 'The shop does not ship to this country' },
      ParcelTooHeavy: { description: 'A parcel is above the heaviest weight band' },
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
