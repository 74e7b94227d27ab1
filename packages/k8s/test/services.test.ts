import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import { buildOverlay, type Overlay, overlays, repoRoot } from '../src/manifests.ts';
import { ofKind, workloads } from '../src/models.ts';
import { matchesSelector } from '../src/network-policy.ts';
import { allContainers, declaresPort, podLabels, podSpec } from '../src/pods.ts';
import { serviceNames, shopService, shopServices } from '../src/shop.ts';

const nameOf = (object: { metadata?: { name?: string } }) => object.metadata?.name ?? '';

/** The workloads whose pods a Service's selector picks. */
function selected(service: IService, pods: readonly (IDeployment | IStatefulSet)[]) {
  const selector = service.spec?.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return [];
  return pods.filter((workload) => matchesSelector({ matchLabels: selector }, podLabels(workload)));
}

/** The variables a service's .env.example sets (commented-out ones are optional and left out). */
function exampleVariables(service: string): string[] {
  return readFileSync(`${repoRoot}services/${service}/.env.example`, 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Every variable a Deployment's main container gets: ConfigMap keys and env entries, with their source. */
function environment(overlay: Overlay, deployment: IDeployment): Map<string, 'config' | 'secret' | 'value'> {
  const objects = buildOverlay(overlay);
  const container = podSpec(deployment).containers[0];
  assert.ok(container);
  const variables = new Map<string, 'config' | 'secret' | 'value'>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = ofKind(objects, 'ConfigMap').find((each) => nameOf(each) === name);
    assert.ok(configMap, `${nameOf(deployment)}'s ConfigMap ${name} is in the build`);
    for (const key of Object.keys(configMap.data ?? {})) variables.set(key, 'config');
  }
  for (const variable of container.env ?? []) {
    variables.set(variable.name, variable.valueFrom?.secretKeyRef === undefined ? 'value' : 'secret');
  }
  return variables;
}

for (const overlay of overlays) {
  describe(`the ${overlay} overlay's Services`, () => {
    const objects = buildOverlay(overlay);
    const services = ofKind(objects, 'Service');
    const pods = workloads(objects);

    test('each select the pods of a Deployment or StatefulSet, on ports those pods declare', () => {
      const problems = services.flatMap((service) => {
        const targets = selected(service, pods);
        if (targets.length === 0) return [`${nameOf(service)} selects no pods`];
        return (service.spec?.ports ?? []).flatMap((port) =>
          targets
            .filter(
              (workload) =>
                !allContainers(workload).some((container) =>
                  declaresPort(container, port.targetPort ?? port.port),
                ),
            )
            .map(
              (workload) =>
                `${nameOf(service)}: ${nameOf(workload)} has no port ${port.targetPort ?? port.port}`,
            ),
        );
      });
      assert.deepEqual(problems, []);
    });

    test('each give every port a name', () => {
      const unnamed = services.flatMap((service) =>
        (service.spec?.ports ?? []).filter((port) => port.name === undefined).map(() => nameOf(service)),
      );
      assert.deepEqual(unnamed, []);
    });

    test('include a Service named like each service, on its HTTP port or, headless, on its ZeroRPC port', () => {
      for (const shop of shopServices) {
        const service = services.find((each) => nameOf(each) === shop.name);
        assert.ok(service, `no Service ${shop.name}`);
        if (shop.rpcPort === undefined) {
          assert.notEqual(service.spec?.clusterIP, 'None');
          assert.deepEqual(
            service.spec?.ports?.map((port) => [port.name, port.port]),
            [['http', shop.httpPort]],
          );
        } else {
          // A ZeroRPC client looks the name up and connects to every address: a headless Service's
          // DNS answer lists every ready pod; a ClusterIP would give one virtual address.
          assert.equal(service.spec?.clusterIP, 'None', `${shop.name} is headless`);
          assert.deepEqual(
            service.spec?.ports?.map((port) => [port.name, port.port]),
            [['zerorpc', shop.rpcPort]],
          );
        }
      }
    });

    test('are where every peer address in the ConfigMaps points, on the port it names', () => {
      const problems: string[] = [];
      let peers = 0;
      for (const configMap of ofKind(objects, 'ConfigMap')) {
        for (const [key, value] of Object.entries(configMap.data ?? {})) {
          if (!/_(URL|ADDR)$/.test(key)) continue;
          for (const address of value.split(',')) {
            const match = /^(http|tcp):\/\/([^:/]+):(\d+)$/.exec(address.trim());
            if (match === null) {
              problems.push(`${nameOf(configMap)}: ${key}=${address} is not scheme://service:port`);
              continue;
            }
            peers += 1;
            const [, scheme, host, port] = match;
            const service = services.find((each) => nameOf(each) === host);
            if (service?.spec?.ports?.some((each) => each.port === Number(port)) !== true) {
              problems.push(
                `${nameOf(configMap)}: ${key} points at ${host}:${port}, which no Service offers`,
              );
            } else if (scheme === 'tcp' && service.spec?.clusterIP !== 'None') {
              problems.push(`${nameOf(configMap)}: ${key} points at ${host}, which is not headless`);
            }
          }
        }
      }
      assert.deepEqual(problems, []);
      assert.equal(peers, 13, 'front-end names six peers, billing five; both shipping twice (ZeroRPC, REST)');
    });
  });

  describe(`the ${overlay} overlay's configuration`, () => {
    const objects = buildOverlay(overlay);
    const deployments = ofKind(objects, 'Deployment');

    test('sets every variable of each service’s .env.example, credentials from its Secret only', () => {
      for (const deployment of deployments) {
        const service = shopService(nameOf(deployment));
        const variables = environment(overlay, deployment);
        // .env.example's settings, and the credentials that natively stay unset (CURVE keys:
        // loopback ports speak plain ZeroRPC) but that both overlays set from the Secret.
        const expected = [...new Set([...exampleVariables(service.name), ...service.secretKeys])].filter(
          // The demo data is loaded in dev only; elsewhere the service's default (false) applies.
          (name) => name !== 'SEED_ON_START' || overlay === 'dev' || variables.has(name),
        );
        assert.deepEqual([...variables.keys()].sort(), expected.sort(), `${service.name}'s variables`);
        const fromSecrets = [...variables].filter(([, source]) => source === 'secret').map(([name]) => name);
        assert.deepEqual(fromSecrets.sort(), [...service.secretKeys].sort(), `${service.name}'s credentials`);
      }
    });

    test('keeps every credential out of the ConfigMaps', () => {
      const credentials = new Set(shopServices.flatMap((service) => service.secretKeys));
      const exposed = ofKind(objects, 'ConfigMap').flatMap((configMap) =>
        Object.keys(configMap.data ?? {})
          .filter((key) => credentials.has(key))
          .map((key) => `${nameOf(configMap)}: ${key}`),
      );
      assert.deepEqual(exposed, []);
    });

    // dev's Secrets are the repository's public example values, which production mode refuses.
    const mode = overlay === 'dev' ? 'development' : 'production';
    test(`puts the services in ${mode} mode, binding HTTP and ZeroRPC on every interface`, () => {
      for (const configMap of ofKind(objects, 'ConfigMap')) {
        assert.equal(configMap.data?.NODE_ENV, mode, nameOf(configMap));
        assert.equal(configMap.data?.HTTP_HOST, '0.0.0.0', nameOf(configMap));
        if (configMap.data?.RPC_PORT !== undefined) assert.equal(configMap.data.RPC_HOST, '0.0.0.0');
      }
    });
  });

  describe(`the ${overlay} overlay's autoscalers and disruption budgets`, () => {
    const objects = buildOverlay(overlay);
    const deployments = ofKind(objects, 'Deployment');

    test('each HorizontalPodAutoscaler scales an existing Deployment on CPU', () => {
      for (const autoscaler of ofKind(objects, 'HorizontalPodAutoscaler')) {
        const target = autoscaler.spec?.scaleTargetRef;
        assert.equal(target?.kind, 'Deployment', nameOf(autoscaler));
        assert.ok(
          deployments.some((deployment) => nameOf(deployment) === target?.name),
          `${nameOf(autoscaler)} targets ${target?.name}, which is not a Deployment here`,
        );
        assert.deepEqual(
          autoscaler.spec?.metrics?.map((metric) => metric.resource?.name),
          ['cpu'],
        );
        assert.ok(
          (autoscaler.spec?.minReplicas ?? 1) <= (autoscaler.spec?.maxReplicas ?? 0),
          nameOf(autoscaler),
        );
      }
    });

    test('each PodDisruptionBudget covers the pods of an existing Deployment, and every service has one', () => {
      const covered = ofKind(objects, 'PodDisruptionBudget').map((budget) => {
        const selector = budget.spec?.selector;
        const matching = deployments.filter(
          (deployment) => selector !== undefined && matchesSelector(selector, podLabels(deployment)),
        );
        assert.equal(matching.length, 1, `${nameOf(budget)} covers exactly one Deployment`);
        return nameOf(matching[0] ?? {});
      });
      assert.deepEqual(covered.sort(), [...serviceNames].sort());
    });
  });
}
