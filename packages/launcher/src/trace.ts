#!/usr/bin/env node
// `npm run trace`: a trace from the spans `npm start -- --observe` wrote, as a waterfall.
//
//   npm run trace -- <orderId|traceId>        the checkout of that order, or that trace
//   npm run trace -- --last                   the newest checkout
//   options: --file <spans.jsonl>  --json (the tree)  --html <out.html> (a self-contained page)
//            --hide postgresql,redis (leave those transports' spans out of the drawing)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { paint } from './logs.ts';
import { readSpanRecords, spansFilePath } from './spans-file.ts';
import { type ShopState, shopStatePath } from './state.ts';
import {
  buildTree,
  findTraceId,
  hideTransports,
  lastCheckoutTraceId,
  renderHtml,
  renderJson,
  renderText,
} from './trace-view.ts';

const usage =
  'usage: npm run trace -- <orderId|traceId> | --last  [--file spans.jsonl] [--json] [--html out.html] [--hide postgresql,redis]';
const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const colours = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

const fail = (text: string): never => {
  process.stderr.write(`${paint('red', 'trace', colours)}: ${text}\n`);
  process.exit(1);
};

/** The running shop's spans file, else the default place. */
function defaultFile(): string {
  try {
    const state = JSON.parse(readFileSync(shopStatePath(root), 'utf8')) as ShopState;
    if (state.observe?.spansFile !== undefined) return state.observe.spansFile;
  } catch {
    // no running shop
  }
  return spansFilePath(root);
}

function main(): void {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        allowPositionals: true,
        options: {
          file: { type: 'string' },
          json: { type: 'boolean', default: false },
          html: { type: 'string' },
          last: { type: 'boolean', default: false },
          hide: { type: 'string', default: '' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (error) {
      return fail(`${(error as Error).message}\n${usage}`);
    }
  })();
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const wanted = positionals[0];
  if (wanted === undefined && !values.last) fail(usage);
  const file = values.file ?? defaultFile();
  if (!existsSync(file))
    fail(`${file} does not exist: start the shop with \`npm start -- --observe\` and place an order`);
  const spans = readSpanRecords(file);
  const traceId = wanted === undefined ? lastCheckoutTraceId(spans) : findTraceId(spans, wanted);
  const built = traceId === undefined ? undefined : buildTree(spans, traceId);
  const hidden = values.hide
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const tree = built === undefined ? undefined : hideTransports(built, hidden);
  if (tree === undefined) {
    fail(
      wanted === undefined
        ? `no checkout in ${file} yet`
        : `no trace of ${wanted} in ${file} (${spans.length} spans): give an order id or a trace id`,
    );
    return;
  }
  if (values.html !== undefined) {
    writeFileSync(values.html, renderHtml(tree));
    process.stderr.write(`wrote ${values.html}\n`);
  }
  if (values.json) process.stdout.write(`${renderJson(tree)}\n`);
  else
    process.stdout.write(
      `${renderText(tree, {
        width: process.stdout.columns ?? 140,
        paint: (colour, text) => paint(colour, text, colours),
      })}\n`,
    );
}

main();
