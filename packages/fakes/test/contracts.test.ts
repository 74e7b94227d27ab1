// Consumer-driven contracts: what billing and the front-end rely on from their providers
// (src/expectations.ts) is replayed against the fakes AND against the real catalog, profiles,
// payment, inventory, shipping and recommendations, started in-process on this file's own
// infrastructure. Both must keep every expectation; a provider whose answer changes in a way a
// consumer relies on fails here, named. The last test makes such a change on purpose (a proxy in
// front of the real payment renames a field of its answers) and checks that it is caught.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ServiceName } from '@trio/contracts/common';
import { curveClientOptions } from '@trio/rpc/service';
import { type ShopPeers, startPeers } from '@trio/shop-testing/peers';
import { callerHeaders, identityEnv, type TestCaller } from '@trio/testing/identity';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { interactions } from '../src/expectations.ts';
import { type RunningFakes, restFakes, rpcFakes, startFakes } from '../src/start.ts';
import { type Side, verify } from '../src/verify.ts';

const providers = ['catalog', 'profiles', 'payment', 'inventory', 'shipping', 'recommendations'] as const;
let infra: TestInfra;
let peers: ShopPeers;
let fakes: RunningFakes;
let real: Side;
let fake: Side;

const headers = (consumer: string, provider: string) => callerHeaders(consumer as TestCaller, provider);

before(async () => {
  infra = await createTestInfra();
  peers = await startPeers(infra, {
    services: [...providers, 'billing', 'front-end'] as ServiceName[],
    seedStock: true,
  });
  const ids = Object.fromEntries(
    await Promise.all(providers.map(async (name) => [name, await identityEnv(name)] as const)),
  );
  // One consumer that calls every provider: the fakes of all six.
  const consumerEnv = { ...peers.addresses };
  fakes = await startFakes({
    consumer: 'contract-test',
    envOf: (name) => (name === 'contract-test' ? consumerEnv : (ids[name] ?? {})),
  });
  const addresses = (env: Record<string, string>) => ({
    urls: Object.fromEntries(providers.map((name) => [name, env[`${name.toUpperCase()}_URL`] ?? ''])),
    endpoints: Object.fromEntries(providers.map((name) => [name, env[`${name.toUpperCase()}_ADDR`] ?? ''])),
    // The tests' shop runs its ZeroRPC ports on CURVE, as compose does; the fakes run them plain.
    curve: Object.fromEntries(
      providers.map((name) => [name, curveClientOptions(env, env[`${name.toUpperCase()}_CURVE_KEY`]).curve]),
    ),
  });
  real = {
    name: 'the real provider',
    ...addresses(peers.addresses),
    states: {
      'a customer session': (await peers.customer()).token,
      'a declined card': '4000000000000002',
      'an approved card': '4242424242424242',
    },
    callerHeaders: headers,
  };
  fake = {
    name: 'its fake',
    ...addresses(fakes.env),
    states: {
      'a customer session': 'trio-dev-session',
      'a declined card': '4242424242424242',
      'an approved card': '4242424242424242',
    },
    callerHeaders: headers,
    scenario: (provider, scenario) => fakes.board.set(provider, scenario),
  };
});

after(async () => {
  await fakes?.close();
  await peers?.stop();
  await infra?.drop();
});

describe('consumer-driven contracts', () => {
  test('every expectation names a route or method its provider has, and a scenario of its fake', () => {
    for (const interaction of interactions) {
      const spec =
        interaction.kind === 'rest' ? restFakes[interaction.provider] : rpcFakes[interaction.provider];
      const names =
        interaction.kind === 'rest'
          ? Object.keys(restFakes[interaction.provider]?.routes ?? {})
          : Object.keys(rpcFakes[interaction.provider]?.service.methods ?? {});
      const what = interaction.kind === 'rest' ? interaction.route : interaction.method;
      assert.ok(names.includes(what), `${interaction.provider} has ${what}`);
      assert.ok(
        interaction.scenario in (spec?.scenarios.scenarios ?? {}),
        `the ${interaction.provider} fake has ${interaction.scenario}`,
      );
    }
  });

  test('the fakes keep every consumer’s expectations', async () => {
    assert.deepEqual(await verify(fake), []);
  });

  test('the real providers keep every consumer’s expectations', async () => {
    assert.deepEqual(await verify(real), []);
  });

  test('a breaking change to a provider fails, naming the consumer that relies on it', async () => {
    // payment, changed on purpose: its payments answer `state` where they answered `status`.
    const target = real.urls.payment ?? '';
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const forwarded = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length'),
        ) as Record<string, string>,
        body: chunks.length === 0 ? undefined : Buffer.concat(chunks),
      });
      const text = (await forwarded.text()).replace('"status":', '"state":');
      res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const changed: Side = {
        ...real,
        name: 'the changed payment',
        urls: { ...real.urls, payment: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` },
      };
      const failures = await verify(
        changed,
        interactions.filter((interaction) => interaction.provider === 'payment'),
      );
      assert.ok(failures.length > 0, 'the change is caught');
      assert.match(
        failures.join('\n'),
        /^billing relies on payment authorize \(approve: authorizes an order’s total\), but the changed payment status: /m,
      );
    } finally {
      proxy.close();
    }
  });
});
