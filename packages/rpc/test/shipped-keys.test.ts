// The CURVE keys that docker-compose.yml, fig.yml and the Kubernetes dev overlay ship: every
// server and client of the shop has a pair, the pairs belong together, each server lets in exactly
// its callers (billing and the front-end), the three files agree, a call made with them is answered
// over CURVE, and production refuses them (their secret keys say `dev-`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig, serviceSettings } from '@trio/service-runtime/config';
import { parse } from 'yaml';
import { z } from 'zod';
import { curvePublicKey } from '../src/curve.ts';
import { curveServerOptions, curveServerSettings } from '../src/service.ts';
import { connectClient, silentLog, startCalculator } from './support/harness.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
type Env = Record<string, string>;

/** Each service's environment as a file sets it. */
const sources: Record<string, () => Record<string, Env>> = {
  'docker-compose.yml': () => {
    const file = parse(read('docker-compose.yml')) as { services: Record<string, { environment?: Env }> };
    return Object.fromEntries(
      Object.entries(file.services).map(([name, spec]) => [name, spec.environment ?? {}]),
    );
  },
  'fig.yml': () => {
    const file = parse(read('fig.yml')) as Record<string, { environment?: Env }>;
    return Object.fromEntries(Object.entries(file).map(([name, spec]) => [name, spec.environment ?? {}]));
  },
  'infra/k8s/overlays/dev/kustomization.yaml': () => {
    const file = parse(read('infra/k8s/overlays/dev/kustomization.yaml')) as {
      secretGenerator: { name: string; literals?: string[] }[];
    };
    return Object.fromEntries(
      file.secretGenerator.map(({ name, literals = [] }) => [
        name.replace(/^trio-/, ''),
        Object.fromEntries(literals.map((literal) => literal.split(/=(.*)/s).slice(0, 2))),
      ]),
    );
  },
};

const servers = ['inventory', 'shipping', 'recommendations'] as const;
/** Who calls whom over ZeroRPC (docs/architecture.md). */
const clients = {
  billing: ['inventory', 'shipping'],
  'front-end': ['inventory', 'shipping', 'recommendations'],
};

for (const [file, load] of Object.entries(sources)) {
  describe(`the CURVE keys in ${file}`, () => {
    const env = load();

    test('each client has a matching pair and every server key of its peers', () => {
      for (const [client, peers] of Object.entries(clients)) {
        const own = env[client]!;
        assert.equal(curvePublicKey(own.RPC_CURVE_SECRET_KEY!), own.RPC_CURVE_PUBLIC_KEY, `${client}'s pair`);
        for (const peer of peers) {
          assert.equal(
            own[`${peer.toUpperCase()}_CURVE_KEY`],
            curvePublicKey(env[peer]!.RPC_CURVE_SECRET_KEY!),
            `${client}'s ${peer.toUpperCase()}_CURVE_KEY`,
          );
        }
      }
    });

    test('each server lets in exactly the clients that call it', () => {
      for (const server of servers) {
        const callers = Object.entries(clients)
          .filter(([, peers]) => peers.includes(server))
          .map(([client]) => env[client]!.RPC_CURVE_PUBLIC_KEY!);
        assert.deepEqual(env[server]!.RPC_CURVE_ALLOWED_CLIENTS!.split(',').sort(), callers.sort(), server);
      }
    });

    test('production refuses every secret key of them', () => {
      const Config = z.object({
        ...serviceSettings({ name: 'inventory', httpPort: 3005 }),
        ...curveServerSettings(),
      });
      for (const service of [...servers, ...Object.keys(clients)]) {
        const { RPC_CURVE_SECRET_KEY, RPC_CURVE_ALLOWED_CLIENTS } = env[service]!;
        assert.throws(
          () =>
            parseConfig(Config, { NODE_ENV: 'production', RPC_CURVE_SECRET_KEY, RPC_CURVE_ALLOWED_CLIENTS }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.problems.some((problem) => problem.variable === 'RPC_CURVE_SECRET_KEY'),
          service,
        );
      }
    });
  });
}

describe('the shipped keys at work', () => {
  test('billing calls inventory over CURVE with the compose keys; the three files agree', async () => {
    const [compose, ...others] = Object.values(sources).map((load) => load());
    for (const other of others) {
      for (const service of [...servers, ...Object.keys(clients)]) {
        for (const [key, value] of Object.entries(compose![service]!)) {
          if (key.includes('CURVE')) assert.equal(other![service]![key], value, `${service} ${key}`);
        }
      }
    }
    const inventory = compose!.inventory!;
    const billing = compose!.billing!;
    const calc = await startCalculator({
      log: silentLog,
      ...curveServerOptions({
        RPC_CURVE_SECRET_KEY: inventory.RPC_CURVE_SECRET_KEY,
        RPC_CURVE_ALLOWED_CLIENTS: inventory.RPC_CURVE_ALLOWED_CLIENTS!.split(','),
      }),
    });
    const client = connectClient(calc.endpoint, {
      retry: false,
      curve: {
        serverKey: billing.INVENTORY_CURVE_KEY!,
        publicKey: billing.RPC_CURVE_PUBLIC_KEY!,
        secretKey: billing.RPC_CURVE_SECRET_KEY!,
      },
    });
    try {
      assert.equal(await client.call('add', 40, 2), 42);
    } finally {
      await client.close();
      await calc.server.close();
    }
  });
});
