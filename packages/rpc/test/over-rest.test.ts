// An RPC contract's method answered by its REST route (over-rest.ts), against a real HTTP server of
// the service runtime with its identity check: the caller gets what a ZeroRPC call gives, the
// result typed alike and the errors as RemoteErrors of the same names, whichever transport
// `<PEER>_TRANSPORT` picks (connectPeerMethods).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ServiceName } from '@trio/contracts/common';
import { type ShippingQuote, shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { AppError } from '@trio/service-runtime/errors';
import { createCallerIdentity, createCallerVerifier } from '@trio/service-runtime/identity';
import { createRestPeer, PeerUnavailable } from '@trio/service-runtime/peer';
import { createServiceHost } from '@trio/service-runtime/service';
import { validate } from '@trio/service-runtime/validate';
import { RemoteError } from '../src/errors.ts';
import { rpcMethodsOverRest } from '../src/over-rest.ts';
import { connectPeerMethods } from '../src/service.ts';
import { silentLog } from './support/harness.ts';

function keyPair(service: ServiceName) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = `${service}-over-rest-test`;
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid },
  };
}

const keys = { billing: keyPair('billing'), payment: keyPair('payment') };
const host = createServiceHost({ service: 'shipping', log: silentLog, signals: false });
const answer: ShippingQuote = {
  options: [
    { service: 'standard', price: { amount: 490, currency: 'EUR' }, estimatedDays: { min: 1, max: 3 } },
  ],
};
let baseUrl: string;
let calls = 0;
const dropped = new Set<string>();

before(async () => {
  const verifier = createCallerVerifier('shipping', {
    billing: { keys: [keys.billing.publicJwk as never] },
    payment: { keys: [keys.payment.publicJwk as never] },
  });
  const { port } = await host.listen({
    port: 0,
    routes: (app) =>
      app.post(shippingRoutes.quote.path, validate({ body: shippingRoutes.quote.body }), (req, res) => {
        calls += 1;
        const { country, postalCode } = req.body.destination;
        // The first call for `drop-<n>` gets no answer: its connection is dropped.
        if (postalCode.startsWith('drop-') && !dropped.has(postalCode)) {
          dropped.add(postalCode);
          req.socket.destroy();
          return;
        }
        if (country === 'KP') {
          throw new AppError('unsupported_destination', `The shop does not ship to ${country}`, {
            status: 422,
          });
        }
        res.json(answer);
      }),
    callers: { verifier, routes: [shippingRoutes] },
  });
  baseUrl = `http://127.0.0.1:${port}`;
});

after(() => host.shutdown.close());

async function quoteAs(caller: 'billing' | 'payment' | undefined, service: typeof shippingRpc = shippingRpc) {
  const identity =
    caller === undefined ? undefined : await createCallerIdentity(caller, keys[caller].privateJwk as never);
  const peer = createRestPeer({
    name: 'shipping',
    baseUrl,
    timeoutMs: 5_000,
    ...(identity ? { identity } : {}),
  });
  return rpcMethodsOverRest(service, peer, shippingRoutes).quote;
}

const destination = { country: 'DE', postalCode: '10115' };
const parcels = [{ weightGrams: 1_000 }];

describe('an RPC method over its REST route', () => {
  test('the arguments travel as the body by their names; the answer is the result', async () => {
    const quote = await quoteAs('billing');
    assert.deepEqual(await quote(destination, parcels), answer);
  });

  test('an error the contract names is the RemoteError ZeroRPC gives, with its message', async () => {
    const quote = await quoteAs('billing');
    const error = await quote({ country: 'KP', postalCode: '1' }, parcels).then(
      () => assert.fail('the quote succeeded'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof RemoteError);
    assert.equal(error.name, 'UnsupportedDestination');
    assert.equal(error.message, 'The shop does not ship to KP');
  });

  test('arguments the contract refuses are a ValidationError, and never leave', async () => {
    const quote = await quoteAs('billing');
    const before = calls;
    await assert.rejects(quote(destination, [{ weightGrams: 30_001 }]), { name: 'ValidationError' });
    assert.equal(calls, before);
  });

  test('a caller the route refuses (none, or not listed) is PeerUnavailable, as a refused CURVE key is', async () => {
    for (const caller of [undefined, 'payment'] as const) {
      const quote = await quoteAs(caller);
      await assert.rejects(quote(destination, parcels), PeerUnavailable, String(caller));
    }
  });

  test('an idempotent method that got no answer is sent again, as over ZeroRPC; another is not', async () => {
    const quote = await quoteAs('billing');
    const before = calls;
    assert.deepEqual(await quote({ country: 'DE', postalCode: 'drop-1' }, parcels), answer);
    assert.equal(calls - before, 2, 'dropped once, then answered');

    // The same method were it not idempotent: the peer may have acted, so the caller decides.
    const once = { ...shippingRpc.methods.quote, idempotent: false };
    const notIdempotent = { ...shippingRpc, methods: { ...shippingRpc.methods, quote: once } };
    const risky = await quoteAs('billing', notIdempotent as typeof shippingRpc);
    const first = calls;
    await assert.rejects(risky({ country: 'DE', postalCode: 'drop-2' }, parcels), PeerUnavailable);
    assert.equal(calls - first, 1, 'sent once');
  });

  test('connectPeerMethods with <PEER>_TRANSPORT=rest calls <PEER>_URL with RPC_TIMEOUT_MS', async () => {
    const identity = await createCallerIdentity('billing', keys.billing.privateJwk as never);
    const made: unknown[] = [];
    const shipping = connectPeerMethods(
      host,
      { RPC_TIMEOUT_MS: 4_000, SHIPPING_TRANSPORT: 'rest', SHIPPING_URL: baseUrl },
      {
        service: shippingRpc,
        routes: shippingRoutes,
        restPeer: (name, url, timeoutMs) => {
          made.push([name, url, timeoutMs]);
          return createRestPeer({ name, baseUrl: url, timeoutMs, identity });
        },
      },
    );
    assert.deepEqual(await shipping.quote(destination, parcels), answer);
    assert.deepEqual(made, [['shipping', baseUrl, 4_000]]);
  });
});
