// Every AMQP event travels in one envelope on one topic exchange, with the event type as routing
// key. The catalogue below is the single list of events: who publishes each, who consumes it,
// its version and its payload schema. Payload schemas live with the context that publishes them.
import { z } from 'zod';
import { InvoiceIssued, OrderCancelled, OrderConfirmed } from './billing.ts';
import { Product } from './catalog.ts';
import { type FieldIssue, IsoDateTime, type ServiceName, toFieldIssues } from './common.ts';
import { StockDepleted, StockLow } from './inventory.ts';
import { PaymentAuthorized, PaymentCaptured, PaymentFailed, PaymentRefunded } from './payment.ts';
import { UserRegistered } from './profiles.ts';
import { ShipmentCreated, ShipmentDelivered, ShipmentDispatched } from './shipping.ts';

/** The durable topic exchange all domain events are published to. */
export const eventsExchange = { name: 'trio.events', type: 'topic' } as const;

export interface EventDefinition {
  readonly summary: string;
  /** Bumped on a breaking payload change; consumers reject versions they do not know. */
  readonly version: number;
  readonly publisher: ServiceName;
  readonly consumers: readonly ServiceName[];
  readonly payload: z.ZodType;
}

function defineEvent<const E extends EventDefinition>(event: E): E {
  return event;
}

export const eventCatalogue = {
  'product.created': defineEvent({
    summary: 'A product was added to the catalogue',
    version: 1,
    publisher: 'catalog',
    consumers: ['front-end', 'recommendations'],
    payload: Product,
  }),
  'product.updated': defineEvent({
    summary: 'A product or its price changed; the payload is the product after the change',
    version: 1,
    publisher: 'catalog',
    consumers: ['front-end', 'recommendations'],
    payload: Product,
  }),
  'user.registered': defineEvent({
    summary: 'A customer created an account',
    version: 1,
    publisher: 'profiles',
    consumers: ['billing'],
    payload: UserRegistered,
  }),
  'order.confirmed': defineEvent({
    summary: 'Stock is reserved, shipping quoted and payment authorized: the order stands',
    version: 1,
    publisher: 'billing',
    consumers: ['inventory', 'shipping', 'recommendations'],
    payload: OrderConfirmed,
  }),
  'order.cancelled': defineEvent({
    summary: 'An order will not be fulfilled; its reserved stock goes back on sale',
    version: 1,
    publisher: 'billing',
    consumers: ['inventory'],
    payload: OrderCancelled,
  }),
  'payment.authorized': defineEvent({
    summary: 'An amount is held on a card',
    version: 1,
    publisher: 'payment',
    consumers: ['billing'],
    payload: PaymentAuthorized,
  }),
  'payment.captured': defineEvent({
    summary: 'Held money was taken',
    version: 1,
    publisher: 'payment',
    consumers: ['billing'],
    payload: PaymentCaptured,
  }),
  'payment.failed': defineEvent({
    summary: 'The processor refused an authorization',
    version: 1,
    publisher: 'payment',
    consumers: ['billing'],
    payload: PaymentFailed,
  }),
  'payment.refunded': defineEvent({
    summary: 'Captured money was given back, wholly or in part',
    version: 1,
    publisher: 'payment',
    consumers: ['billing'],
    payload: PaymentRefunded,
  }),
  'invoice.issued': defineEvent({
    summary: 'An order was invoiced',
    version: 1,
    publisher: 'billing',
    consumers: ['front-end', 'profiles'],
    payload: InvoiceIssued,
  }),
  'shipment.created': defineEvent({
    summary: 'A confirmed order got a shipment and a tracking number',
    version: 1,
    publisher: 'shipping',
    consumers: ['billing'],
    payload: ShipmentCreated,
  }),
  'shipment.dispatched': defineEvent({
    summary: 'A shipment left the warehouse',
    version: 1,
    publisher: 'shipping',
    consumers: ['billing'],
    payload: ShipmentDispatched,
  }),
  'shipment.delivered': defineEvent({
    summary: 'A shipment reached the customer',
    version: 1,
    publisher: 'shipping',
    consumers: ['billing'],
    payload: ShipmentDelivered,
  }),
  'stock.low': defineEvent({
    summary: 'Availability of a sku fell to or below its threshold',
    version: 1,
    publisher: 'inventory',
    consumers: ['front-end'],
    payload: StockLow,
  }),
  'stock.depleted': defineEvent({
    summary: 'A sku has no available units left',
    version: 1,
    publisher: 'inventory',
    consumers: ['front-end'],
    payload: StockDepleted,
  }),
} as const;

export type EventType = keyof typeof eventCatalogue;
export const eventTypes = Object.keys(eventCatalogue) as EventType[];

export interface EventSubscription {
  /** The consuming service; the catalogue must list it as a consumer of each of `types`. */
  readonly service: ServiceName;
  /** The event types the queue is bound with; the consumer has a handler for each. */
  readonly types: readonly EventType[];
}

/**
 * Every consumer queue of the shop, named `<service>.<purpose>`, with the event types bound to it.
 * Together they cover each (event type, consumer) pair of the catalogue exactly once. Consumers
 * declare their queue from here, and publishers declare the queues their events feed before
 * publishing, so that nothing published before a consumer first starts is dropped.
 */
export const eventSubscriptions = {
  'billing.customers': { service: 'billing', types: ['user.registered'] },
  'billing.payments': {
    service: 'billing',
    types: ['payment.authorized', 'payment.captured', 'payment.failed', 'payment.refunded'],
  },
  'billing.shipments': {
    service: 'billing',
    types: ['shipment.created', 'shipment.dispatched', 'shipment.delivered'],
  },
  'front-end.cache': {
    service: 'front-end',
    types: ['product.created', 'product.updated', 'stock.low', 'stock.depleted', 'invoice.issued'],
  },
  'inventory.orders': { service: 'inventory', types: ['order.confirmed', 'order.cancelled'] },
  'profiles.invoices': { service: 'profiles', types: ['invoice.issued'] },
  'recommendations.learning': {
    service: 'recommendations',
    types: ['order.confirmed', 'product.created', 'product.updated'],
  },
  'shipping.orders': { service: 'shipping', types: ['order.confirmed'] },
} as const satisfies { readonly [name: `${ServiceName}.${string}`]: EventSubscription };

export type SubscriptionName = keyof typeof eventSubscriptions;
export const subscriptionNames = Object.keys(eventSubscriptions) as SubscriptionName[];
/** The event types bound to subscription `S`. */
export type SubscriptionEventType<S extends SubscriptionName> =
  (typeof eventSubscriptions)[S]['types'][number];

/** W3C Trace Context `traceparent`, version 00. All-zero ids are invalid by the spec. */
export const Traceparent = z
  .string()
  .regex(
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/,
    'must be a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>',
  )
  .refine((value) => !/^00-0{32}-|-0{16}-/.test(value), 'must not have an all-zero trace id or parent id')
  .meta({ id: 'Traceparent', examples: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'] });

export const EventEnvelope = z
  .object({
    id: z.uuid('must be a UUID').describe('Unique per event; consumers de-duplicate on it'),
    type: z
      .string()
      .regex(/^[a-z]+(?:\.[a-z]+)+$/, 'must be dotted lower-case words such as "order.confirmed"')
      .describe('The event type; also the routing key'),
    version: z.int().min(1).describe('Payload version of this type'),
    occurredAt: IsoDateTime,
    correlationId: z.string().min(1).max(200).describe('Ties together everything one user action caused'),
    traceparent: Traceparent.optional(),
    payload: z.unknown(),
  })
  .meta({ id: 'EventEnvelope' });
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/**
 * AMQP headers that repeat envelope fields, so that middleware (tracing, logging, the DLQ tool)
 * can read them without parsing the body.
 */
export const EventHeaders = z
  .object({
    traceparent: Traceparent.optional(),
    'x-correlation-id': z.string().min(1).max(200),
  })
  .meta({ id: 'EventHeaders', description: 'AMQP message headers of every event' });
export type EventHeaders = z.infer<typeof EventHeaders>;

export type EventPayload<T extends EventType> = z.output<(typeof eventCatalogue)[T]['payload']>;
export type EventPayloadInput<T extends EventType> = z.input<(typeof eventCatalogue)[T]['payload']>;

type EnvelopeFields = Omit<EventEnvelope, 'type' | 'version' | 'payload'>;

/** An event of one type (or, without a type argument, the union of all of them). */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: EnvelopeFields & { type: K; version: number; payload: EventPayload<K> };
}[T];

const pascalCase = (type: string) =>
  type.replace(/(?:^|\.)([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/**
 * The full schema of each event type: the envelope with that type's literal and payload, named
 * `<Type>Event` (e.g. `OrderConfirmedEvent`) in the AsyncAPI document.
 */
// Object.fromEntries forgets which key holds which schema; each entry is built from its own
// catalogue entry, so the cast restores what is true.
export const eventSchemas = Object.fromEntries(
  eventTypes.map((type) => {
    const definition: EventDefinition = eventCatalogue[type];
    const schema = EventEnvelope.extend({
      type: z.literal(type),
      version: z.literal(definition.version),
      payload: definition.payload,
    }).meta({ id: `${pascalCase(type)}Event`, description: definition.summary });
    return [type, schema];
  }),
) as unknown as { readonly [K in EventType]: z.ZodType<DomainEvent<K>, unknown> };

export type InvalidEventReason = 'envelope' | 'unknown_type' | 'unsupported_version' | 'payload';

/** Why a message is not a valid event; `reason` and `issues` are meant for the dead-letter header. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  readonly reason: InvalidEventReason;
  readonly issues: FieldIssue[];

  constructor(reason: InvalidEventReason, issues: FieldIssue[]) {
    const list = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    super(`invalid event (${reason}): ${list.join('; ')}`);
    this.reason = reason;
    this.issues = issues;
  }
}

function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalogue, type);
}

// The events this module built or validated (zod's outputs, fresh objects): validating one of them
// again (the outbox writing what createEvent built, the publisher sending what the relay parsed)
// returns it as it is. Events are values: nothing changes one after it was made.
const validated = new WeakSet<object>();

/**
 * Validates the envelope, then the payload for its type. Throws `InvalidEventError`. An event
 * this module built or validated already is returned as it is.
 */
export function parseEvent(input: unknown): DomainEvent {
  if (typeof input === 'object' && input !== null && validated.has(input)) return input as DomainEvent;
  // A known type at its version (nearly every event): its full schema alone, which includes the
  // envelope's; the envelope is parsed by itself only to name what is wrong with an invalid one.
  const claimed = input as { type?: unknown; version?: unknown } | null;
  const fast =
    typeof claimed?.type === 'string' &&
    isEventType(claimed.type) &&
    claimed.version === eventCatalogue[claimed.type].version
      ? eventSchemas[claimed.type].safeParse(input)
      : undefined;
  if (fast?.success) {
    validated.add(fast.data);
    return fast.data;
  }
  const envelope = EventEnvelope.safeParse(input);
  if (!envelope.success) throw new InvalidEventError('envelope', toFieldIssues(envelope.error));
  const { type, version } = envelope.data;
  if (!isEventType(type)) {
    throw new InvalidEventError('unknown_type', [{ path: 'type', message: `unknown event type "${type}"` }]);
  }
  const known = eventCatalogue[type].version;
  if (version !== known) {
    throw new InvalidEventError('unsupported_version', [
      { path: 'version', message: `${type} version ${version} is not supported (expected ${known})` },
    ]);
  }
  const event = fast ?? eventSchemas[type].safeParse(input);
  if (!event.success) throw new InvalidEventError('payload', toFieldIssues(event.error));
  validated.add(event.data);
  return event.data;
}

export interface EventContext {
  readonly correlationId: string;
  readonly traceparent?: string;
  /** Defaults to a fresh UUID; pass one to re-create an event deterministically (tests, outbox). */
  readonly id?: string;
  /** Defaults to now. */
  readonly occurredAt?: Date;
}

/** Builds a valid event of `type`: fills id, version and occurredAt and validates everything. */
export function createEvent<T extends EventType>(
  type: T,
  payload: EventPayloadInput<T>,
  context: EventContext,
): DomainEvent<T> {
  const candidate = {
    id: context.id ?? crypto.randomUUID(),
    type,
    version: eventCatalogue[type].version,
    occurredAt: (context.occurredAt ?? new Date()).toISOString(),
    correlationId: context.correlationId,
    ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
    payload,
  };
  const event = eventSchemas[type].safeParse(candidate);
  if (!event.success) {
    const issues = toFieldIssues(event.error);
    const reason = issues.every((issue) => issue.path.startsWith('payload')) ? 'payload' : 'envelope';
    throw new InvalidEventError(reason, issues);
  }
  validated.add(event.data);
  return event.data;
}
