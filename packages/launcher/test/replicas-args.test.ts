// `--replicas` on the command line: which services, how many, on which addresses, and what their
// callers are told. No process is started.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callerEnv, expandReplicas, freeAddress, parseReplicas, processLabel } from '../src/replicas.ts';
import { SelectionError } from '../src/select.ts';
import { services } from '../src/services.ts';

test('--replicas inventory=3 gives three inventory processes on 127.0.0.2-4, the rest once', () => {
  const counts = parseReplicas(['--except', 'front-end', '--replicas', 'inventory=3'], services);
  assert.deepEqual([...counts], [['inventory', 3]]);
  const specs = expandReplicas(services, counts);
  assert.deepEqual(
    specs.filter((spec) => spec.name === 'inventory').map((spec) => [processLabel(spec), spec.address]),
    [
      ['inventory.2', '127.0.0.2'],
      ['inventory.3', '127.0.0.3'],
      ['inventory.4', '127.0.0.4'],
    ],
  );
  assert.equal(specs.length, services.length + 2);
  assert.deepEqual(
    [...parseReplicas(['--replicas=inventory=2,shipping=2'], services).keys()],
    ['inventory', 'shipping'],
  );
});

test('only the ZeroRPC services, with a sensible count', () => {
  assert.throws(() => parseReplicas(['--replicas', 'catalog=2'], services), /catalog is called over REST/);
  assert.throws(
    () => parseReplicas(['--replicas', 'shipping=2'], services, { SHIPPING_TRANSPORT: 'rest' }),
    /shipping is called over REST \(SHIPPING_TRANSPORT=rest\)/,
  );
  assert.throws(() => parseReplicas(['--replicas', 'inventory=0'], services), /from 1 to 8/);
  assert.throws(() => parseReplicas(['--replicas', 'stock=2'], services), SelectionError);
  assert.throws(() => parseReplicas(['--replicas'], services), /needs <service>=<count>/);
});

test('callers of a replicated service find it by name in .trio/hosts; others are left alone', () => {
  const inventory = services.filter((spec) => spec.name === 'inventory');
  assert.deepEqual(
    callerEnv('/shop', { INVENTORY_ADDR: 'tcp://127.0.0.1:4242', SHIPPING_ADDR: 'x' }, inventory),
    {
      INVENTORY_ADDR: 'tcp://inventory:4242',
      RPC_HOSTS_FILE: '/shop/.trio/hosts',
    },
  );
  assert.deepEqual(callerEnv('/shop', { CATALOG_URL: 'http://127.0.0.1:3001' }, inventory), {});
  assert.equal(freeAddress(new Set(['127.0.0.2', '127.0.0.4'])), '127.0.0.3');
});
