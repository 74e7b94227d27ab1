// The generator's settings and schedule, without a shop: rates, durations and weights parse as
// documented, a target off this machine is refused before anything is sent, and the open-loop
// schedule ramps linearly to the rate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shopperAddress } from '../src/client.ts';
import { parseDuration, parseOptions, parseRate, parseWeights, resolveTarget } from '../src/options.ts';
import { arrivalAt } from '../src/run.ts';
import { weightedRotation } from '../src/scenarios.ts';

test('rates, durations and weights parse as the usage says', () => {
  assert.equal(parseRate('30/s'), 30);
  assert.equal(parseRate('120/m'), 2);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.deepEqual(parseWeights('a=2,b=1', ['a', 'b', 'c']), { a: 2, b: 1, c: 0 });
  assert.throws(() => parseWeights('d=1', ['a']), /bad weight/);
  assert.throws(() => parseOptions(['--rate', '5/s', '--users', '3']), /not both/);
  const options = parseOptions(['--users', '3', '--duration', '10s']);
  assert.equal(options.users, 3);
  assert.equal(options.rate, undefined);
});

test('a target off this machine is refused unless allowed; localhost becomes 127.0.0.1', async () => {
  const remote = parseOptions(['--target', 'http://192.0.2.10:8080']);
  await assert.rejects(resolveTarget(remote), /not this machine/);
  const local = await resolveTarget(parseOptions(['--target', 'http://127.0.0.1:18080']));
  assert.deepEqual(local, { target: 'http://127.0.0.1:18080', distinctAddresses: true });
});

test('arrivals ramp linearly to the rate, then keep it', () => {
  // 10/s after a 2 s ramp: 10 arrivals during the ramp, then one every 100 ms.
  assert.equal(arrivalAt(0, 10, 2000), 0);
  assert.ok(Math.abs(arrivalAt(10, 10, 2000) - 2000) < 1e-6);
  assert.ok(Math.abs(arrivalAt(11, 10, 2000) - 2100) < 1e-6);
  assert.equal(arrivalAt(5, 10, 0), 500);
  const early = arrivalAt(2, 10, 2000) - arrivalAt(1, 10, 2000);
  const late = arrivalAt(9, 10, 2000) - arrivalAt(8, 10, 2000);
  assert.ok(early > late, 'arrivals come closer together during the ramp');
});

test('every shopper gets its own loopback source address, never the shop’s 127.0.0.1', () => {
  const addresses = new Set(Array.from({ length: 70_000 }, (_, i) => shopperAddress(i)));
  assert.equal(addresses.size, 70_000);
  assert.ok([...addresses].every((address) => address.startsWith('127.') && address !== '127.0.0.1'));
});

test('the scenario mix is an exact, interleaved rotation: every scenario runs even in a short run', () => {
  const next = weightedRotation({ browse: 2, buy: 7, history: 1, checkout: 0 });
  const ten = Array.from({ length: 10 }, next);
  assert.deepEqual(
    Object.fromEntries(
      ['browse', 'buy', 'history'].map((name) => [name, ten.filter((s) => s === name).length]),
    ),
    { browse: 2, buy: 7, history: 1 },
  );
  assert.notDeepEqual(ten.slice(0, 7), Array(7).fill('buy'), 'interleaved, not in blocks');
});
