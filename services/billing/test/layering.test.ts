// Imports run one way: entry-points (and views, app.ts, main.ts) → domain → data-access and peers.
// A domain or data-access module that reached up into an entry point would tie the business rules
// to one transport; this test reads every import of those layers and names any that runs upwards.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** What each lower layer must not import, as paths relative to src/. */
const forbidden: Record<string, readonly string[]> = {
  domain: ['entry-points/', 'views/', 'app.ts', 'main.ts'],
  'data-access': ['entry-points/', 'views/', 'app.ts', 'main.ts', 'domain/', 'peers/'],
};

/** Every module specifier of a file: static imports, re-exports and dynamic imports. */
function specifiersOf(code: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
  return [...code.matchAll(pattern)].map((match) => match[1]!);
}

/** The imports of `file` (relative to src/) that land in one of `targets`. */
function upwardImports(file: string, code: string, targets: readonly string[]): string[] {
  return specifiersOf(code)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.posix.join(path.posix.dirname(file), specifier))
    .filter((target) => targets.some((prefix) => target === prefix || target.startsWith(prefix)));
}

async function filesUnder(layer: string): Promise<string[]> {
  const entries = await readdir(path.join(src, layer), { recursive: true });
  return entries.filter((entry) => entry.endsWith('.ts')).map((entry) => path.posix.join(layer, entry));
}

describe('billing’s layers', () => {
  test('the import reader sees static, type-only, re-exported and dynamic imports', () => {
    const code = [
      "import { a } from '../entry-points/http/routes.ts';",
      "import type { B } from './saga.ts';",
      "export { c } from '../views/invoice-page.ts';",
      "const d = await import('../main.ts');",
    ].join('\n');
    assert.deepEqual(upwardImports('domain/x.ts', code, forbidden.domain!), [
      'entry-points/http/routes.ts',
      'views/invoice-page.ts',
      'main.ts',
    ]);
  });

  for (const [layer, targets] of Object.entries(forbidden)) {
    test(`no module in src/${layer} imports from ${targets.join(', ')}`, async () => {
      const files = await filesUnder(layer);
      assert.ok(files.length > 0, `src/${layer} has modules`);
      const upward: string[] = [];
      for (const file of files) {
        const code = await readFile(path.join(src, file), 'utf8');
        for (const target of upwardImports(file, code, targets)) upward.push(`${file} → ${target}`);
      }
      assert.deepEqual(upward, []);
    });
  }
});
