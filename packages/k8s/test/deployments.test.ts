import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { buildOverlay, overlays, repoRoot } from '../src/manifests.ts';
import { ofKind, workloads } from '../src/models.ts';
import {
  allContainers,
  declaresPort,
  hardeningProblems,
  podLabels,
  podSpec,
  probePort,
  probesOf,
} from '../src/pods.ts';
import { secretName, serviceNames, shopService } from '../src/shop.ts';

const nameOf = (deployment: IDeployment) => deployment.metadata?.name ?? '';
const mainContainer = (deployment: IDeployment) => {
  const container = podSpec(deployment).containers.find((each) => each.name === nameOf(deployment));
  assert.ok(container, `${nameOf(deployment)} has no container named like it`);
  return container;
};
/** A reference to the service's Secret: its name, or in dev the name kustomize gave it (a hash appended). */
const isSecretOf = (service: string, reference: string | undefined) =>
  reference !== undefined && new RegExp(`^${secretName(service)}(-[a-z0-9]{10})?$`).test(reference);

for (const overlay of overlays) {
  describe(`the ${overlay} overlay's Deployments`, () => {
    const objects = buildOverlay(overlay);
    const deployments = ofKind(objects, 'Deployment');

    test('are the eight services, each labelled with its name and as part of trio-shop', () => {
      assert.deepEqual(deployments.map(nameOf).sort(), [...serviceNames].sort());
      for (const deployment of deployments) {
        const expected = {
          'app.kubernetes.io/name': nameOf(deployment),
          'app.kubernetes.io/part-of': 'trio-shop',
        };
        assert.deepEqual(deployment.metadata?.labels, expected, `${nameOf(deployment)}'s labels`);
        assert.deepEqual(podLabels(deployment), expected, `${nameOf(deployment)}'s pod labels`);
        assert.deepEqual(deployment.spec?.selector.matchLabels, {
          'app.kubernetes.io/name': nameOf(deployment),
        });
      }
    });

    test('run as uid/gid 1000 with an fsGroup and the RuntimeDefault seccomp profile', () => {
      const problems = deployments.flatMap((deployment) => {
        const context = podSpec(deployment).securityContext ?? {};
        const wrong: string[] = [];
        if (context.runAsNonRoot !== true) wrong.push('runAsNonRoot');
        if (context.runAsUser !== 1000) wrong.push('runAsUser');
        if (context.runAsGroup !== 1000) wrong.push('runAsGroup');
        if (context.fsGroup === undefined) wrong.push('fsGroup');
        if (context.seccompProfile?.type !== 'RuntimeDefault') wrong.push('seccompProfile');
        return wrong.map((field) => `${nameOf(deployment)}: pod securityContext.${field}`);
      });
      assert.deepEqual(problems, []);
    });

    test('harden every container, the init containers too, and give each requests and limits', () => {
      const problems = deployments.flatMap((deployment) =>
        allContainers(deployment).flatMap((container) => hardeningProblems(deployment, container)),
      );
      assert.deepEqual(problems, []);
    });

    test('mount an emptyDir at /tmp in every container, the one writable place', () => {
      const problems = deployments.flatMap((deployment) => {
        const volumes = podSpec(deployment).volumes ?? [];
        return allContainers(deployment)
          .filter((container) => {
            const mount = container.volumeMounts?.find((each) => each.mountPath === '/tmp');
            return volumes.find((volume) => volume.name === mount?.name)?.emptyDir === undefined;
          })
          .map((container) => `${nameOf(deployment)}/${container.name}: no emptyDir at /tmp`);
      });
      assert.deepEqual(problems, []);
    });

    test('name their ports http (and admin, zerorpc) with the shop’s port numbers', () => {
      for (const deployment of deployments) {
        const service = shopService(nameOf(deployment));
        const expected = [{ name: 'http', containerPort: service.httpPort, protocol: 'TCP' }];
        if (service.adminPort !== undefined) {
          expected.push({ name: 'admin', containerPort: service.adminPort, protocol: 'TCP' });
        }
        if (service.rpcPort !== undefined) {
          expected.push({ name: 'zerorpc', containerPort: service.rpcPort, protocol: 'TCP' });
        }
        assert.deepEqual(mainContainer(deployment).ports, expected, `${service.name}'s ports`);
      }
    });

    test('probe readiness at /readyz, liveness and startup at /healthz, on the admin port or else the HTTP port', () => {
      const problems = deployments.flatMap((deployment) => {
        const container = mainContainer(deployment);
        const expected = [
          ['startupProbe', '/healthz'],
          ['readinessProbe', '/readyz'],
          ['livenessProbe', '/healthz'],
        ] as const;
        return expected.flatMap(([kind, path]) => {
          const probe = container[kind];
          if (probe?.httpGet?.path !== path) return [`${nameOf(deployment)}: ${kind} does not get ${path}`];
          const service = shopService(nameOf(deployment));
          const [name, number] =
            service.adminPort === undefined ? ['http', service.httpPort] : ['admin', service.adminPort];
          return probe.httpGet.port === name || probe.httpGet.port === number
            ? []
            : [`${nameOf(deployment)}: ${kind} is not on the ${name} port`];
        });
      });
      assert.deepEqual(problems, []);
    });

    test('migrate their schema first, in an init container running the image’s migrate CLI', () => {
      for (const deployment of deployments) {
        const service = shopService(nameOf(deployment));
        const init = podSpec(deployment).initContainers ?? [];
        if (!service.ownsSchema) {
          assert.deepEqual(init, [], `${service.name} owns no schema and needs no init container`);
          continue;
        }
        assert.equal(init.length, 1, `${service.name}'s init containers`);
        const [migrate] = init;
        assert.equal(
          migrate?.image,
          mainContainer(deployment).image,
          `${service.name} migrates with its own image`,
        );
        assert.deepEqual(migrate?.command, [
          'node',
          'packages/service-runtime/dist/migrate-cli.js',
          service.name,
          `services/${service.name}/migrations`,
        ]);
        assert.ok(
          existsSync(`${repoRoot}services/${service.name}/migrations`),
          `${service.name} has migrations`,
        );
        const url = migrate?.env?.find((variable) => variable.name === 'DATABASE_URL');
        assert.equal(url?.valueFrom?.secretKeyRef?.key, 'DATABASE_URL');
        assert.ok(
          isSecretOf(service.name, url?.valueFrom?.secretKeyRef?.name),
          `${service.name}'s DATABASE_URL`,
        );
      }
    });

    test('have Prometheus scrape /metrics on the admin port, or else the HTTP port', () => {
      for (const deployment of deployments) {
        const service = shopService(nameOf(deployment));
        const annotations = deployment.spec?.template.metadata?.annotations ?? {};
        assert.equal(annotations['prometheus.io/scrape'], 'true', service.name);
        assert.equal(annotations['prometheus.io/path'], '/metrics', service.name);
        assert.equal(
          annotations['prometheus.io/port'],
          String(service.adminPort ?? service.httpPort),
          service.name,
        );
      }
    });

    test('run the trio-shop image of the service in every container', () => {
      for (const deployment of deployments) {
        for (const container of allContainers(deployment)) {
          assert.match(container.image ?? '', new RegExp(`(^|/)trio-shop/${nameOf(deployment)}:[^:]+$`));
        }
      }
    });
  });

  test(`in the ${overlay} overlay, every port a probe uses is one its container declares`, () => {
    const problems = workloads(buildOverlay(overlay)).flatMap((workload) =>
      allContainers(workload).flatMap((container) =>
        probesOf(container).flatMap(([kind, probe]) => {
          const port = probePort(probe);
          return port === undefined || declaresPort(container, port)
            ? []
            : [
                `${workload.metadata?.name}/${container.name}: ${kind} uses port ${port}, which it does not declare`,
              ];
        }),
      ),
    );
    assert.deepEqual(problems, []);
  });
}
