// The cluster around an overlay's pods, for the network policy checks: its own pods and what else
// connects or is connected to (tests of network-policies and observability).
import { type AnyOverlay, buildOverlay, namespaceOf } from './manifests.ts';
import { ofKind, workloads } from './models.ts';
import type { Endpoint, Protocol } from './network-policy.ts';
import { allContainers, podLabels } from './pods.ts';
import { infrastructure } from './shop.ts';

/**
 * The overlay's pods (one per Deployment or StatefulSet) in a cluster around them. What connects:
 * those pods, Prometheus and an ingress controller in their namespaces, a pod of some other team, a
 * browser on the internet. What is connected to: those pods, the cluster DNS and, in prod, the
 * managed PostgreSQL, Redis and RabbitMQ outside the cluster.
 */
export function cluster(overlay: AnyOverlay): { sources: Endpoint[]; destinations: Endpoint[] } {
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
  const managed: Endpoint[] = overlay.startsWith('prod')
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
