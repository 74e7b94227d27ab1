import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cluster } from '../src/cluster.ts';
import { buildOverlay, namespaceOf, type Overlay, overlays } from '../src/manifests.ts';
import { ofKind } from '../src/models.ts';
import { allowedFlows, formatFlow } from '../src/network-policy.ts';
import { infrastructure, serviceNames, shopService } from '../src/shop.ts';

// The architecture's table of who calls whom (README.md), the one source of the expected flows.
const calls: Record<string, string[]> = {
  'front-end': ['catalog', 'profiles', 'billing', 'inventory', 'recommendations', 'shipping'],
  billing: ['catalog', 'profiles', 'payment', 'inventory', 'shipping'],
};
// Callees that also serve a call over REST beside ZeroRPC: shipping's quote (SHIPPING_TRANSPORT=rest).
const restToo: Record<string, string[]> = { shipping: ['front-end', 'billing'] };
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
    ...Object.entries(restToo).flatMap(([to, callers]) =>
      callers.map((from) => formatFlow(from, to, shopService(to).httpPort)),
    ),
    ...usesPostgres.map((from) => formatFlow(from, 'postgres', port.postgres ?? 0)),
    ...usesRedis.map((from) => formatFlow(from, 'redis', port.redis ?? 0)),
    ...usesRabbitmq.map((from) => formatFlow(from, 'rabbitmq', port.rabbitmq ?? 0)),
    ...pods.flatMap((from) => [formatFlow(from, 'kube-dns', 53, 'UDP'), formatFlow(from, 'kube-dns', 53)]),
  ].sort();
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
