// Which services `npm start -- --only …` / `--except …` starts, and what it says about a wrong name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { elsewhereLines, SelectionError, selectServices } from '../src/select.ts';

const names = (specs: { name: string }[]) => specs.map((spec) => spec.name);
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('selectServices', () => {
  test('without a flag: all eight', () => {
    const { started, elsewhere } = selectServices(['--report', 'x.json']);
    assert.equal(started.length, 8);
    assert.deepEqual(elsewhere, []);
  });

  test('--except front-end: the other seven, in start order', () => {
    const { started, elsewhere } = selectServices(['--except', 'front-end']);
    assert.deepEqual(names(started), [
      'catalog',
      'profiles',
      'payment',
      'inventory',
      'shipping',
      'recommendations',
      'billing',
    ]);
    assert.deepEqual(names(elsewhere), ['front-end']);
  });

  test('--only with commas, several words or =', () => {
    for (const argv of [
      ['--only', 'inventory,catalog'],
      ['--only', 'catalog', 'inventory', '--report', 'x'],
      ['--only=catalog,inventory'],
    ]) {
      assert.deepEqual(names(selectServices(argv).started), ['catalog', 'inventory'], argv.join(' '));
    }
  });

  test('an unknown name, no name, both flags, or nothing left: an error naming the services', () => {
    assert.throws(
      () => selectServices(['--only', 'catalogue']),
      (error: Error) =>
        error instanceof SelectionError &&
        /unknown service "catalogue": the services are catalog, profiles, payment, inventory, shipping, recommendations, billing, front-end/.test(
          error.message,
        ),
    );
    assert.throws(() => selectServices(['--except']), /needs at least one service name: catalog, /);
    assert.throws(
      () => selectServices(['--only', 'catalog', '--except', 'billing']),
      /either --only or --except/,
    );
    assert.throws(
      () =>
        selectServices([
          '--except',
          'catalog,profiles,payment,inventory,shipping,recommendations,billing,front-end',
        ]),
      /leaves nothing to start/,
    );
  });

  test('says where the services not started are expected, from the started ones’ settings', () => {
    const { started, elsewhere } = selectServices(['--only', 'billing']);
    const lines = elsewhereLines(root, elsewhere, started, { CATALOG_URL: 'http://127.0.0.1:9991' });
    assert.match(
      lines.find((line) => line.startsWith('  catalog')) ?? '',
      /billing call it at http:\/\/127\.0\.0\.1:9991/,
    );
    assert.match(
      lines.find((line) => line.startsWith('  inventory')) ?? '',
      /billing call it at tcp:\/\/127\.0\.0\.1:4242/,
    );
    assert.match(
      lines.find((line) => line.startsWith('  front-end')) ?? '',
      /expected at http:\/\/localhost:8080\//,
    );
  });
});
