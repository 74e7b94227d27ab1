// The observability component (infra/k8s/components/observability) in the dev-observability and
// prod-observability overlays: the dev or prod overlay unchanged plus the Collector, Jaeger, Prometheus and Grafana, hardened,
// with the configuration of infra/observability, every service exporting its spans to the
// Collector, and exactly the extra flows they need.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { cluster } from '../src/cluster.ts';
import { buildOverlay, k8sDir, describe as name, namespaceOf, overlays } from '../src/manifests.ts';
import { ofKind, schemaProblem } from '../src/models.ts';
import { allowedFlows, formatFlow } from '../src/network-policy.ts';
import { allContainers, hardeningProblems, podSpec } from '../src/pods.ts';
import { serviceNames, shopService } from '../src/shop.ts';

const tools = ['otel-collector', 'jaeger', 'prometheus', 'grafana'];
const component = `${k8sDir}components/observability/`;
const observability = `${k8sDir}../observability/`;
const nameOf = (object: { metadata?: { name?: string } }) => object.metadata?.name ?? '';

for (const plain of overlays) {
  const overlay = `${plain}-observability` as const;
  describe(`the ${overlay} overlay`, () => {
    const objects = buildOverlay(overlay);
    const dev = buildOverlay(plain);

    test('is the dev overlay plus the observability tools, every object valid and in trio-shop-dev', () => {
      const problems = objects.flatMap((object) => {
        const problem = schemaProblem(object);
        return problem === undefined ? [] : [`${name(object)}: ${problem}`];
      });
      assert.deepEqual(problems, []);
      const astray = objects
        .filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespaceOf[overlay])
        .map(name);
      assert.deepEqual(astray, []);
      const names = new Set(objects.map(name));
      assert.deepEqual(
        dev.map(name).filter((each) => !names.has(each)),
        [],
        `everything of the ${plain} overlay is there`,
      );
      const deployments = ofKind(objects, 'Deployment').map(nameOf).sort();
      assert.deepEqual(deployments, [...serviceNames, ...tools].sort());
      for (const tool of tools) assert.ok(names.has(`Service/${tool}`), `Service/${tool}`);
    });

    test('points every service at the Collector, and the tools at nothing of the shop', () => {
      for (const deployment of ofKind(objects, 'Deployment')) {
        const [container] = podSpec(deployment).containers;
        const endpoint = container?.env?.find((each) => each.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value;
        const expected = serviceNames.includes(nameOf(deployment)) ? 'http://otel-collector:4318' : undefined;
        assert.equal(endpoint, expected, nameOf(deployment));
      }
      const collector = ofKind(objects, 'Service').find((each) => nameOf(each) === 'otel-collector');
      assert.ok(collector?.spec?.ports?.some((port) => port.port === 4318));
    });

    test('hardens the tools’ pods as the services’ are', () => {
      const problems = ofKind(objects, 'Deployment')
        .filter((deployment) => tools.includes(nameOf(deployment)))
        .flatMap((deployment) =>
          allContainers(deployment).flatMap((container) => hardeningProblems(deployment, container)),
        );
      assert.deepEqual(problems, []);
    });

    test('configures the tools with the files of infra/observability', () => {
      const same: [string, string][] = [
        ['collector-config.yaml', 'otel-collector.yaml'],
        ['grafana/datasources.yaml', 'grafana/provisioning/datasources/datasources.yaml'],
        ['grafana/dashboards.yaml', 'grafana/provisioning/dashboards/dashboards.yaml'],
        ['grafana/red.json', 'grafana/dashboards/red.json'],
        ['grafana/checkout.json', 'grafana/dashboards/checkout.json'],
        ['grafana/transports.json', 'grafana/dashboards/transports.json'],
      ];
      for (const [copy, original] of same) {
        assert.equal(
          readFileSync(component + copy, 'utf8'),
          readFileSync(observability + original, 'utf8'),
          `components/observability/${copy} is a copy of infra/observability/${original}`,
        );
      }
    });

    test('lets Prometheus scrape every pod of every service, on its http port (the front-end: admin)', () => {
      const config = parse(readFileSync(`${component}prometheus.yml`, 'utf8')) as {
        scrape_configs: {
          job_name: string;
          dns_sd_configs?: { names: string[]; type: string; port: number }[];
        }[];
      };
      const lookups =
        config.scrape_configs.find((each) => each.job_name === 'trio-shop')?.dns_sd_configs ?? [];
      assert.deepEqual(
        lookups.flatMap((each) => each.names).sort(),
        serviceNames.map((each) => `${each}-metrics`).sort(),
      );
      for (const service of serviceNames) {
        const metrics = ofKind(objects, 'Service').find((each) => nameOf(each) === `${service}-metrics`);
        assert.equal(metrics?.spec?.clusterIP, 'None', `${service}-metrics is headless: one address per pod`);
        assert.deepEqual(metrics?.spec?.selector, { 'app.kubernetes.io/name': service });
        const portName = service === 'front-end' ? 'admin' : 'http';
        assert.equal(metrics?.spec?.ports?.[0]?.targetPort, portName);
        const deployment = ofKind(objects, 'Deployment').find((each) => nameOf(each) === service);
        const port = podSpec(deployment!).containers[0]?.ports?.find(
          (each) => each.name === portName,
        )?.containerPort;
        const lookup = lookups.find((each) => each.names.includes(`${service}-metrics`));
        assert.equal(lookup?.type, 'A');
        assert.equal(lookup?.port, port, `${service}: Prometheus scrapes the ${portName} port`);
      }
    });

    test('allows the plain overlay’s flows and exactly those the tools need besides', () => {
      const flows = (built: typeof objects, around: ReturnType<typeof cluster>, sources = around.sources) =>
        new Set(
          allowedFlows(ofKind(built, 'NetworkPolicy'), sources, around.destinations, namespaceOf[overlay]),
        );
      const before = flows(dev, cluster(plain));
      // Prometheus is now a pod of the namespace: leave the one of another namespace out.
      const around = cluster(overlay);
      const after = flows(
        objects,
        around,
        around.sources.filter(
          (source) => !(source.name === 'prometheus' && source.pod?.namespace !== namespaceOf[overlay]),
        ),
      );
      const added = [
        ...serviceNames.map((service) => formatFlow(service, 'otel-collector', 4318)),
        formatFlow('otel-collector', 'jaeger', 4317),
        formatFlow('grafana', 'prometheus', 9090),
        formatFlow('grafana', 'jaeger', 16686),
        ...tools.flatMap((tool) => [
          formatFlow(tool, 'kube-dns', 53, 'UDP'),
          formatFlow(tool, 'kube-dns', 53),
        ]),
      ];
      assert.deepEqual([...after].sort(), [...new Set([...before, ...added])].sort());
      for (const service of serviceNames) {
        const port =
          service === 'front-end' ? (shopService(service).adminPort ?? 0) : shopService(service).httpPort;
        assert.ok(after.has(formatFlow('prometheus', service, port)), `prometheus -> ${service}:${port}`);
      }
    });
  });
}
