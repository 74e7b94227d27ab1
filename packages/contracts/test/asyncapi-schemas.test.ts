// The message schemas in asyncapi.yaml are what a consumer in another language generates code
// from. Each event that createEvent builds must validate against its documented schema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { buildAsyncApiDocument } from '../src/asyncapi.ts';
import { createEvent, eventTypes } from '../src/events.ts';
import { eventPayloads } from './samples.ts';

type Json = { [key: string]: unknown };

const document = parse(buildAsyncApiDocument()) as {
  components: { schemas: Record<string, Json>; messages: Record<string, Json> };
};
const rootId = 'https://trio-shop.invalid/asyncapi.json';
const definitions = JSON.parse(
  JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"#/definitions/'),
);
// Draft-07 is the dialect the AsyncAPI schema format builds on.
const ajv = new Ajv({ strict: true, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: rootId, definitions });

describe('JSON Schemas in asyncapi.yaml', () => {
  test('when an event of any type is created, it validates against its message’s payload schema', () => {
    for (const type of eventTypes) {
      const message = Object.values(document.components.messages).find(
        (candidate) => candidate.name === type,
      );
      assert.ok(message, `no message for ${type}`);
      const ref = String((message.payload as Json).$ref).replace('#/components/schemas/', '#/definitions/');
      const validate = ajv.compile({ $ref: `${rootId}${ref}` });
      const event = createEvent(type, eventPayloads[type], { correlationId: 'c-1' });
      assert.ok(validate(JSON.parse(JSON.stringify(event))), `${type}: ${ajv.errorsText(validate.errors)}`);
    }
  });

  test('when a message arrives with another type’s payload, its documented schema rejects it', () => {
    const validate = ajv.compile({ $ref: `${rootId}#/definitions/OrderConfirmedEvent` });
    const wrong = createEvent('stock.depleted', { sku: 'MUG-0001' }, { correlationId: 'c-1' });
    assert.equal(validate({ ...wrong, type: 'order.confirmed' }), false);
  });
});
