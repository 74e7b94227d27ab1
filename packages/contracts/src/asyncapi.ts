// Renders the event catalogue as an AsyncAPI 3.0 document: one channel per event type (its address
// is the routing key on the topic exchange), one message per type whose payload is the full
// envelope, a send operation for the publisher and a receive operation per consumer, naming the
// consumer's queue (its subscription). Pure and
// deterministic, so a test can compare it with the committed docs/api/asyncapi.yaml.

import { stringify } from 'yaml';
import { z } from 'zod';
import {
  EventEnvelope,
  EventHeaders,
  type EventType,
  eventCatalogue,
  eventSchemas,
  eventSubscriptions,
  eventsExchange,
  eventTypes,
  type SubscriptionName,
  subscriptionNames,
} from './events.ts';

const bindingVersion = '0.3.0';
type JsonObject = { [key: string]: unknown };

const pascalCase = (text: string) =>
  text.replace(/(?:^|[.-])([a-z])/g, (_match, letter: string) => letter.toUpperCase());
const camelCase = (text: string) => pascalCase(text).replace(/^[A-Z]/, (letter) => letter.toLowerCase());

/** The component name events.ts gave the type's full schema (`OrderConfirmedEvent`). */
function schemaIdOf(type: EventType): string {
  const id = z.globalRegistry.get(eventSchemas[type])?.id;
  if (id === undefined) throw new Error(`the schema of ${type} has no id`);
  return id;
}

/** Rewrites draft-07 local references so they point into `components.schemas`. */
function relocateRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relocateRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string'
        ? value.replace(/^#\/definitions\//, '#/components/schemas/')
        : relocateRefs(value);
  }
  return out;
}

/**
 * JSON Schemas of every event, with each named schema (Money, Address, …) hoisted once into
 * `components.schemas`. Draft-07 is what the AsyncAPI schema format extends; `io: 'input'` documents
 * what a consumer accepts (unknown fields allowed, defaults optional).
 */
function componentSchemas(): Record<string, unknown> {
  const schemas = new Map<string, string>();
  for (const root of [EventEnvelope, ...eventTypes.map((type) => eventSchemas[type]), EventHeaders]) {
    const json = z.toJSONSchema(root, { target: 'draft-07', io: 'input' });
    for (const [id, schema] of Object.entries(json.definitions ?? {})) {
      const text = JSON.stringify(relocateRefs(schema));
      const seen = schemas.get(id);
      if (seen !== undefined && seen !== text) {
        throw new Error(`schema id "${id}" names two different schemas`);
      }
      schemas.set(id, text);
    }
  }
  const sorted = [...schemas.keys()].sort();
  return Object.fromEntries(sorted.map((id) => [id, JSON.parse(schemas.get(id) ?? 'null')]));
}

function messageOf(type: EventType) {
  const event = eventCatalogue[type];
  return {
    name: type,
    title: type,
    summary: event.summary,
    contentType: 'application/json',
    headers: { $ref: '#/components/schemas/EventHeaders' },
    payload: { $ref: `#/components/schemas/${schemaIdOf(type)}` },
    correlationId: { $ref: '#/components/correlationIds/correlationId' },
    bindings: { amqp: { messageType: type, bindingVersion } },
    'x-publisher': event.publisher,
    'x-consumers': [...event.consumers],
  };
}

function channelOf(type: EventType) {
  return {
    address: type,
    title: type,
    description: `Routing key ${type} on the ${eventsExchange.name} exchange`,
    messages: { [pascalCase(type)]: { $ref: `#/components/messages/${pascalCase(type)}` } },
    bindings: {
      amqp: {
        is: 'routingKey',
        exchange: {
          name: eventsExchange.name,
          type: eventsExchange.type,
          durable: true,
          autoDelete: false,
          vhost: '/',
        },
        bindingVersion,
      },
    },
  };
}

/** The queue `consumer` receives `type` from. */
function queueOf(consumer: string, type: EventType): SubscriptionName {
  const name = subscriptionNames.find((subscription) => {
    const { service, types } = eventSubscriptions[subscription];
    return service === consumer && (types as readonly EventType[]).includes(type);
  });
  if (name === undefined) throw new Error(`no subscription of ${consumer} has ${type}`);
  return name;
}

function operationsOf(type: EventType): [string, JsonObject][] {
  const event = eventCatalogue[type];
  const channel = { $ref: `#/channels/${camelCase(type)}` };
  const messages = [{ $ref: `#/channels/${camelCase(type)}/messages/${pascalCase(type)}` }];
  const send: [string, JsonObject] = [
    `${camelCase(event.publisher)}Publishes${pascalCase(type)}`,
    {
      action: 'send',
      channel,
      messages,
      summary: `${event.publisher} publishes ${type} (persistent, with publisher confirms)`,
      tags: [{ name: event.publisher }],
      bindings: { amqp: { deliveryMode: 2, timestamp: true, bindingVersion } },
    },
  ];
  const receives = event.consumers.map((consumer): [string, JsonObject] => {
    const queue = queueOf(consumer, type);
    return [
      `${camelCase(consumer)}Receives${pascalCase(type)}`,
      {
        action: 'receive',
        channel,
        messages,
        summary: `${consumer} consumes ${type} from its durable queue ${queue}`,
        tags: [{ name: consumer }],
        'x-queue': queue,
        bindings: { amqp: { ack: true, bindingVersion } },
      },
    ];
  });
  return [send, ...receives];
}

/** The AsyncAPI document as the exact text of docs/api/asyncapi.yaml. */
export function buildAsyncApiDocument(): string {
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Trio Shop events',
      version: '1.0.0',
      description:
        'Every domain event of the shop. All events share one envelope and are published to one ' +
        `durable topic exchange (${eventsExchange.name}) with the event type as routing key. ` +
        'Money is always integer minor units plus an ISO 4217 code.',
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'rabbitmq:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: 'The shop’s RabbitMQ broker',
      },
    },
    channels: Object.fromEntries(eventTypes.map((type) => [camelCase(type), channelOf(type)])),
    operations: Object.fromEntries(eventTypes.flatMap(operationsOf)),
    components: {
      schemas: componentSchemas(),
      messages: Object.fromEntries(eventTypes.map((type) => [pascalCase(type), messageOf(type)])),
      correlationIds: {
        correlationId: {
          description: 'Ties together every message one user action caused',
          location: '$message.payload#/correlationId',
        },
      },
    },
  };
  const header = '# Generated by packages/contracts (npm run docs:api). Do not edit by hand.\n';
  return header + stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}
