// infra/observability, checked without running a container: the compose override adds the
// Collector, Jaeger, Prometheus and Grafana without touching the shop's docker-compose.yml (fig.yml
// parity stays as it is), Prometheus' configurations pass `promtool check config` and scrape every
// service, the Collector's pipelines name only components it defines, Grafana's provisioning
// names the data sources its dashboards use. (That the dashboards' metrics exist is checked
// against the running services: services/front-end/test/dashboards.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { canInstallDebianPackages, ensureDebianPackages } from '@trio/testing/debian';
import { parse } from 'yaml';
import { images } from '../src/services.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const promtool = { name: 'prometheus', command: '/usr/bin/promtool' };
const frontEndAdminPort = 3008;

type Service = {
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  [key: string]: unknown;
};
const override = parse(read('infra/observability/docker-compose.yml'), { merge: true }) as Record<
  string,
  unknown
> & { services: Record<string, Service> };
const tools = ['otel-collector', 'jaeger', 'prometheus', 'grafana'];

describe('infra/observability/docker-compose.yml', () => {
  test('docker-compose 1.29 accepts it over docker-compose.yml', (t) => {
    try {
      execFileSync('docker-compose', ['--version'], { stdio: 'ignore' });
    } catch {
      return t.skip('docker-compose is not installed (compose.test.ts installs it where it can)');
    }
    execFileSync(
      'docker-compose',
      ['-f', 'docker-compose.yml', '-f', 'infra/observability/docker-compose.yml', 'config', '-q'],
      { cwd: root, stdio: 'pipe' },
    );
  });

  test('uses nothing docker-compose 1.29 lacks, and official images at pinned versions', () => {
    assert.equal(override.name, undefined);
    assert.equal(override.include, undefined);
    for (const tool of tools) {
      const service = override.services[tool];
      assert.match(
        service?.image ?? '',
        /^(otel|jaegertracing|prom|grafana)\/[a-z-]+:v?\d+\.\d+\.\d+$/,
        tool,
      );
      assert.equal(service?.develop, undefined);
    }
  });

  test('gives each of the eight services the Collector’s address, and changes nothing else of theirs', () => {
    const shop = Object.keys(override.services).filter((name) => !tools.includes(name));
    assert.deepEqual(shop.sort(), images.map((image) => image.name).sort());
    for (const name of shop) {
      assert.deepEqual(override.services[name], {
        environment: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' },
      });
    }
  });

  test('publishes only the Grafana and Jaeger UIs, on loopback', () => {
    const published = Object.entries(override.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => `${name} ${port}`),
    );
    assert.deepEqual(published.sort(), ['grafana 127.0.0.1:3000:3000', 'jaeger 127.0.0.1:16686:16686']);
  });

  test('mounts files that exist, by paths relative to the repository’s root (the first -f file)', () => {
    for (const service of Object.values(override.services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (!source?.startsWith('.')) continue;
        assert.match(source, /^\.\/infra\/observability\//);
        assert.ok(existsSync(new URL(source, root)), source);
      }
    }
  });
});

describe('the Prometheus configurations', () => {
  // Why promtool cannot run here, if it cannot: not root, or apt could not install the package.
  let promtoolMissing: string | undefined;
  before(() => {
    try {
      ensureDebianPackages([promtool]);
    } catch (error) {
      promtoolMissing = canInstallDebianPackages()
        ? `apt-get could not install Debian's prometheus package: ${(error as Error).message}`
        : (error as Error).message;
    }
  });

  for (const file of [
    'infra/observability/prometheus.yml',
    'infra/k8s/components/observability/prometheus.yml',
  ]) {
    test(`promtool check config ${file}`, (t) => {
      if (promtoolMissing !== undefined) return t.skip(`promtool is not available: ${promtoolMissing}`);
      execFileSync(promtool.command, ['check', 'config', file], { cwd: root, stdio: 'pipe' });
    });
  }

  test('compose: scrapes every service, on its HTTP or admin port, never the storefront’s 8080', () => {
    const config = parse(read('infra/observability/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs
      .find((job) => job.job_name === 'trio-shop')
      ?.static_configs.flatMap((each) => each.targets);
    const expected = images.map(
      (image) => `${image.name}:${image.name === 'front-end' ? frontEndAdminPort : image.httpPort}`,
    );
    assert.deepEqual(targets?.sort(), expected.sort());
  });
});

describe('the OpenTelemetry Collector configuration', () => {
  type Section = Record<string, unknown>;
  const config = parse(read('infra/observability/otel-collector.yaml')) as {
    receivers: Section;
    processors: Section;
    exporters: Section;
    extensions?: Section;
    service: { extensions?: string[]; pipelines: Record<string, Record<string, string[]>> };
  };

  test('pipelines name only receivers, processors and exporters it defines', () => {
    const sections = {
      receivers: config.receivers,
      processors: config.processors,
      exporters: config.exporters,
    };
    for (const [pipeline, parts] of Object.entries(config.service.pipelines)) {
      for (const [section, defined] of Object.entries(sections)) {
        const named = parts[section] ?? [];
        if (section !== 'processors') assert.ok(named.length > 0, `${pipeline} has ${section}`);
        for (const each of named) assert.ok(each in defined, `${pipeline}: ${section} ${each} is defined`);
      }
    }
    for (const extension of config.service.extensions ?? [])
      assert.ok(extension in (config.extensions ?? {}));
  });

  test('takes OTLP/HTTP on 4318, batches, and sends traces to Jaeger', () => {
    const otlp = config.receivers.otlp as { protocols: { http?: { endpoint?: string } } };
    assert.match(otlp.protocols.http?.endpoint ?? '', /:4318$/);
    const traces = config.service.pipelines.traces;
    assert.deepEqual(traces?.receivers, ['otlp']);
    assert.ok(traces?.processors?.includes('batch'));
    const exporter = config.exporters[traces?.exporters?.[0] ?? ''] as { endpoint?: string };
    assert.match(exporter.endpoint ?? '', /^jaeger:4317$/);
  });
});

describe('Grafana’s provisioning', () => {
  const datasources = parse(
    read('infra/observability/grafana/provisioning/datasources/datasources.yaml'),
  ) as {
    datasources: { uid: string; type: string; url: string }[];
  };

  test('provides Prometheus and Jaeger, and every dashboard uses only those', () => {
    assert.deepEqual(datasources.datasources.map((each) => `${each.type} ${each.url}`).sort(), [
      'jaeger http://jaeger:16686',
      'prometheus http://prometheus:9090',
    ]);
    const uids = new Set(datasources.datasources.map((each) => each.uid));
    const dir = new URL('infra/observability/grafana/dashboards/', root);
    const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    assert.ok(files.length >= 3);
    for (const file of files) {
      const used = datasourceUids(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
      assert.ok(used.length > 0, file);
      for (const uid of used) assert.ok(uids.has(uid), `${file}: data source ${uid}`);
    }
  });
});

/** The uid of every `datasource` a dashboard names, its panels' and their queries'. */
function datasourceUids(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(datasourceUids);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, each]) =>
    key === 'datasource' && typeof each === 'object' && each !== null && 'uid' in each
      ? [String(each.uid)]
      : datasourceUids(each),
  );
}
