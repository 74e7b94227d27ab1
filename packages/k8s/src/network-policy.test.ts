import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { allowedFlows, type Endpoint, inCidr, isAllowed, matchesSelector } from './network-policy.ts';

const ns = 'shop';
const pod = (name: string, ip: string, ports: Endpoint['ports'] = [], namespace = ns): Endpoint => ({
  name,
  ip,
  pod: { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels: { app: name } },
  ports,
});
const web = pod('web', '10.0.0.1', [{ name: 'http', port: 8080, protocol: 'TCP' }]);
const api = pod('api', '10.0.0.2', [
  { name: 'http', port: 3000, protocol: 'TCP' },
  { name: 'rpc', port: 4000, protocol: 'TCP' },
]);
const elsewhere = pod('api', '10.0.9.9', [], 'other');
const outside: Endpoint = { name: 'internet', ip: '203.0.113.7', ports: [] };
const database: Endpoint = { name: 'db', ip: '10.20.0.5', ports: [{ port: 5432, protocol: 'TCP' }] };

const policy = (name: string, spec: NonNullable<INetworkPolicy['spec']>): INetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const http = { port: 3000, protocol: 'TCP' as const };

describe('label selectors', () => {
  test('an empty selector matches every set of labels', () => {
    assert.equal(matchesSelector({}, {}), true);
  });

  test('matchLabels and matchExpressions must all hold', () => {
    const selector = {
      matchLabels: { app: 'api' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    };
    assert.equal(matchesSelector(selector, { app: 'api', tier: 'web' }), true);
    assert.equal(matchesSelector(selector, { app: 'api', tier: 'db' }), false);
    assert.equal(matchesSelector(selector, { app: 'web' }), false);
  });

  test('In, Exists and DoesNotExist', () => {
    assert.equal(
      matchesSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}),
      false,
    );
    assert.equal(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }), true);
    assert.equal(
      matchesSelector({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }),
      false,
    );
  });
});

describe('CIDR blocks', () => {
  test('an address inside the block matches, one outside does not', () => {
    assert.equal(inCidr('10.20.0.5', '10.20.0.0/16'), true);
    assert.equal(inCidr('10.21.0.5', '10.20.0.0/16'), false);
    assert.equal(inCidr('203.0.113.7', '0.0.0.0/0'), true);
  });
});

describe('network policies', () => {
  test('without any policy, everything may connect', () => {
    assert.equal(isAllowed([], web, api, http), true);
  });

  test('under a default deny, nothing may connect', () => {
    assert.equal(isAllowed([denyAll], web, api, http), false);
    assert.equal(isAllowed([denyAll], outside, web, { port: 8080, protocol: 'TCP' }), false);
  });

  test('a flow needs the caller’s egress and the callee’s ingress', () => {
    const egress = policy('web-out', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 3000 }] }],
    });
    const ingress = policy('api-in', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 3000 }] }],
    });
    assert.equal(isAllowed([denyAll, egress], web, api, http), false);
    assert.equal(isAllowed([denyAll, ingress], web, api, http), false);
    assert.equal(isAllowed([denyAll, egress, ingress], web, api, http), true);
    assert.equal(isAllowed([denyAll, egress, ingress], web, api, { port: 4000, protocol: 'TCP' }), false);
  });

  test('a named port is the destination pod’s port of that name', () => {
    const ingress = policy('api-in', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'rpc' }] }],
    });
    assert.equal(isAllowed([ingress], web, api, { port: 4000, protocol: 'TCP' }), true);
    assert.equal(isAllowed([ingress], web, api, http), false);
  });

  test('a protocol other than TCP must be named', () => {
    const egress = policy('dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 53 }] }],
    });
    const dns: Endpoint = { name: 'dns', ip: '10.96.0.10', ports: [] };
    assert.equal(isAllowed([egress], web, dns, { port: 53, protocol: 'UDP' }), false);
    assert.equal(isAllowed([egress], web, dns, { port: 53, protocol: 'TCP' }), true);
  });

  test('a pod selector alone means this namespace; with a namespace selector, both must match', () => {
    const samePods = policy('same', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const anyNamespace = policy('any', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const to = { port: 8080, protocol: 'TCP' as const };
    assert.equal(isAllowed([samePods], api, web, to), true);
    assert.equal(isAllowed([samePods], elsewhere, web, to), false);
    assert.equal(isAllowed([anyNamespace], elsewhere, web, to), true);
    assert.equal(isAllowed([anyNamespace], outside, web, to), false);
  });

  test('an ipBlock admits its addresses but not its exceptions', () => {
    const egress = policy('db', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.1.0/24'] } }] }],
    });
    const to = { port: 5432, protocol: 'TCP' as const };
    assert.equal(isAllowed([egress], api, database, to), true);
    assert.equal(isAllowed([egress], api, { ...database, ip: '10.20.1.5' }, to), false);
  });

  test('the flows listed are the allowed ones from the sources to the destinations, one end at least in the namespace', () => {
    const egress = policy('api-out', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 5432 }] }],
    });
    const ingress = policy('web-in', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 8080 }] }],
    });
    assert.deepEqual(
      allowedFlows([denyAll, egress, ingress], [web, api, outside], [web, api, database], ns),
      ['api -> db:5432', 'internet -> web:8080'],
    );
  });
});
