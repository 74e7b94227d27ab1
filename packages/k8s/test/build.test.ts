import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOverlay, describe as name, namespaceOf, overlays } from '../src/manifests.ts';
import { schemaProblem } from '../src/models.ts';

for (const overlay of overlays) {
  describe(`the ${overlay} overlay`, () => {
    test('builds offline with kubectl kustomize into a stream of Kubernetes objects', () => {
      const objects = buildOverlay(overlay);
      assert.ok(objects.length > 0, 'the build is empty');
      const names = objects.map(name);
      assert.deepEqual(
        names.filter((each, index) => names.indexOf(each) !== index),
        [],
        'objects of the same kind and name',
      );
    });

    test(`puts every object in the namespace ${namespaceOf[overlay]}, which it creates`, () => {
      const objects = buildOverlay(overlay);
      const namespaces = objects
        .filter((object) => object.kind === 'Namespace')
        .map((ns) => ns.metadata.name);
      assert.deepEqual(namespaces, [namespaceOf[overlay]]);
      const astray = objects
        .filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespaceOf[overlay])
        .map(name);
      assert.deepEqual(astray, []);
    });

    test('has only objects that validate against the Kubernetes schemas', () => {
      const problems = buildOverlay(overlay).flatMap((object) => {
        const problem = schemaProblem(object);
        return problem === undefined ? [] : [`${name(object)}: ${problem}`];
      });
      assert.deepEqual(problems, []);
    });
  });
}

test('an object of a kind without a schema here is a problem, not a pass', () => {
  const problem = schemaProblem({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
  assert.equal(problem, 'no schema for example.com/v1 Widget');
});

test('a container port given as text breaks the Deployment schema', () => {
  const problem = schemaProblem({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'broken' },
    spec: {
      selector: { matchLabels: { app: 'broken' } },
      template: {
        metadata: { labels: { app: 'broken' } },
        spec: { containers: [{ name: 'broken', image: 'x', ports: [{ containerPort: '3001' }] }] },
      },
    },
  });
  assert.match(problem ?? '', /containerPort must be integer/);
});
