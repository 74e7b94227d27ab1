// The monolith's in-process transports against the network ones, on the same running services
// (started with SERVE_IN_PROCESS=true, as the monolith starts them): a REST call to
// `inproc://payment` and one to payment's port get the same answers, the refusals included (no
// caller identity, the wrong caller, a body the contract refuses), and a ZeroRPC call to
// `inproc://inventory` the same results and errors as one over TCP. Random ports, no lock needed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inventoryRpc } from '@trio/contracts/inventory';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { createRestPeer, type RestPeer } from '@trio/service-runtime/peer';
import { type ShopPeers, startPeers } from '@trio/shop-testing/peers';
import { callerHeaders } from '@trio/testing/identity';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';

let infra: TestInfra;
let peers: ShopPeers;
let rest: { network: RestPeer; inProcess: RestPeer };
let rpc: { network: RpcServiceClient<typeof inventoryRpc>; inProcess: RpcServiceClient<typeof inventoryRpc> };

before(async () => {
  infra = await createTestInfra();
  peers = await startPeers(infra, {
    services: ['catalog', 'profiles', 'inventory', 'shipping', 'payment', 'recommendations'],
    env: { SERVE_IN_PROCESS: 'true' },
  });
  const peer = (baseUrl: string) => createRestPeer({ name: 'payment', baseUrl, timeoutMs: 5_000 });
  rest = { network: peer(peers.paymentUrl), inProcess: peer('inproc://payment') };
  const client = (endpoints: string, curve: boolean) =>
    createRpcClient({
      service: inventoryRpc,
      endpoints,
      retry: false,
      timeoutMs: 5_000,
      ...(curve
        ? {
            curve: {
              serverKey: peers.addresses.INVENTORY_CURVE_KEY!,
              publicKey: peers.addresses.RPC_CURVE_PUBLIC_KEY!,
              secretKey: peers.addresses.RPC_CURVE_SECRET_KEY!,
            },
          }
        : {}),
    });
  rpc = {
    network: client(peers.addresses.INVENTORY_ADDR!, true),
    inProcess: client('inproc://inventory', false),
  };
});

after(async () => {
  await rpc?.network.close();
  await rpc?.inProcess.close();
  await peers?.stop();
  await infra?.drop();
});

const card = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123', owner: 'ada' };

/** The same request over both transports: their statuses and error codes side by side. */
async function both(
  method: string,
  path: string,
  options: { body?: unknown; headers?: () => Promise<Record<string, string>> },
): Promise<{ network: [number, unknown]; inProcess: [number, unknown] }> {
  const call = async (peer: RestPeer): Promise<[number, unknown]> => {
    const reply = await peer.request(method, path, {
      body: options.body,
      headers: { 'idempotency-key': crypto.randomUUID(), ...(await options.headers?.()) },
    });
    return [reply.status, (reply.body as { error?: { code?: unknown } } | undefined)?.error?.code];
  };
  return { network: await call(rest.network), inProcess: await call(rest.inProcess) };
}

describe('REST in-process (inproc://payment) answers as payment’s port does', () => {
  test('a call from billing with a valid card: 201 both ways', async () => {
    const answers = await both('POST', '/cards', {
      body: card,
      headers: () => callerHeaders('billing', 'payment'),
    });
    assert.equal(answers.network[0], 201);
    assert.deepEqual(answers.inProcess, answers.network);
  });

  test('no caller identity: refused alike (401)', async () => {
    const answers = await both('POST', '/cards', { body: card });
    assert.equal(answers.network[0], 401);
    assert.deepEqual(answers.inProcess, answers.network);
  });

  test('a caller the route does not list (the front-end): refused alike (403)', async () => {
    const answers = await both('POST', '/cards', {
      body: card,
      headers: () => callerHeaders('front-end', 'payment'),
    });
    assert.equal(answers.network[0], 403);
    assert.deepEqual(answers.inProcess, answers.network);
  });

  test('a body the contract refuses: refused alike (400)', async () => {
    const answers = await both('POST', '/cards', {
      body: { ...card, number: 'not a card' },
      headers: () => callerHeaders('billing', 'payment'),
    });
    assert.equal(answers.network[0], 400);
    assert.deepEqual(answers.inProcess, answers.network);
  });

  test('a service not served in this process: no answer, as a closed port', async () => {
    const nobody = createRestPeer({ name: 'nobody', baseUrl: 'inproc://nobody', timeoutMs: 1_000 });
    await assert.rejects(nobody.request('GET', '/'), { code: 'unavailable', status: 503 });
  });
});

describe('ZeroRPC in-process (inproc://inventory) answers as inventory’s TCP port does', () => {
  test('the same result', async () => {
    const sku = await peers.product({ stock: 7 });
    assert.deepEqual(await rpc.inProcess.methods.getStock([sku]), { [sku]: 7 });
    assert.deepEqual(await rpc.inProcess.methods.getStock([sku]), await rpc.network.methods.getStock([sku]));
  });

  test('arguments the contract refuses: the same ERR', async () => {
    const refused = async (client: RpcServiceClient<typeof inventoryRpc>) => {
      const error = await client.callRaw('reserve', ['not-an-order', [], 0]).then(
        () => assert.fail('accepted'),
        (caught: unknown) => caught as Error,
      );
      return error.name;
    };
    assert.equal(await refused(rpc.inProcess), await refused(rpc.network));
  });

  test('a contract error (OutOfStock) with its details: the same both ways', async () => {
    const sku = await peers.product({ stock: 1 });
    const outOfStock = async (client: RpcServiceClient<typeof inventoryRpc>) =>
      client.methods.reserve(crypto.randomUUID(), [{ sku, qty: 5 }], 60).then(
        () => assert.fail('reserved'),
        (caught: unknown) => caught as Error & { details?: unknown },
      );
    const [inProcess, network] = [await outOfStock(rpc.inProcess), await outOfStock(rpc.network)];
    assert.equal(inProcess.name, 'OutOfStock');
    assert.deepEqual([inProcess.name, inProcess.details], [network.name, network.details]);
  });

  test('a call past its deadline: TimeoutExpired, as over TCP', async () => {
    // 1 ms is less than any call takes, in-process too: the client's deadline still applies.
    await assert.rejects(rpc.inProcess.invoke('getStock', [['SKU-X']], { timeoutMs: 1 }), {
      name: 'TimeoutExpired',
    });
  });
});
