// CURVE on a ZeroRPC port: a client with the server's public key and an allowed key pair is
// answered; a plaintext client, a client whose key is not on the allow-list, and a client that
// expects another server key get nothing at all (the handshake fails before any call is read), and
// the server counts the refused key. Real sockets on loopback.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { assertCurveKey, curvePublicKey, z85Decode, z85Encode } from '../src/curve.ts';
import { TimeoutExpired } from '../src/errors.ts';
import { curveClientOptions, curveServerOptions } from '../src/service.ts';
import { captureLog, connectClient, eventually, metricValue, startCalculator } from './support/harness.ts';

const server = curveKeyPair();
const allowed = curveKeyPair();
const stranger = curveKeyPair();

async function refused(call: Promise<unknown>): Promise<void> {
  await assert.rejects(call, (error: unknown) => error instanceof TimeoutExpired);
}

describe('CURVE', () => {
  test('an allowed client is answered over an encrypted connection; a plaintext or unlisted client gets nothing', async () => {
    const { log, lines } = captureLog();
    const calc = await startCalculator({
      log,
      curve: { secretKey: server.secretKey, allowedClients: [allowed.publicKey] },
    });
    const good = connectClient(calc.endpoint, {
      retry: false,
      curve: { serverKey: server.publicKey, ...allowed },
    });
    const plain = connectClient(calc.endpoint, { retry: false, timeoutMs: 800 });
    const unlisted = connectClient(calc.endpoint, {
      retry: false,
      timeoutMs: 800,
      curve: { serverKey: server.publicKey, ...stranger },
    });
    const wrongServer = connectClient(calc.endpoint, {
      retry: false,
      timeoutMs: 800,
      curve: { serverKey: stranger.publicKey, ...allowed },
    });
    try {
      assert.equal(await good.call('add', 2, 3), 5);
      await refused(plain.call('add', 1, 1));
      await refused(unlisted.call('add', 1, 1));
      await refused(wrongServer.call('add', 1, 1));
      await eventually(
        async () =>
          (await metricValue(calc.registry, 'rpc_server_garbage_messages_total', {
            reason: 'curve_key_refused',
          })) >= 1,
        2000,
        'the refused key counted',
      );
      assert.ok(
        lines().some(
          (line) =>
            line.msg === 'rpc server refused a client whose CURVE key is not allowed' &&
            line.clientKey === stranger.publicKey,
        ),
        'the refused key is logged',
      );
      // The allowed client still works after the others were turned away.
      assert.equal(await good.call('add', 20, 22), 42);
    } finally {
      await Promise.all([good.close(), plain.close(), unlisted.close(), wrongServer.close()]);
      await calc.server.close();
    }
  });

  test('keys are Z85 text of 40 characters, and ZAP’s binary keys are encoded the same way', () => {
    const pair = curveKeyPair();
    assertCurveKey('a key', pair.publicKey);
    assert.throws(
      () => assertCurveKey('RPC_CURVE_SECRET_KEY', 'short'),
      /RPC_CURVE_SECRET_KEY must be a 40-character Z85 CURVE key/,
    );
    // The Z85 example of RFC 32: 8 bytes → "HelloWorld".
    assert.equal(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), 'HelloWorld');
  });

  test('production binds beyond loopback only with CURVE; a client pair that does not belong together is named', () => {
    const open = { NODE_ENV: 'production', RPC_HOST: '0.0.0.0' };
    assert.throws(
      () => curveServerOptions(open),
      /RPC_CURVE_SECRET_KEY and RPC_CURVE_ALLOWED_CLIENTS are required in production when RPC_HOST \(0\.0\.0\.0\)/,
    );
    assert.deepEqual(curveServerOptions({ ...open, RPC_HOST: '127.0.0.1' }), {});
    assert.deepEqual(curveServerOptions({ ...open, NODE_ENV: 'development' }), {});
    assert.ok(
      curveServerOptions({
        ...open,
        RPC_CURVE_SECRET_KEY: server.secretKey,
        RPC_CURVE_ALLOWED_CLIENTS: [allowed.publicKey],
      }).curve,
    );

    assert.equal(curvePublicKey(allowed.secretKey), allowed.publicKey);
    assert.throws(
      () =>
        curveClientOptions(
          { RPC_CURVE_PUBLIC_KEY: stranger.publicKey, RPC_CURVE_SECRET_KEY: allowed.secretKey },
          server.publicKey,
        ),
      /RPC_CURVE_PUBLIC_KEY is not the public key of RPC_CURVE_SECRET_KEY/,
    );
    assert.deepEqual(
      Buffer.from(z85Decode(z85Encode(Buffer.from(allowed.publicKey)))),
      Buffer.from(allowed.publicKey),
    );
  });
});
