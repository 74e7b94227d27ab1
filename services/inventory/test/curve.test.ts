// Inventory's ZeroRPC port with CURVE configured, as compose and Kubernetes run it: billing's and
// the front-end's keys get in, a client without keys (or with another key) is never answered, so
// nobody who merely reaches the port can reserve the whole stock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inventoryRpc } from '@trio/contracts/inventory';
import { createRpcClient } from '@trio/rpc/client';
import { newCurveKeyPair as curveKeyPair } from '@trio/rpc/curve';
import { TimeoutExpired } from '@trio/rpc/errors';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { newOrderId, newSku, startInventory, type TestInventory } from './support/inventory.ts';

const server = curveKeyPair();
const billing = curveKeyPair();
const attacker = curveKeyPair();

let infra: TestInfra;
let inventory: TestInventory;

before(async () => {
  infra = await createTestInfra();
  inventory = await startInventory(infra, {
    RPC_CURVE_SECRET_KEY: server.secretKey,
    RPC_CURVE_ALLOWED_CLIENTS: `${billing.publicKey}, ${curveKeyPair().publicKey}`,
  });
});

after(async () => {
  await inventory?.stop();
  await infra?.drop();
});

const client = (curve?: { publicKey: string; secretKey: string }) =>
  createRpcClient({
    service: inventoryRpc,
    endpoints: inventory.endpoint,
    retry: false,
    timeoutMs: 1_000,
    ...(curve === undefined ? {} : { curve: { serverKey: server.publicKey, ...curve } }),
  });

test('with CURVE on, only a listed key reserves; a client without keys or with another key gets nothing', async () => {
  const allowed = client(billing);
  const plain = client();
  const other = client(attacker);
  try {
    const sku = newSku();
    await allowed.call('restock', sku, 5);
    const lines = [{ sku, qty: 1 }];
    for (const stranger of [plain, other]) {
      await assert.rejects(stranger.call('reserve', newOrderId(), lines, 3600), TimeoutExpired);
    }
    assert.deepEqual(await allowed.call('getStock', [sku]), { [sku]: 5 }, 'the strangers reserved nothing');
    const orderId = newOrderId();
    await allowed.call('reserve', orderId, lines, 60);
    assert.deepEqual(
      await allowed.call('getStock', [sku]),
      { [sku]: 4 },
      'the allowed reservation holds stock',
    );
    await allowed.call('release', orderId);
  } finally {
    await Promise.all([allowed.close(), plain.close(), other.close()]);
  }
});

test('a secret key without an allow-list refuses to start, saying why', async () => {
  await assert.rejects(
    startInventory(infra, { RPC_CURVE_SECRET_KEY: server.secretKey }),
    /RPC_CURVE_ALLOWED_CLIENTS is not: nobody could call/,
  );
});
