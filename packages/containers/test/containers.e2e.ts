// Build, ship, run — the container end-to-end test (`npm run test:containers`, part of `npm test`):
//   1. a Docker engine (started bridge-less where none answers) and node:24-bookworm-slim (the local
//      stand-in where no registry provides it);
//   2. build: all eight images from their Dockerfiles, on the host's network;
//   3. ship: push them to a private registry on 127.0.0.1:5000 (Debian's docker-registry, started
//      for the test) and remove the local tags;
//   4. run: pull them back and start them with docker-compose.yml rewritten to put every container
//      on the host network (no bridge, no private address range is ever created) against
//      this machine's PostgreSQL, Redis and RabbitMQ (a database, Redis database and exchange of the
//      test's own); wait for every healthcheck; check out over the storefront's API; set a fault
//      flag with `npm run fault` (catalog http-error=1), see the storefront fail, clear it, check out;
//   5. print each image's size, and tear everything down.
// Where no engine runs and none can be started (not root), the test is skipped, saying why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@trio/testing/infra';
import { storefrontJourney } from '@trio/testing/journey';
import { waitFor } from '@trio/testing/wait';
import { createClient } from 'redis';
import { parse, stringify } from 'yaml';
import { ensureBaseImage } from '../src/base-image.ts';
import { dockerOutput, type Engine, engineAnswers, ensureEngine, imageExists } from '../src/docker.ts';
import {
  buildImages,
  gitShortSha,
  imageSize,
  localName,
  registryName,
  repositoryRoot,
  shipImages,
} from '../src/images.ts';
import { type LocalRegistry, startRegistry } from '../src/registry.ts';
import { images } from '../src/services.ts';
import { canInstall } from '../src/tools.ts';

const log = (line: string) => console.log(`# ${line}`);
const redisDb = 12;
const project = `trio-e2e-${process.pid}`;
const skip =
  !engineAnswers() && !canInstall()
    ? 'no Docker engine answers and none can be started here (not root)'
    : undefined;

let engine: Engine | undefined;
let registry: LocalRegistry | undefined;
let database: TestDatabase | undefined;
let workDir: string | undefined;
let composeArgs: string[] = [];
const tag = gitShortSha();

function compose(args: string[]): string {
  return execFileSync('docker-compose', [...composeArgs, ...args], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    env: { ...process.env, IMAGE_REGISTRY: registry?.address ?? '', TAG: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

before(
  async () => {
    if (skip !== undefined) return;
    let started = Date.now();
    engine = await ensureEngine(log);
    log(`engine ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    started = Date.now();
    ensureBaseImage({ log });
    log(`base image ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    database = await createTestDatabase();
    workDir = mkdtempSync(join(tmpdir(), 'trio-e2e-'));
  },
  { timeout: 900_000 },
);

after(
  async () => {
    if (skip !== undefined) return;
    try {
      if (composeArgs.length > 0) compose(['down', '--volumes', '--remove-orphans', '--timeout', '20']);
    } catch (error) {
      log(`compose down failed: ${error}`);
    }
    for (const { name } of images) {
      for (const reference of [
        localName(name, tag),
        localName(name, 'latest'),
        ...(registry === undefined
          ? []
          : [registryName(registry.address, name, tag), registryName(registry.address, name, 'latest')]),
      ]) {
        if (imageExists(reference)) dockerOutput(['rmi', '--force', reference]);
      }
    }
    execFileSync('docker', ['image', 'prune', '--force'], { stdio: 'ignore' });
    await registry?.stop();
    await engine?.stop();
    const redis = await createClient({ url: `redis://127.0.0.1:6379/${redisDb}` }).connect();
    await redis.flushDb();
    await redis.close();
    await database?.drop();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  },
  { timeout: 300_000 },
);

describe('build, ship and run the shop as containers', { skip }, () => {
  test('build: the eight images', { timeout: 1_800_000 }, async () => {
    await buildImages(tag, log);
    for (const { name } of images) assert.ok(imageExists(localName(name, tag)), name);
  });

  test('ship: pushed to a private registry on loopback, local tags removed', {
    timeout: 600_000,
  }, async () => {
    registry = await startRegistry();
    await shipImages(registry.address, tag, log);
    for (const { name } of images) {
      for (const reference of [
        localName(name, tag),
        localName(name, 'latest'),
        registryName(registry.address, name, tag),
        registryName(registry.address, name, 'latest'),
      ]) {
        dockerOutput(['rmi', reference]);
      }
      assert.ok(!imageExists(registryName(registry.address, name, tag)));
    }
    const catalogue = (await (await fetch(`http://${registry.address}/v2/_catalog`)).json()) as {
      repositories: string[];
    };
    assert.deepEqual(catalogue.repositories.sort(), images.map(({ name }) => `trio-shop/${name}`).sort());
  });

  test('run: pulled back, up on the host network, healthy, and a checkout goes through', {
    timeout: 600_000,
  }, async () => {
    assert.ok(registry !== undefined && database !== undefined && workDir !== undefined);
    const exchange = `${project}.events`;
    const services = images.map(({ name }) => name);
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: exchange,
      CATALOG_URL: 'http://127.0.0.1:3001',
      PROFILES_URL: 'http://127.0.0.1:3002',
      PAYMENT_URL: 'http://127.0.0.1:3003',
      BILLING_URL: 'http://127.0.0.1:3004',
      INVENTORY_ADDR: 'tcp://127.0.0.1:4242',
      SHIPPING_ADDR: 'tcp://127.0.0.1:4243',
      RECOMMENDATIONS_ADDR: 'tcp://127.0.0.1:4244',
      // As `FAULTS_ENABLED=true docker compose up` runs it (off by default): flags in the state Redis.
      FAULTS_ENABLED: 'true',
      FAULTS_REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
    };
    // docker-compose.yml rewritten for the host network: the eight services only (the machine's
    // infrastructure stands in for postgres, redis and rabbitmq), every container on the host's
    // network with no port mapping (compose refuses both together), images from the registry, and
    // the default network declared as the existing `host` one so that compose creates none.
    const file = parse(readFileSync(join(repositoryRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, Record<string, unknown> & { environment?: Record<string, string> }>;
    };
    const hostServices = Object.fromEntries(
      services.map((name) => {
        const { build: _build, ports: _ports, depends_on: _dependsOn, ...service } = file.services[name]!;
        return [
          name,
          {
            ...service,
            image: registryName(registry!.address, name, tag),
            network_mode: 'host',
            environment: { ...service.environment, ...shared },
          },
        ];
      }),
    );
    const hostFile = join(workDir, 'docker-compose.host.yml');
    writeFileSync(
      hostFile,
      stringify({ services: hostServices, networks: { default: { external: true, name: 'host' } } }),
    );
    composeArgs = ['-p', project, '-f', hostFile];

    compose(['pull', '--quiet', ...services]);
    for (const name of services)
      assert.ok(imageExists(registryName(registry.address, name, tag)), `${name} pulled`);
    // Only what runs: no test harness or other service inside an image (billing's tests start the
    // other services, so turbo prune brings them in; the build stage takes them out again).
    // One container per image lists both folders (`ls` prints each under a `<folder>:` heading).
    for (const name of services) {
      const image = registryName(registry.address, name, tag);
      const output = dockerOutput([
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'ls',
        image,
        'services',
        'packages',
      ]);
      const listing = Object.fromEntries(
        output.split(/\n\s*\n/).map((block) => {
          const [heading = '', ...entries] = block.trim().split('\n');
          return [heading.replace(/:$/, ''), entries];
        }),
      );
      assert.deepEqual(listing.services, [name], `${name} ships only itself`);
      const packages = listing.packages ?? [];
      assert.ok(packages.includes('service-runtime'), `${name} ships its packages: ${output}`);
      for (const harness of ['testing', 'shop-testing', 'launcher', 'containers', 'k8s']) {
        assert.ok(!packages.includes(harness), `${name} ships no ${harness}`);
      }
    }
    compose(['up', '-d', '--no-build', '--no-deps', ...services]);
    const networks = dockerOutput(['network', 'ls', '--format', '{{.Name}}']).split('\n').sort();
    assert.deepEqual(networks, ['host', 'none'], 'no network was created');

    const deadline = Date.now() + 240_000;
    let health: Record<string, string> = {};
    while (Date.now() < deadline) {
      health = Object.fromEntries(
        services.map((name) => {
          const id = compose(['ps', '-q', name]).trim();
          return [
            name,
            id === '' ? 'missing' : dockerOutput(['inspect', '--format', '{{.State.Health.Status}}', id]),
          ];
        }),
      );
      if (Object.values(health).every((status) => status === 'healthy')) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    assert.deepEqual(
      Object.values(health),
      services.map(() => 'healthy'),
      JSON.stringify(health),
    );

    // The checkout journey over the storefront's API, as a shopper's browser would call it.
    await storefrontJourney('http://127.0.0.1:8080', 'Ada Container');

    // A fault flag set with `npm run fault` against the compose shop's Redis: catalog's container
    // answers 503, so the storefront cannot list products; cleared, it can, and a checkout passes.
    const fault = (...args: string[]) =>
      execFileSync('npm', ['run', '--silent', 'fault', '--', ...args], {
        cwd: repositoryRoot,
        encoding: 'utf8',
        env: { ...process.env, FAULTS_REDIS_URL: shared.FAULTS_REDIS_URL },
      });
    // A search of its own each time: the storefront keeps product lists it has shown (until the
    // catalogue changes), so only a list it has not shown yet must come from catalog.
    let searches = 0;
    const products = async () =>
      (await fetch(`http://127.0.0.1:8080/api/products?q=fault${Date.now()}x${searches++}`)).status;
    try {
      assert.match(fault('set', 'catalog', 'http-error=1'), /catalog: http-error=1/);
      await waitFor('catalog to fail', async () => (await products()) !== 200, 30_000);
      assert.match(
        await (await fetch('http://127.0.0.1:3001/metrics')).text(),
        /^faults_injected_total\{kind="http-error",service="catalog"\} [1-9]/m,
      );
    } finally {
      fault('clear');
    }
    await waitFor('products again', async () => (await products()) === 200, 30_000);
    await storefrontJourney('http://127.0.0.1:8080', 'Ada Container Again');
    log('fault flags in containers: catalog http-error=1 set, seen, cleared, recovered');

    for (const { name } of images) {
      log(
        `${registryName(registry.address, name, tag).padEnd(50)} ${(imageSize(registryName(registry.address, name, tag)) / 1e6).toFixed(0)} MB`,
      );
    }
  });
});
