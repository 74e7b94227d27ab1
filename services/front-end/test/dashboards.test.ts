// Every metric the Grafana dashboards of infra/observability query is one the services really
// export: the whole shop runs in-process, and the names are read from each service's /metrics (the
// REST services' API port, the ZeroRPC services' admin port, the front-end's admin port).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { useTestInfra } from '@trio/testing/infra';
import { type Storefront, startStorefront } from './support/shop.ts';

let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  shop = made.running;
});

const dashboards = new URL('../../../infra/observability/grafana/dashboards/', import.meta.url);

/** Every PromQL expression of a dashboard, its panels' and their queries'. */
function expressions(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, each]) =>
    key === 'expr' && typeof each === 'string' ? [each] : expressions(each),
  );
}

const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring']);

/** The metric names a PromQL expression selects: not its functions, labels, values or ranges. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice((match.index ?? 0) + match[0].length).trimStart();
    if (after.startsWith('(') || keywords.has(match[0])) continue;
    names.push(match[0]);
  }
  return names;
}

/** Series names a /metrics text offers: each family, and a histogram's or summary's own series. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

test('metricNames finds the metrics of an expression and nothing else', () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.95, sum by (service, le) (rate(a_seconds_bucket{status=~"5..", x="by (y)"}[$__rate_interval]))) / on (service) b_total * 60',
    ),
    ['a_seconds_bucket', 'b_total'],
  );
});

test('every metric a dashboard queries is exported by a running service', async () => {
  const endpoints = {
    ...shop.peers.adminUrls,
    billing: shop.billingUrl,
    'front-end': shop.adminUrl,
  };
  const offered = new Set<string>();
  for (const [service, url] of Object.entries(endpoints)) {
    const reply = await fetch(`${url}/metrics`);
    assert.equal(reply.status, 200, `${service} ${url}/metrics`);
    for (const name of exported(await reply.text())) offered.add(name);
  }
  const files = readdirSync(dashboards).filter((file) => file.endsWith('.json'));
  assert.ok(files.length > 0);
  const missing: string[] = [];
  let queried = 0;
  for (const file of files) {
    const dashboard: unknown = JSON.parse(readFileSync(new URL(file, dashboards), 'utf8'));
    for (const expr of expressions(dashboard)) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${file}: ${expr} selects a metric`);
      queried += names.length;
      for (const name of names) if (!offered.has(name)) missing.push(`${file}: ${name} in ${expr}`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(queried > 20, `${queried} metric selections checked`);
});
