// The monolith's plan, without starting anything: which process runs what, in which stop order,
// and the settings that swap the transports (the members' peers at inproc://, split ones not; the
// events in-process only when every service is inside).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  eventsInProcess,
  isMonolith,
  memberEnv,
  planMonolith,
  shopProcesses,
  stopOrderWith,
} from '../src/monolith.ts';
import { SelectionError } from '../src/select.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the monolith’s plan', () => {
  test('--monolith: one process with the eight, answering on the storefront’s ports', () => {
    const plan = planMonolith(['--monolith']);
    assert.equal(plan.started.length, 1);
    const [monolith] = plan.started;
    assert.ok(monolith !== undefined && isMonolith(monolith));
    assert.equal(monolith.members.length, 8);
    assert.deepEqual([monolith.httpPort, monolith.adminPort], [8080, 3008]);
    assert.deepEqual(plan.stopOrder, [['monolith']]);
    const listed = shopProcesses(monolith, 42);
    assert.equal(listed.length, 8);
    assert.ok(listed.every((service) => service.pid === 42));
    assert.deepEqual(listed.find((service) => service.name === 'inventory')?.rpcPort, 4242);
  });

  test('--split: the named services on their own, stopped in the shop’s order around the monolith', () => {
    const plan = planMonolith(['--monolith', '--split', 'recommendations,payment']);
    assert.deepEqual(
      plan.started.map((spec) => spec.name),
      ['monolith', 'payment', 'recommendations'],
    );
    assert.deepEqual(plan.stopOrder, [['monolith'], ['payment', 'recommendations']]);
    assert.deepEqual(stopOrderWith(['catalog', 'billing']), [
      ['front-end'],
      ['monolith'],
      ['profiles', 'payment', 'inventory', 'shipping', 'recommendations'],
    ]);
    assert.deepEqual(planMonolith(['--monolith', '--split=front-end']).started[0]?.httpPort, 3004);
  });

  test('refuses what it cannot run, naming the services', () => {
    assert.throws(() => planMonolith(['--monolith', '--split', 'recommendation']), {
      name: 'Error',
      message: /unknown service "recommendation": the services are catalog, profiles/,
    });
    assert.throws(() => planMonolith(['--monolith', '--only', 'catalog']), SelectionError);
    assert.throws(() => planMonolith(['--monolith', '--split']), /needs at least one service name/);
  });

  test('members reach each other at inproc://, a split peer at its real address', () => {
    const members = ['catalog', 'profiles', 'payment', 'inventory', 'shipping', 'billing', 'front-end'];
    const env = memberEnv(root, 'front-end', members, {});
    assert.equal(env.SERVE_IN_PROCESS, 'true');
    assert.equal(env.CATALOG_URL, 'inproc://catalog');
    assert.equal(env.BILLING_URL, 'inproc://billing');
    assert.equal(env.INVENTORY_ADDR, 'inproc://inventory');
    assert.equal(env.RECOMMENDATIONS_ADDR, 'tcp://127.0.0.1:4244');
    assert.equal(env.HTTP_PORT, '8080', 'its own ports, as always');
    assert.notEqual(env.AMQP_URL, 'inproc://events', 'a split service is reached by events on RabbitMQ');
  });

  test('with every service inside, events go through the in-process bus (unless MONOLITH_EVENTS=amqp)', () => {
    const all = planMonolith(['--monolith']).started[0];
    assert.ok(all !== undefined && isMonolith(all));
    const members = all.members.map((service) => service.name);
    const broker = 'amqp://guest:guest@127.0.0.1:5672';
    assert.equal(memberEnv(root, 'billing', members, { AMQP_URL: broker }).AMQP_URL, 'inproc://events');
    assert.equal(eventsInProcess(members, {}), true);
    assert.equal(eventsInProcess(members, { MONOLITH_EVENTS: 'amqp' }), false);
    assert.equal(
      memberEnv(root, 'billing', members, { AMQP_URL: broker, MONOLITH_EVENTS: 'amqp' }).AMQP_URL,
      broker,
    );
    assert.equal(eventsInProcess(members.slice(1), {}), false, 'one split out: RabbitMQ for all');
  });
});
