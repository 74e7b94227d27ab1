import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOverlay, namespaceOf, type Overlay, overlays } from '../src/manifests.ts';
import { ofKind, workloads } from '../src/models.ts';
import { allowedFlows, type Endpoint, formatFlow, type Protocol } from '../src/network-policy.ts';
import { allContainers, podLabels } from '../src/pods.ts';
import { infrastructure, serviceNames, shopService } from '../src/shop.ts';

// The architecture's table of who calls whom (README.md), the one source of the expected flows.
const calls: Record<string, string[]> = {
  'front-end': ['catalog', 'profiles', 'billing', 'inventory', 'recommendations', 'shipping'],
  billing: ['catalog', 'profiles', 'payment', 'inventory', 'shipping'],
};
const usesPostgres = serviceNames.filter((name) => name !== 'front-end');
const usesRedis = ['front-end', 'catalog', 'profiles'];
const usesRabbitmq = serviceNames;

/** The port a caller reaches a service on: ZeroRPC's if it has one, its HTTP API's otherwise. */
const callPort = (name: string) => {
  const service = shopService(name);
  return service.rpcPort ?? service.httpPort;
};

/** Every flow the policies must allow, and none else. */
function expectedFlows(overlay: Overlay): string[] {
  const port = Object.fromEntries(infrastructure.map((each) => [each.name, each.port]));
  const pods =
    overlay === 'dev' ? [...serviceNames, ...infrastructure.map((each) => each.name)] : serviceNames;
  return [
    // The public storefront: from the browser, through an ingress controller, from anywhere.
    ...['browser', 'ingress-controller', 'stranger', 'prometheus'].map((from) =>
      formatFlow(from, 'front-end', 8080),
    ),
    // Prometheus scrapes every service's HTTP (or admin) port; the front-end's HTTP port is in the
    // line above, and its admin port is for Prometheus alone.
    ...serviceNames
      .filter((name) => name !== 'front-end')
      .map((name) => formatFlow('prometheus', name, shopService(name).httpPort)),
    formatFlow('prometheus', 'front-end', shopService('front-end').adminPort ?? 0),
    ...Object.entries(calls).flatMap(([from, callees]) =>
      callees.map((to) => formatFlow(from, to, callPort(to))),
    ),
    ...usesPostgres.map((from) => formatFlow(from, 'postgres', port.postgres ?? 0)),
    ...usesRedis.map((from) => formatFlow(from, 'redis', port.redis ?? 0)),
    ...usesRabbitmq.map((from) => formatFlow(from, 'rabbitmq', port.rabbitmq ?? 0)),
    ...pods.flatMap((from) => [formatFlow(from, 'kube-dns', 53, 'UDP'), formatFlow(from, 'kube-dns', 53)]),
  ].sort();
}

/**
 * The overlay's pods (one per Deployment or StatefulSet) in a cluster around them. What connects:
 * those pods, Prometheus and an ingress controller in their namespaces, a pod of some other team, a
 * browser on the internet. What is connected to: those pods, the cluster DNS and, in prod, the
 * managed PostgreSQL, Redis and RabbitMQ outside the cluster.
 */
function cluster(overlay: Overlay): { sources: Endpoint[]; destinations: Endpoint[] } {
  const objects = buildOverlay(overlay);
  const inNamespace = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });
  const namespaceLabels = {
    ...inNamespace(namespaceOf[overlay]),
    ...ofKind(objects, 'Namespace')[0]?.metadata?.labels,
  };
  const ours = workloads(objects).map((workload, index): Endpoint => {
    const labels = podLabels(workload);
    return {
      name: labels['app.kubernetes.io/name'] ?? `unnamed-${index}`,
      ip: `10.244.1.${index + 1}`,
      pod: { namespace: namespaceOf[overlay], namespaceLabels, labels },
      ports: allContainers(workload).flatMap((container) =>
        (container.ports ?? []).map((port) => ({
          name: port.name,
          port: port.containerPort,
          protocol: (port.protocol ?? 'TCP') as Protocol,
        })),
      ),
    };
  });
  const elsewhere = (
    name: string,
    namespace: string,
    labels: Record<string, string>,
    ip: string,
  ): Endpoint => ({
    name,
    ip,
    pod: { namespace, namespaceLabels: inNamespace(namespace), labels },
    ports: [],
  });
  const dns: Endpoint = {
    ...elsewhere('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, '10.244.0.10'),
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  };
  const managed: Endpoint[] =
    overlay === 'prod'
      ? infrastructure.map((each, index) => ({
          name: each.name,
          ip: `10.30.0.${index + 10}`,
          ports: [{ port: each.port, protocol: 'TCP' }],
        }))
      : [];
  const sources = [
    ...ours,
    elsewhere('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, '10.244.2.20'),
    elsewhere(
      'ingress-controller',
      'ingress-nginx',
      { 'app.kubernetes.io/name': 'ingress-nginx' },
      '10.244.2.30',
    ),
    // Not Prometheus, whatever its namespace: may reach the storefront like anyone, nothing else.
    elsewhere(
      'stranger',
      'default',
      { app: 'stranger', 'app.kubernetes.io/name': 'not-prometheus' },
      '10.244.2.40',
    ),
    { name: 'browser', ip: '203.0.113.7', ports: [] },
  ];
  return { sources, destinations: [...ours, dns, ...managed] };
}

for (const overlay of overlays) {
  describe(`the ${overlay} overlay's NetworkPolicies`, () => {
    const policies = ofKind(buildOverlay(overlay), 'NetworkPolicy');

    test('start from a default deny of all ingress and egress for every pod of the namespace', () => {
      const denyAll = policies.filter(
        (policy) =>
          Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
          (['Ingress', 'Egress'] as const).every((type) => policy.spec?.policyTypes?.includes(type)) &&
          (policy.spec?.ingress ?? []).length === 0 &&
          (policy.spec?.egress ?? []).length === 0,
      );
      assert.equal(denyAll.length, 1);
    });

    test('allow exactly the flows of the architecture, DNS and Prometheus’ scrapes', () => {
      const { sources, destinations } = cluster(overlay);
      assert.deepEqual(
        allowedFlows(policies, sources, destinations, namespaceOf[overlay]),
        expectedFlows(overlay),
      );
    });
  });
}
