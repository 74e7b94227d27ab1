// The container files, checked without running a container: docker-compose 1.29 (Debian's) accepts
// docker-compose.yml and fig.yml, both describe the same shop, every Dockerfile is the template's
// and passes a Dockerfile linter, and .dockerignore keeps installed and built output out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import dockerfileUtils from 'dockerfile-utils';
import { parse } from 'yaml';
import { dockerfileFor } from '../src/dockerfile.ts';
import { images } from '../src/services.ts';
import { canInstall, ensureDebianPackages } from '../src/tools.ts';

// CommonJS: no named exports. Severities are the Language Server Protocol's (1 error, 2 warning).
const { validate } = dockerfileUtils;
const errorOrWarning = 2;

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

type ServiceDefinition = {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  dockerfile?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: Record<string, unknown>;
  restart?: string;
  develop?: unknown;
};

const compose = parse(read('docker-compose.yml')) as Record<string, unknown> & {
  services: Record<string, ServiceDefinition>;
};
const fig = parse(read('fig.yml')) as Record<string, ServiceDefinition>;

describe('docker-compose.yml and fig.yml', () => {
  let composeCli = false;
  before(() => {
    try {
      ensureDebianPackages(['docker-compose']);
      composeCli = true;
    } catch (error) {
      if (canInstall()) throw error;
    }
  });

  test('docker-compose 1.29 accepts both files', (t) => {
    if (!composeCli) return t.skip('docker-compose is not installed and cannot be installed here (not root)');
    for (const file of ['docker-compose.yml', 'fig.yml']) {
      execFileSync('docker-compose', ['-f', file, 'config', '-q'], { cwd: root, stdio: 'pipe' });
    }
  });

  test('docker-compose.yml uses nothing docker-compose 1.29 lacks', () => {
    assert.equal(compose.name, undefined, 'no top-level name');
    assert.equal(compose.include, undefined, 'no include');
    for (const [name, service] of Object.entries(compose.services)) {
      assert.equal(service.develop, undefined, `${name}: no develop`);
      assert.equal(service.healthcheck?.start_interval, undefined, `${name}: no healthcheck.start_interval`);
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        assert.equal(
          (condition as { required?: unknown }).required,
          undefined,
          `${name} → ${dependency}: no required`,
        );
      }
    }
  });

  test('every service is started again after a crash, as `npm start` and Kubernetes do (docs/faults.md)', () => {
    // A crash exits non-zero (a kill -9 is 137): `on-failure` and `unless-stopped` both restart it.
    // The services take theirs from the `x-service` anchor: parsed with YAML merge keys.
    const merged = parse(read('docker-compose.yml'), { merge: true }) as typeof compose;
    for (const { name } of images) {
      assert.equal(merged.services[name]?.restart, 'unless-stopped', `docker-compose.yml: ${name}`);
      assert.equal(fig[name]?.restart, 'on-failure', `fig.yml: ${name}`);
    }
  });

  test('fig.yml is Fig: top-level services, links, no services key and no version', () => {
    assert.equal(fig.services, undefined);
    assert.equal(fig.version, undefined);
    assert.ok(Object.values(fig).some((service) => Array.isArray((service as { links?: unknown }).links)));
  });

  test('both describe the same services, build contexts, ports and environment keys', () => {
    const summary = (services: Record<string, ServiceDefinition>) =>
      Object.fromEntries(
        Object.entries(services)
          .map(([name, service]) => {
            const build =
              service.build === undefined
                ? undefined
                : typeof service.build === 'string'
                  ? { context: service.build, dockerfile: service.dockerfile }
                  : service.build;
            return [
              name,
              {
                build,
                image: build === undefined ? service.image : undefined,
                ports: [...(service.ports ?? [])].sort(),
                environment: Object.keys(service.environment ?? {}).sort(),
              },
            ] as const;
          })
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    assert.deepEqual(summary(fig), summary(compose.services));
    assert.deepEqual(
      Object.keys(compose.services)
        .filter((name) => images.some((image) => image.name === name))
        .sort(),
      images.map((image) => image.name).sort(),
      'every service has its container',
    );
  });

  test('run in development mode wherever they hold a secret, every one a marked dev value', () => {
    for (const [file, services] of [
      ['docker-compose.yml', compose.services],
      ['fig.yml', fig],
    ] as const) {
      for (const [name, service] of Object.entries(services)) {
        const secrets = Object.entries(service.environment ?? {}).filter(([key]) => /SECRET|TOKEN/.test(key));
        if (secrets.length === 0) continue;
        // Production refuses these values: the services would not start.
        assert.equal(service.environment?.NODE_ENV, 'development', `${file}: ${name}`);
        for (const [key, value] of secrets) assert.match(value, /^dev-/, `${file}: ${name} ${key}`);
      }
    }
  });

  test('fault flags: off unless asked for, read from the state Redis, never production (docs/faults.md)', () => {
    for (const [file, services, enabled] of [
      // Compose: `FAULTS_ENABLED=true docker compose up` switches them on; Fig knew no variables.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable syntax, not a template
      ['docker-compose.yml', compose.services, '${FAULTS_ENABLED:-false}'],
      ['fig.yml', fig, 'false'],
    ] as const) {
      for (const { name } of images) {
        const environment = services[name]?.environment ?? {};
        assert.equal(environment.FAULTS_ENABLED, enabled, `${file}: ${name}`);
        assert.equal(environment.FAULTS_REDIS_URL, 'redis://redis:6379', `${file}: ${name}`);
        // Development mode, so the services accept the flag; no file opts production in.
        assert.equal(environment.NODE_ENV, 'development', `${file}: ${name}`);
        assert.equal(environment.FAULTS_IN_PRODUCTION, undefined, `${file}: ${name}`);
      }
    }
    for (const { name } of images) {
      const links = (fig[name] as { links?: string[] }).links ?? [];
      assert.ok(links.includes('redis'), `fig.yml: ${name} links the Redis its flags are in`);
    }
  });

  test('state lives in a Redis that never evicts, the cache in one that may', () => {
    const commandOf = (service: ServiceDefinition & { command?: string | string[] }) =>
      Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');
    const policies = (services: Record<string, ServiceDefinition>) => {
      const redisOf = (name: string) => new URL(services[name]!.environment!.REDIS_URL!).hostname;
      const policy = (host: string) => {
        const command = commandOf(services[host]!);
        assert.match(command, /--maxmemory \d+mb/, `${host} has a memory limit`);
        return /--maxmemory-policy (\S+)/.exec(command)?.[1];
      };
      return {
        sessionsAndCarts: policy(redisOf('front-end')),
        loginCounters: policy(redisOf('profiles')),
        productCache: policy(redisOf('catalog')),
      };
    };
    const expected = {
      sessionsAndCarts: 'noeviction',
      loginCounters: 'noeviction',
      productCache: 'allkeys-lru',
    };
    assert.deepEqual(policies(compose.services), expected);
    assert.deepEqual(policies(fig), expected);
  });

  test('only the storefront and RabbitMQ’s management UI are published', () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => `${name} ${port}`),
    );
    assert.deepEqual(published.sort(), ['front-end 8080:8080', 'rabbitmq 15672:15672']);
  });
});

describe('Dockerfiles', () => {
  for (const spec of images) {
    test(`services/${spec.name}/Dockerfile is the template's, and lints clean`, () => {
      const content = read(`services/${spec.name}/Dockerfile`);
      assert.equal(content, dockerfileFor(spec), 'run `npm run dockerfiles -w @trio/containers`');
      const problems = validate(content).filter((diagnostic) => (diagnostic.severity ?? 1) <= errorOrWarning);
      assert.deepEqual(
        problems.map((problem) => `${problem.range.start.line + 1}: ${problem.message}`),
        [],
      );
      assert.match(content, /^USER node$/m, 'runs as a non-root user');
      assert.match(content, /^HEALTHCHECK /m);
      assert.match(content, /^CMD \["node", /m, 'exec-form CMD');
    });
  }

  test('.dockerignore keeps installed and built output, git and secrets out', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', '**/.env'])
      assert.ok(ignored.includes(entry), entry);
  });
});
