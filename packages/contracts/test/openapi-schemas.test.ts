// The JSON Schemas inside openapi.json are what other teams' tools validate against. These tests
// compile them with a JSON Schema 2020-12 validator (the dialect of OpenAPI 3.1) and check that
// values zod accepts are accepted by the documented schemas too, so the two cannot disagree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import { Invoice, Order, PlaceOrderRequest } from '../src/billing.ts';
import { Product } from '../src/catalog.ts';
import { ErrorBody } from '../src/common.ts';
import { ApiCheckoutRequest, ApiOrder } from '../src/front-end.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { Payment } from '../src/payment.ts';
import { samples } from './samples.ts';

type Json = { [key: string]: unknown };

const text = buildOpenApiDocument();
const document = JSON.parse(text) as { components: { schemas: Record<string, Json> } };
// One schema that holds every component under $defs, so that references resolve inside it.
const rootId = 'https://trio-shop.invalid/openapi.json';
const defs = JSON.parse(text.replaceAll('"#/components/schemas/', '"#/$defs/')).components.schemas;
const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: rootId, $defs: defs });
const validatorOf = (name: string) => ajv.compile({ $ref: `${rootId}#/$defs/${name}` });

describe('JSON Schemas in openapi.json', () => {
  test('when compiled as JSON Schema 2020-12 in strict mode, every component schema is valid', () => {
    for (const name of Object.keys(document.components.schemas)) {
      assert.doesNotThrow(() => validatorOf(name), `components.schemas.${name}`);
    }
  });

  test('when a component declares examples, each of them validates against the component', () => {
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      const validate = validatorOf(name);
      for (const example of (schema.examples ?? []) as unknown[]) {
        assert.ok(
          validate(example),
          `${name} example ${JSON.stringify(example)}: ${ajv.errorsText(validate.errors)}`,
        );
      }
    }
  });

  const cases: [string, z.ZodType, unknown][] = [
    ['Product', Product, samples.product],
    ['PlaceOrderRequest', PlaceOrderRequest, samples.placeOrder],
    ['ApiCheckoutRequest', ApiCheckoutRequest, samples.checkout],
    ['ApiOrder', ApiOrder, samples.apiOrder],
    ['Payment', Payment, samples.payment],
    ['Order', Order, samples.order],
    ['Invoice', Invoice, samples.invoice],
    ['ErrorBody', ErrorBody, samples.errorBody],
  ];
  for (const [name, schema, value] of cases) {
    test(`when zod accepts a ${name}, the documented schema accepts it too`, () => {
      const parsed = schema.parse(value);
      const validate = validatorOf(name);
      assert.ok(validate(parsed), ajv.errorsText(validate.errors));
    });
  }
});
