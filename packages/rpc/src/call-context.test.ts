import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createContext, getContext, runWithContext, traceparentOf } from '@trio/service-runtime/context';
import { createLazyContext } from './call-context.ts';

test('when the lazy context is read, it continues the caller’s trace and correlation id', () => {
  const caller = createContext({ correlationId: 'order-9' });
  const context = createLazyContext({ traceparent: traceparentOf(caller), correlationId: 'order-9' });
  assert.equal(context.traceId, caller.traceId);
  assert.equal(context.correlationId, 'order-9');
  assert.match(context.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(context.spanId, caller.spanId);
  assert.equal(context.traceFlags, '01');
});

test('when the lazy context is read several times, its ids stay the same', () => {
  const context = createLazyContext({});
  assert.equal(context.requestId, context.requestId);
  assert.equal(context.traceId, context.traceId);
  assert.equal(context.correlationId, context.requestId, 'without a correlation id, the request id is used');
});

test('when the lazy context is spread or serialized, every field is there', () => {
  const context = createLazyContext({ correlationId: 'order-10' });
  const copy = { ...context };
  assert.deepEqual(Object.keys(copy), ['requestId', 'traceId', 'spanId', 'traceFlags', 'correlationId']);
  assert.deepEqual(JSON.parse(JSON.stringify(context)), copy);
  assert.equal(copy.correlationId, 'order-10');
});

test('when ids from the caller are not sane, they are replaced as createContext does', () => {
  const context = createLazyContext({ traceparent: 'nonsense', correlationId: 'drop table; --' });
  assert.match(context.traceId, /^[0-9a-f]{32}$/);
  assert.equal(context.correlationId, context.requestId);
});

test('when a handler runs in the lazy context, getContext() returns it', () => {
  const context = createLazyContext({ correlationId: 'order-11' });
  runWithContext(context, () => assert.equal(getContext()?.correlationId, 'order-11'));
});
