import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { eventPayloads, samples } from '../test/samples.ts';
import {
  createEvent,
  type DomainEvent,
  EventHeaders,
  eventCatalogue,
  eventSubscriptions,
  eventTypes,
  InvalidEventError,
  parseEvent,
  subscriptionNames,
} from './events.ts';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const context = { correlationId: 'req-7f3a', traceparent };

/** An event as it arrives from the broker: JSON text parsed back into a plain object. */
const overTheWire = (event: unknown) => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
const orderConfirmed = () => overTheWire(createEvent('order.confirmed', samples.orderConfirmed, context));

function rejects(input: unknown, reason: InvalidEventError['reason'], path: string) {
  assert.throws(
    () => parseEvent(input),
    (error: unknown) => {
      assert.ok(error instanceof InvalidEventError, String(error));
      assert.equal(error.reason, reason);
      assert.ok(
        error.issues.some((issue) => issue.path === path),
        `expected an issue at "${path}", got ${JSON.stringify(error.issues)}`,
      );
      return true;
    },
  );
}

describe('event catalogue', () => {
  test('docs/architecture.md’s event table names every event with its publisher and consumers', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Events'), doc.indexOf('## The checkout saga'));
    const documented = new Map<string, { publisher: string; consumers: string[] }>();
    for (const row of section.split('\n').filter((line) => /^\| `/.test(line))) {
      const [events = '', publisher = '', consumers = ''] = row
        .split('|')
        .slice(1)
        .map((cell) => cell.trim());
      const names = consumers
        .replace(/\([^)]*\)/g, '')
        .split(',')
        .map((name) => name.trim());
      for (const [, type] of events.matchAll(/`([^`]+)`/g)) {
        documented.set(type!, { publisher, consumers: names.filter(Boolean).sort() });
      }
    }
    assert.deepEqual([...documented.keys()].sort(), [...eventTypes].sort());
    for (const type of eventTypes) {
      const { publisher, consumers } = eventCatalogue[type];
      assert.deepEqual(documented.get(type), { publisher, consumers: [...consumers].sort() }, type);
    }
  });

  test('when an event is published, its publisher is not also one of its consumers', () => {
    for (const type of eventTypes) {
      const { publisher, consumers } = eventCatalogue[type];
      assert.ok(consumers.length > 0, `${type} has no consumer`);
      assert.ok(!(consumers as readonly string[]).includes(publisher), type);
    }
  });
});

describe('event subscriptions', () => {
  const pair = (consumer: string, type: string) => `${consumer} <- ${type}`;

  test('when compared with the catalogue, they cover every (event, consumer) pair exactly once and no other', () => {
    const listed = eventTypes.flatMap((type) =>
      eventCatalogue[type].consumers.map((consumer) => pair(consumer, type)),
    );
    const subscribed = subscriptionNames.flatMap((name) => {
      const { service, types } = eventSubscriptions[name];
      return types.map((type) => pair(service, type));
    });
    // Sorted lists with repeats kept: a pair subscribed twice or missing shows as a difference.
    assert.deepEqual(subscribed.toSorted(), listed.toSorted());
  });

  test('when a subscription is named, the name is <service>.<purpose> of its consuming service', () => {
    for (const name of subscriptionNames) {
      const { service, types } = eventSubscriptions[name];
      assert.match(name, /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/);
      assert.ok(name.startsWith(`${service}.`), `${name} is consumed by ${service}`);
      assert.ok(types.length > 0, `${name} has no event type`);
    }
  });
});

describe('createEvent and parseEvent', () => {
  test('when an event of every type is created and sent as JSON, parseEvent returns it unchanged', () => {
    for (const type of eventTypes) {
      const created: DomainEvent = createEvent(type, eventPayloads[type], context);
      assert.deepEqual(parseEvent(overTheWire(created)), created, type);
    }
  });

  test('when an event is created, id, version and occurredAt are filled in', () => {
    const before = Date.now();
    const event = createEvent('stock.depleted', { sku: 'MUG-0001' }, { correlationId: 'c-1' });
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(event.version, 1);
    assert.ok(Date.parse(event.occurredAt) >= before - 1);
    assert.equal('traceparent' in event, false, 'no traceparent key when none was given');
    assert.notEqual(
      event.id,
      createEvent('stock.depleted', { sku: 'MUG-0001' }, { correlationId: 'c-1' }).id,
    );
  });

  test('when an id and time are given, the same event is created twice byte for byte', () => {
    const fixed = { ...context, id: samples.ids.order, occurredAt: new Date('2025-01-31T12:00:00Z') };
    const a = createEvent('stock.low', { sku: 'MUG-0001', available: 2, threshold: 5 }, fixed);
    const b = createEvent('stock.low', { sku: 'MUG-0001', available: 2, threshold: 5 }, fixed);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.equal(a.occurredAt, '2025-01-31T12:00:00.000Z');
  });

  test('when a payload does not fit its type, createEvent refuses to build the event', () => {
    assert.throws(
      () => createEvent('stock.low', { sku: 'MUG-0001', available: 2.5, threshold: 5 }, context),
      (error: unknown) => error instanceof InvalidEventError && error.reason === 'payload',
    );
  });

  test('when the traceparent passed to createEvent is malformed, the envelope is refused', () => {
    assert.throws(
      () => createEvent('stock.depleted', { sku: 'MUG-0001' }, { correlationId: 'c', traceparent: 'abc' }),
      (error: unknown) => error instanceof InvalidEventError && error.reason === 'envelope',
    );
  });
});

describe('parseEvent rejections', () => {
  test('when the message is not an object, the envelope is rejected', () => {
    rejects('order.confirmed', 'envelope', '');
    rejects(null, 'envelope', '');
  });

  test('when the id is not a UUID or occurredAt not a date-time, the envelope names them', () => {
    rejects({ ...orderConfirmed(), id: '42' }, 'envelope', 'id');
    rejects({ ...orderConfirmed(), occurredAt: 'yesterday' }, 'envelope', 'occurredAt');
    rejects({ ...orderConfirmed(), correlationId: '' }, 'envelope', 'correlationId');
  });

  test('when the traceparent is not in W3C format, the envelope is rejected', () => {
    for (const bad of [
      'garbage',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    ]) {
      rejects({ ...orderConfirmed(), traceparent: bad }, 'envelope', 'traceparent');
    }
  });

  test('when the type is not in the catalogue, the event is rejected as unknown', () => {
    rejects({ ...orderConfirmed(), type: 'order.shipped' }, 'unknown_type', 'type');
    rejects({ ...orderConfirmed(), type: 'constructor.x' }, 'unknown_type', 'type');
  });

  test('when the version is newer than the catalogue’s, the event is rejected as unsupported', () => {
    rejects({ ...orderConfirmed(), version: 2 }, 'unsupported_version', 'version');
  });

  test('when the payload belongs to another type, the payload fields are named', () => {
    rejects({ ...orderConfirmed(), payload: { sku: 'MUG-0001' } }, 'payload', 'payload.orderId');
  });

  test('when a nested payload value is wrong, the issue points into the payload', () => {
    const event = orderConfirmed();
    const payload = structuredClone(samples.orderConfirmed);
    payload.lines = [{ sku: 'MUG-0001', qty: 2, unitPrice: { amount: 12.5, currency: 'EUR' } }];
    rejects({ ...event, payload }, 'payload', 'payload.lines[0].unitPrice.amount');
  });

  test('when a consumer receives fields it does not know, they are dropped and the event is accepted', () => {
    const event = orderConfirmed();
    const parsed = parseEvent({
      ...event,
      extra: true,
      payload: { ...(event.payload as object), coupon: 'X' },
    });
    assert.equal('extra' in parsed, false);
    assert.equal('coupon' in parsed.payload, false);
  });

  test('when the error is shown, its message lists every issue with its path', () => {
    try {
      parseEvent({ ...orderConfirmed(), id: 'x', occurredAt: 'y' });
      assert.fail('expected a rejection');
    } catch (error) {
      assert.ok(error instanceof InvalidEventError);
      assert.match(
        error.message,
        /^invalid event \(envelope\): id: must be a UUID; occurredAt: must be an ISO 8601/,
      );
    }
  });
});

describe('event headers', () => {
  test('when the AMQP headers lack the correlation id, they are rejected', () => {
    assert.ok(EventHeaders.safeParse({ 'x-correlation-id': 'c', traceparent }).success);
    assert.equal(EventHeaders.safeParse({ traceparent }).success, false);
  });
});
