import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, fingerprint } from './fingerprint.ts';

describe('request fingerprints', () => {
  it('are the same whatever the key order, at any depth', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
    assert.equal(fingerprint('s', { a: 1, b: 2 }), fingerprint('s', { b: 2, a: 1 }));
  });

  it('differ with the value and with the secret', () => {
    assert.notEqual(fingerprint('s', { a: 1 }), fingerprint('s', { a: 2 }));
    assert.notEqual(fingerprint('s', { a: 1 }), fingerprint('t', { a: 1 }));
    assert.match(fingerprint('s', { a: 1 }), /^[0-9a-f]{64}$/);
  });
});
