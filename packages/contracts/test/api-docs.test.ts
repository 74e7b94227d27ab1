// The committed API documents: current with the schemas, and valid for the tools that read them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { asyncApiPath, openApiPath, zeroRpcPath } from '../scripts/doc-paths.ts';
import { buildAsyncApiDocument } from '../src/asyncapi.ts';
import { eventCatalogue, eventSubscriptions, eventTypes, type SubscriptionName } from '../src/events.ts';
import { pathParamNames, toOpenApiPath } from '../src/http.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { operationId, restApis } from '../src/routes.ts';
import { buildZeroRpcDocument } from '../src/zerorpc.ts';

const fresh = (path: URL) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

describe('committed API documents', () => {
  test('when regenerated in memory, the committed docs/api/openapi.json is identical (not stale)', () => {
    assert.ok(
      fresh(openApiPath) === buildOpenApiDocument(),
      'docs/api/openapi.json is stale: run npm run docs:api',
    );
  });

  test('when regenerated in memory, the committed docs/api/asyncapi.yaml is identical (not stale)', () => {
    assert.ok(
      fresh(asyncApiPath) === buildAsyncApiDocument(),
      'docs/api/asyncapi.yaml is stale: run npm run docs:api',
    );
  });

  test('when regenerated in memory, the committed docs/api/zerorpc.json is identical (not stale)', () => {
    assert.ok(
      fresh(zeroRpcPath) === buildZeroRpcDocument(),
      'docs/api/zerorpc.json is stale: run npm run docs:api',
    );
  });

  test('when generated twice, every document is byte-identical', () => {
    assert.equal(buildOpenApiDocument(), buildOpenApiDocument());
    assert.equal(buildAsyncApiDocument(), buildAsyncApiDocument());
    assert.equal(buildZeroRpcDocument(), buildZeroRpcDocument());
  });
});

describe('asyncapi.yaml', () => {
  test('when parsed by @asyncapi/parser, it has no errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(buildAsyncApiDocument());
    // Severity 0 is an error and 1 a warning; 2 (information) only says AsyncAPI 3.1 exists.
    const problems = diagnostics
      .filter((diagnostic) => diagnostic.severity <= 1)
      .map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
    assert.deepEqual(problems, []);
    assert.ok(document, 'the parser returned no document');

    const messageNames = document
      .allMessages()
      .all()
      .map((message) => message.name());
    assert.deepEqual([...messageNames].sort(), [...eventTypes].sort());
    const sends = document.operations().filterBySend();
    assert.equal(sends.length, eventTypes.length, 'one publish operation per event type');
  });

  test('when an event has consumers, each has a receive operation tagged with its name and naming its queue', async () => {
    const { document } = await new Parser().parse(buildAsyncApiDocument());
    assert.ok(document);
    const receives = document.operations().filterByReceive();
    const pairs = receives.map((operation) => {
      const channel = operation.channels().all()[0];
      return `${operation.tags().all()[0]?.name()} <- ${channel?.address()}`;
    });
    for (const operation of receives) {
      const queue = operation.extensions().get('x-queue')?.value() as SubscriptionName;
      const subscription = eventSubscriptions[queue];
      assert.ok(subscription, `${operation.id()} names no known queue`);
      const type = operation.channels().all()[0]?.address() ?? '';
      assert.equal(subscription.service, operation.tags().all()[0]?.name(), `the consumer of ${queue}`);
      assert.ok((subscription.types as readonly string[]).includes(type), `${queue} is bound with ${type}`);
    }
    const expected = eventTypes.flatMap((type) =>
      eventCatalogue[type].consumers.map((c) => `${c} <- ${type}`),
    );
    assert.deepEqual(pairs.sort(), expected.sort());
  });
});

type Json = { [key: string]: unknown };

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

function resolvePointer(document: Json, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `${ref} is not a local reference`);
  return ref
    .slice(2)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (node as Json | undefined)?.[segment], document);
}

describe('openapi.json', () => {
  const document = JSON.parse(buildOpenApiDocument()) as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;

  test('when read, it declares OpenAPI 3.1 with info and one tag per service', () => {
    assert.match(String(document.openapi), /^3\.1\.\d+$/);
    assert.equal((document.info as Json).title, 'Trio Shop REST APIs');
    const tags = (document.tags as Json[]).map((tag) => tag.name);
    assert.deepEqual(
      tags,
      restApis.map((api) => api.service),
    );
  });

  test('when a route is in a route table, its operation is in the document with every status', () => {
    for (const api of restApis) {
      for (const [name, route] of Object.entries(api.routes)) {
        const operation = paths[toOpenApiPath(route.path)]?.[route.method];
        assert.ok(operation, `${route.method.toUpperCase()} ${route.path} (${api.service}) is missing`);
        assert.equal(operation.operationId, operationId(api.service, name));
        assert.deepEqual(operation.tags, [api.service]);
        // A route closed to the public also answers the identity check's 401 and 403.
        const identityAnswers = route.callers.includes('public') ? [] : ['401', '403'];
        assert.deepEqual(
          Object.keys(operation.responses as Json).sort(),
          [...new Set([...Object.keys(route.responses), ...identityAnswers])].sort(),
        );
        assert.deepEqual(operation['x-trio-callers'], route.callers);
        const declared = ((operation.parameters ?? []) as Json[])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name);
        assert.deepEqual(declared, pathParamNames(route.path), `path parameters of ${route.path}`);
      }
    }
  });

  test('when the document is walked, every operation id is unique and every $ref resolves', () => {
    const ids = Object.values(paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    assert.equal(new Set(ids).size, ids.length, 'duplicate operationId');
    const unresolved = collectRefs(document).filter((ref) => resolvePointer(document, ref) === undefined);
    assert.deepEqual(unresolved, []);
  });

  test('when an operation needs credentials, its security scheme is declared', () => {
    const schemes = Object.keys((document.components as Json).securitySchemes as Json);
    for (const item of Object.values(paths)) {
      for (const operation of Object.values(item)) {
        for (const requirement of (operation.security ?? []) as Json[]) {
          for (const name of Object.keys(requirement))
            assert.ok(schemes.includes(name), `unknown scheme ${name}`);
        }
      }
    }
  });
});
