// docs/api/zerorpc.json is what someone writing a client in another language reads: every method
// of every service with its arguments, result and errors. These tests check that it lists exactly
// what the contracts define, and that its JSON Schemas (2020-12) accept and refuse what zod does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { builtinRpcErrors } from '../src/rpc.ts';
import { buildZeroRpcDocument, rpcApis } from '../src/zerorpc.ts';

type Json = { [key: string]: unknown };
interface DocumentedMethod {
  idempotent: boolean;
  stream: boolean;
  args: { name: string; schema: Json }[];
  result: Json;
  errors: Record<string, { description: string; details?: Json }>;
}
interface DocumentedService {
  port: number;
  endpoint: string;
  methods: Record<string, DocumentedMethod>;
}

const document = JSON.parse(buildZeroRpcDocument()) as {
  services: Record<string, DocumentedService>;
  commonErrors: Record<string, unknown>;
  $defs: Record<string, Json>;
};
const rootId = 'https://trio-shop.invalid/zerorpc.json';
const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
// One schema holding every named schema, so that the methods' references resolve into it.
ajv.addSchema({ $id: rootId, $defs: document.$defs });
/** A validator of one documented schema, its `$ref`s resolved against the document's `$defs`. */
const validatorOf = (schema: Json) =>
  ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', `"${rootId}#/$defs/`)));

const orderId = '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69';

describe('docs/api/zerorpc.json', () => {
  test('when read, it lists every rpc service with its port and exactly the methods of its contract', () => {
    assert.deepEqual(
      Object.keys(document.services),
      rpcApis.map((api) => api.service.name),
    );
    for (const { service, port } of rpcApis) {
      const documented = document.services[service.name]!;
      assert.equal(documented.port, port);
      assert.equal(documented.endpoint, `tcp://${service.name}:${port}`);
      assert.deepEqual(Object.keys(documented.methods), Object.keys(service.methods), service.name);
      for (const [name, method] of Object.entries(service.methods)) {
        const doc = documented.methods[name]!;
        const where = `${service.name}.${name}`;
        assert.deepEqual(
          doc.args.map((arg) => arg.name),
          [...method.argNames],
          `${where} arguments`,
        );
        assert.equal(doc.idempotent, method.idempotent, `${where} idempotent`);
        assert.equal(doc.stream, false, `${where} streams`);
        assert.deepEqual(Object.keys(doc.errors), Object.keys(method.errors), `${where} errors`);
        for (const [error, definition] of Object.entries(method.errors)) {
          assert.equal(doc.errors[error]?.details !== undefined, definition.details !== undefined);
        }
      }
    }
    for (const error of Object.keys(builtinRpcErrors)) assert.ok(error in document.commonErrors, error);
  });

  test('when compiled as JSON Schema 2020-12 in strict mode, every schema of every method is valid', () => {
    for (const [serviceName, service] of Object.entries(document.services)) {
      for (const [name, method] of Object.entries(service.methods)) {
        const schemas = [
          ...method.args.map((arg) => arg.schema),
          method.result,
          ...Object.values(method.errors).flatMap((error) => (error.details ? [error.details] : [])),
        ];
        for (const schema of schemas)
          assert.doesNotThrow(() => validatorOf(schema), `${serviceName}.${name}`);
      }
    }
  });

  test('when reserve is called with arguments zod accepts or refuses, the documented schemas agree', () => {
    const [id, lines, ttl] = document.services.inventory!.methods.reserve!.args.map((arg) =>
      validatorOf(arg.schema),
    );
    assert.ok(id!(orderId));
    assert.ok(lines!([{ sku: 'MUG-0001', qty: 2 }]));
    assert.ok(ttl!(900));
    assert.equal(id!('not-a-uuid'), false, 'an order id that is not a uuid');
    assert.equal(lines!([]), false, 'no lines');
    assert.equal(lines!([{ sku: 'mug', qty: 2 }]), false, 'a lower-case sku');
    assert.equal(ttl!(3601), false, 'a hold longer than an hour');
  });

  test('when reserve fails with OutOfStock, its documented details accept the short skus only', () => {
    const details = document.services.inventory!.methods.reserve!.errors.OutOfStock!.details!;
    const validate = validatorOf(details);
    assert.ok(validate({ skus: ['MUG-0001'] }));
    assert.equal(validate({ skus: [] }), false);
  });
});
