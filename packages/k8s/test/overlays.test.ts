import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { buildOverlay, k8sDir, type Overlay } from '../src/manifests.ts';
import { ofKind, workloads } from '../src/models.ts';
import { allContainers, hardeningProblems, podSpec } from '../src/pods.ts';
import { infrastructure, secretName, serviceNames, shopServices } from '../src/shop.ts';

const nameOf = (object: { metadata?: { name?: string } }) => object.metadata?.name ?? '';

/** Every Secret key the overlay's containers read, as `secret: key`. */
function secretReferences(overlay: Overlay): string[] {
  const references = workloads(buildOverlay(overlay)).flatMap((workload) =>
    allContainers(workload).flatMap((container) =>
      (container.env ?? []).flatMap((variable) => {
        const reference = variable.valueFrom?.secretKeyRef;
        return reference === undefined ? [] : [`${reference.name}: ${reference.key}`];
      }),
    ),
  );
  return [...new Set(references)].sort();
}

describe('the dev overlay', () => {
  const objects = buildOverlay('dev');

  test('runs one replica of each service, without autoscaling', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      assert.equal(deployment.spec?.replicas, 1, nameOf(deployment));
    }
    assert.deepEqual(ofKind(objects, 'HorizontalPodAutoscaler'), []);
  });

  test('runs the images `npm run images` builds', () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      for (const container of allContainers(deployment)) {
        assert.equal(container.image, `trio-shop/${nameOf(deployment)}:latest`);
      }
    }
  });

  test('runs PostgreSQL, Redis and RabbitMQ as one-replica StatefulSets with their data on volume claims', () => {
    const statefulSets = ofKind(objects, 'StatefulSet');
    assert.deepEqual(statefulSets.map(nameOf).sort(), infrastructure.map((each) => each.name).sort());
    for (const { name, port, image } of infrastructure) {
      const statefulSet = statefulSets.find((each) => nameOf(each) === name);
      assert.ok(statefulSet);
      assert.equal(statefulSet.spec?.replicas, 1);
      const [container] = podSpec(statefulSet).containers;
      assert.equal(container?.image, image);
      assert.ok(container?.readinessProbe && container.livenessProbe, `${name} is probed`);
      const claims = (statefulSet.spec?.volumeClaimTemplates ?? []).map((claim) => claim.metadata?.name);
      assert.ok(claims.length > 0, `${name} claims a volume`);
      assert.ok(
        container?.volumeMounts?.some((mount) => claims.includes(mount.name)),
        `${name} mounts its claim`,
      );
      const service = ofKind(objects, 'Service').find((each) => nameOf(each) === name);
      assert.ok(
        service?.spec?.ports?.some((each) => each.port === port),
        `Service ${name} offers ${port}`,
      );
    }
  });

  test('locks the infrastructure’s pods down as far as the official images allow', () => {
    const problems = ofKind(objects, 'StatefulSet').flatMap((statefulSet) =>
      allContainers(statefulSet).flatMap((container) =>
        // PostgreSQL and RabbitMQ write outside their volumes; Redis does not.
        hardeningProblems(statefulSet, container, {
          readOnlyRootFilesystem: nameOf(statefulSet) === 'redis',
        }),
      ),
    );
    assert.deepEqual(problems, []);
  });

  test('gives Redis a memory ceiling below its container’s limit, and no eviction of sessions', () => {
    const redis = ofKind(objects, 'StatefulSet').find((set) => nameOf(set) === 'redis');
    const container = redis === undefined ? undefined : podSpec(redis).containers[0];
    const args = (container?.args ?? []).join(' ');
    assert.match(args, /--maxmemory-policy noeviction/);
    const ceiling = Number(/--maxmemory (\d+)mb/.exec(args)?.[1]);
    const limit = Number(/^(\d+)Mi$/.exec(String(container?.resources?.limits?.memory))?.[1]);
    assert.ok(ceiling > 0 && ceiling < limit, `maxmemory ${ceiling} MB under the ${limit} Mi limit`);
  });

  test('loads the demo data in catalog and inventory only', () => {
    const seeding = ofKind(objects, 'ConfigMap')
      .filter((configMap) => configMap.data?.SEED_ON_START === 'true')
      .map((configMap) => configMap.data?.SERVICE_NAME);
    assert.deepEqual(seeding.sort(), ['catalog', 'inventory']);
  });

  test('generates its Secrets with values marked as development-only', () => {
    const curvePublicKeys = /^(RPC_CURVE_PUBLIC_KEY|RPC_CURVE_ALLOWED_CLIENTS|[A-Z_]+_CURVE_KEY)$/;
    const secrets = ofKind(objects, 'Secret');
    assert.ok(secrets.length > 0);
    const unmarked = secrets.flatMap((secret) =>
      Object.entries(secret.data ?? {})
        // A CURVE public key cannot carry a mark (it is derived from its secret key, which does);
        // it is no secret, and a server refuses every client whose key is not on its list.
        .filter(([key]) => !curvePublicKeys.test(key))
        .filter(([, value]) => !Buffer.from(value, 'base64').toString('utf8').includes('dev-'))
        .map(([key]) => `${nameOf(secret)}: ${key}`),
    );
    assert.deepEqual(unmarked, []);
    assert.deepEqual(
      ofKind(objects, 'Secret').flatMap((secret) => Object.keys(secret.stringData ?? {})),
      [],
      'stringData would escape the check above',
    );
  });

  test('has every Secret key its containers read', () => {
    const present = ofKind(objects, 'Secret').flatMap((secret) =>
      Object.keys(secret.data ?? {}).map((key) => `${nameOf(secret)}: ${key}`),
    );
    const missing = secretReferences('dev').filter((reference) => !present.includes(reference));
    assert.deepEqual(missing, []);
  });
});

describe('the prod overlay', () => {
  const objects = buildOverlay('prod');

  test('holds no Secret: they are created out of band', () => {
    assert.deepEqual(ofKind(objects, 'Secret').map(nameOf), []);
  });

  test('reads exactly the Secrets and keys documented for the operator', () => {
    const documented = shopServices
      .flatMap((service) => service.secretKeys.map((key) => `${secretName(service.name)}: ${key}`))
      .sort();
    assert.deepEqual(secretReferences('prod'), documented);
    const readme = readFileSync(`${k8sDir}README.md`, 'utf8');
    for (const service of shopServices) {
      const row = readme
        .split('\n')
        .find((line) => line.trimStart().startsWith(`| \`${secretName(service.name)}\` |`));
      assert.ok(row, `README.md has a row for ${secretName(service.name)}`);
      for (const key of service.secretKeys)
        assert.ok(row.includes(`\`${key}\``), `README.md: ${row} names ${key}`);
    }
  });

  test('pins every image to the registry at one release tag, never latest', () => {
    const images = workloads(objects).flatMap((workload) =>
      allContainers(workload).map((container) => ({
        workload: nameOf(workload),
        image: container.image ?? '',
      })),
    );
    const tags = new Set<string>();
    for (const { workload, image } of images) {
      const match = /^registry\.example\.com\/trio-shop\/([a-z-]+):([\w][\w.-]{0,127})$/.exec(image);
      assert.ok(match, `${workload} runs ${image}`);
      assert.equal(match[1], workload);
      assert.notEqual(match[2], 'latest', `${workload} runs ${image}`);
      tags.add(match[2] ?? '');
    }
    assert.equal(tags.size, 1, `one release, not several: ${[...tags].join(', ')}`);
  });

  test('keeps three replicas of each service at least, counted by its autoscaler alone', () => {
    const autoscalers = ofKind(objects, 'HorizontalPodAutoscaler');
    assert.deepEqual(
      autoscalers.map((each) => each.spec?.scaleTargetRef.name).sort(),
      [...serviceNames].sort(),
    );
    for (const autoscaler of autoscalers) {
      assert.ok((autoscaler.spec?.minReplicas ?? 1) >= 3, `${nameOf(autoscaler)}: minReplicas`);
      assert.ok(
        (autoscaler.spec?.maxReplicas ?? 0) > (autoscaler.spec?.minReplicas ?? 1),
        nameOf(autoscaler),
      );
    }
    for (const deployment of ofKind(objects, 'Deployment')) {
      // A replica count here would be applied over the autoscaler's on every `kubectl apply`.
      assert.equal(
        deployment.spec?.replicas,
        undefined,
        `${nameOf(deployment)} leaves replicas to its autoscaler`,
      );
    }
  });

  test('runs no infrastructure: PostgreSQL, Redis and RabbitMQ are managed services', () => {
    assert.deepEqual(ofKind(objects, 'StatefulSet').map(nameOf), []);
    const names = ofKind(objects, 'Service').map(nameOf);
    for (const { name } of infrastructure) assert.ok(!names.includes(name), `no Service ${name}`);
  });

  test('loads no demo data and sends the session cookie over HTTPS only', () => {
    const configMaps = ofKind(objects, 'ConfigMap');
    assert.deepEqual(
      configMaps.filter((each) => each.data?.SEED_ON_START === 'true').map(nameOf),
      [],
      'SEED_ON_START',
    );
    const frontEnd = configMaps.find((each) => each.data?.SERVICE_NAME === 'front-end');
    assert.equal(frontEnd?.data?.COOKIE_SECURE, 'true');
  });
});
