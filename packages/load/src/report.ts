// The reports of a run: summary.json and report.html, one self-contained page (Chart.js's UMD
// bundle and the summary inlined, nothing fetched) with latency percentiles and throughput over
// time per step, the sent/answered rates, an error timeline, the outcome breakdown, the per-step
// table and the invariants.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { formatMs, type LoadSummary } from './summary.ts';

function chartBundle(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** JSON or script text safe inside a <script> element. */
const inScript = (text: string) => text.replaceAll('</', '<\\/').replaceAll('<!--', '<\\!--');

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function stepTable(summary: LoadSummary): string {
  const rows = Object.entries(summary.steps).map(
    ([name, s]) =>
      `<tr><td>${escapeHtml(name)}</td><td>${s.count}</td><td>${s.rate}</td><td>${formatMs(s.p50)}</td>` +
      `<td>${formatMs(s.p90)}</td><td>${formatMs(s.p99)}</td><td>${formatMs(s.p999)}</td><td>${formatMs(s.max)}</td>` +
      `<td class="${s.errors > 0 ? 'bad' : ''}">${s.errors}</td></tr>`,
  );
  return (
    '<table><thead><tr><th>step</th><th>count</th><th>per s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>' +
    `<th>p99.9 ms</th><th>max ms</th><th>errors</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function invariantList(summary: LoadSummary): string {
  const invariants = summary.invariants;
  if ('skipped' in invariants) return `<p>Not checked: ${escapeHtml(invariants.skipped)}</p>`;
  const items = invariants.checks.map(
    (check) =>
      `<li class="${check.ok ? 'good' : 'bad'}">${check.ok ? '✔' : '✘'} ${escapeHtml(check.name)} ` +
      `<small>${escapeHtml(check.detail)}</small></li>`,
  );
  const states = Object.entries(invariants.states)
    .map(([state, count]) => `${escapeHtml(state)} ${count}`)
    .join(', ');
  return `<ul class="checks">${items.join('')}</ul><p><small>${invariants.orders} orders: ${states || 'none'}; waited ${invariants.settledMs} ms for them to settle</small></p>`;
}

const style = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin-bottom:12px}.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 14px;min-width:120px}
.tile b{display:block;font-size:20px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px;height:300px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #dde1e7;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#b3261e;font-weight:600}.good{color:#1e7b34}
.checks{list-style:none;padding:0}.checks small{color:#555;margin-left:6px}`;

/** Draws the charts from the summary in the page (runs in the browser). */
const drawCharts = `
const s = JSON.parse(document.getElementById('summary').textContent);
Chart.defaults.animation = false; Chart.defaults.maintainAspectRatio = false;
const palette = ['#3366cc','#dc3912','#ff9900','#109618','#990099','#0099c6','#dd4477','#66aa00','#b82e2e','#316395','#994499','#22aa99','#aaaa11','#6633cc'];
const steps = Object.keys(s.steps);
const t = s.timeline.map(p => p.t);
const spans = s.timeline.map((p, i) => Math.max(0.001, p.t - (i === 0 ? 0 : s.timeline[i - 1].t)));
const xy = (f) => s.timeline.map((p, i) => ({ x: p.t, y: f(p, i) }));
const lines = (f) => steps.map((name, i) => ({ label: name, data: xy((p, j) => p.steps[name] ? f(p.steps[name], spans[j]) : null), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], pointRadius: 0, borderWidth: 1.5, spanGaps: false }));
const x = { type: 'linear', title: { display: true, text: 'seconds' } };
const chart = (id, type, data, y, extra = {}) => new Chart(document.getElementById(id), { type, data, options: { scales: { x, y }, plugins: { legend: { labels: { boxWidth: 10 } } }, ...extra } });
chart('p99', 'line', { datasets: lines((q) => q.p99) }, { type: 'logarithmic', title: { display: true, text: 'p99 ms (log)' } });
chart('p50', 'line', { datasets: lines((q) => q.p50) }, { type: 'logarithmic', title: { display: true, text: 'p50 ms (log)' } });
chart('throughput', 'line', { datasets: lines((q, span) => q.count / span) }, { title: { display: true, text: 'answers per second' }, beginAtZero: true });
chart('rates', 'line', { datasets: [
  { label: 'sent/s', data: xy(p => p.sent), borderColor: '#3366cc', pointRadius: 0 },
  { label: 'answered/s', data: xy(p => p.answered), borderColor: '#109618', pointRadius: 0 },
  { label: 'shoppers running', data: xy(p => p.shoppers), borderColor: '#ff9900', pointRadius: 0, yAxisID: 'y2' }] },
  { title: { display: true, text: 'requests per second' }, beginAtZero: true },
  { scales: { x, y: { beginAtZero: true, title: { display: true, text: 'requests per second' } }, y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'shoppers' } } } });
const kinds = [...new Set(s.timeline.flatMap(p => Object.keys(p.errors)))];
chart('errors', 'bar', { labels: t.map(Math.round), datasets: kinds.map((kind, i) => ({ label: kind, data: s.timeline.map(p => p.errors[kind] || 0), backgroundColor: palette[i % palette.length] })) },
  { stacked: true, beginAtZero: true, title: { display: true, text: 'errors' } },
  { scales: { x: { stacked: true, title: { display: true, text: 'seconds' }, ticks: { maxTicksLimit: 20 } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'errors' } } } });
if (kinds.length === 0) document.getElementById('errors-none').hidden = false;
const outcomes = Object.entries(s.outcomes);
new Chart(document.getElementById('outcomes'), { type: 'bar', data: { labels: outcomes.map(o => o[0]), datasets: [{ label: 'visits', data: outcomes.map(o => o[1]), backgroundColor: outcomes.map(o => /confirmed/.test(o[0]) ? '#109618' : /failed|cancelled/.test(o[0]) ? '#dc3912' : '#ff9900') }] }, options: { indexAxis: 'y', plugins: { legend: { display: false } } } });
`;

export function renderHtml(summary: LoadSummary): string {
  const errors = Object.values(summary.errors).reduce((sum, n) => sum + n, 0);
  const checkout = summary.steps.checkout;
  const invariantsOk =
    'skipped' in summary.invariants ? 'not checked' : summary.invariants.ok ? 'hold' : 'BROKEN';
  const tile = (label: string, value: string, bad = false) =>
    `<div class="tile${bad ? ' bad' : ''}">${escapeHtml(label)}<b>${escapeHtml(value)}</b></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trio Shop load report ${escapeHtml(summary.startedAt)}</title>
<style>${style}</style></head><body>
<h1>Trio Shop load report</h1>
<div class="meta">${escapeHtml(summary.target)} · ${escapeHtml(summary.mode)} · started ${escapeHtml(summary.startedAt)} · ${summary.elapsedSeconds} s · latencies from the intended send time</div>
<div class="tiles">${tile('shoppers', String(summary.shoppers.started))}${tile('requests', String(summary.requests.sent))}${tile('answered/s', (summary.requests.answered / Math.max(0.001, summary.elapsedSeconds)).toFixed(1))}${tile('checkout p99', checkout === undefined ? '–' : `${formatMs(checkout.p99)} ms`)}${tile('orders', String(summary.orders))}${tile('errors', String(errors), errors > 0)}${tile('invariants', invariantsOk, invariantsOk === 'BROKEN')}</div>
<div class="grid">
<div class="card"><canvas id="p99"></canvas></div><div class="card"><canvas id="p50"></canvas></div>
<div class="card"><canvas id="throughput"></canvas></div><div class="card"><canvas id="rates"></canvas></div>
<div class="card"><canvas id="errors"></canvas><p id="errors-none" hidden>No errors.</p></div><div class="card"><canvas id="outcomes"></canvas></div>
</div>
<h2>Steps</h2>${stepTable(summary)}
<h2>Invariants after the run</h2>${invariantList(summary)}
<h2>Errors by kind</h2>${
    errors === 0
      ? '<p>None.</p>'
      : `<table>${Object.entries(summary.errors)
          .map(([kind, n]) => `<tr><td>${escapeHtml(kind)}</td><td>${n}</td></tr>`)
          .join('')}</table>`
  }
<script id="summary" type="application/json">${inScript(JSON.stringify(summary))}</script>
<script>${inScript(chartBundle())}</script>
<script>${drawCharts}</script>
</body></html>
`;
}

/** Writes summary.json and report.html into `outDir`; answers their paths. */
export function writeReports(summary: LoadSummary, outDir: string): { json: string; html: string } {
  mkdirSync(outDir, { recursive: true });
  const json = resolve(outDir, 'summary.json');
  const html = resolve(outDir, 'report.html');
  writeFileSync(json, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(html, renderHtml(summary));
  return { json, html };
}
