import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext, getContext, parseTraceparent, runWithContext, traceparentOf } from './context.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const header = `00-${traceId}-00f067aa0ba902b7-01`;

describe('parseTraceparent', () => {
  it('when the header is valid, returns its trace id, parent id and flags', () => {
    assert.deepEqual(parseTraceparent(header), { traceId, parentId: '00f067aa0ba902b7', traceFlags: '01' });
  });

  for (const [situation, value] of [
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${traceId}-00f067aa0ba902b7-01`],
    ['version 00 with extra fields', `${header}-extra`],
  ]) {
    it(`when the header is ${situation}, returns undefined`, () => {
      assert.equal(parseTraceparent(value!), undefined);
    });
  }
});

describe('createContext', () => {
  it('when the caller sent a traceparent, continues its trace with a new span', () => {
    const context = createContext({ traceparent: header });
    assert.equal(context.traceId, traceId);
    assert.notEqual(context.spanId, '00f067aa0ba902b7');
    assert.equal(traceparentOf(context), `00-${traceId}-${context.spanId}-01`);
  });

  it('when nothing was sent, starts a trace and uses the request id as correlation id', () => {
    const context = createContext();
    assert.match(context.traceId, /^[0-9a-f]{32}$/);
    assert.match(context.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(context.correlationId, context.requestId);
  });

  it('when the incoming request id is not a plain token, replaces it', () => {
    const context = createContext({ requestId: 'evil\nforged log line', correlationId: 'x'.repeat(500) });
    assert.match(context.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(context.correlationId, context.requestId);
  });
});

describe('runWithContext', () => {
  it('makes the context current across awaits, and only inside', async () => {
    const context = createContext({ requestId: 'abc' });
    await runWithContext(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(getContext()?.requestId, 'abc');
    });
    assert.equal(getContext(), undefined);
  });
});
