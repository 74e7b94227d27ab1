// The repository documents itself: every relative link in its Markdown files leads to a file or
// folder inside the repository (a reader of a clone has nothing else), and anchors-only and web
// links are left alone.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const markdown = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && existsSync(join(root, file)));

/** `[text](target)` and `[text]: target` links, without code spans and fenced blocks. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
  const references = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1]!);
  return [...inline, ...references];
}

test('the repository has Markdown documents to check', () => {
  assert.ok(markdown.includes('README.md'), 'README.md');
  assert.ok(markdown.length > 5, markdown.join(', '));
});

test('every relative link in the repository’s Markdown leads to a file inside the repository', () => {
  const broken: string[] = [];
  for (const file of markdown) {
    for (const link of linksOf(readFileSync(join(root, file), 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue;
      const target = resolve(dirname(join(root, file)), decodeURIComponent(link.split('#')[0]!));
      const inside = !relative(root, target).startsWith('..');
      if (!inside) broken.push(`${file}: ${link} points outside the repository`);
      else if (!existsSync(target)) broken.push(`${file}: ${link} does not exist`);
    }
  }
  assert.deepEqual(broken, []);
});

test('no file of the repository refers readers to notes that are not in it', () => {
  // Design notes kept beside a checkout (upper-case *.md notes, a `shared/` folder next to it) are
  // not in the repository: what a reader needs is written into docs/ instead.
  const pattern = '(STYLE|ARCHITECTURE|ZERORPC)\\.md|\\.\\./shared/';
  const grep = spawnSync(
    'git',
    ['grep', '-n', '-I', '-E', pattern, '--', '.', ':!packages/testing/test/repository-links.test.ts'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.ok(grep.status === 0 || grep.status === 1, grep.stderr);
  assert.deepEqual(grep.stdout.split('\n').filter(Boolean), []);
});
