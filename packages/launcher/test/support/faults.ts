// What the fault tests on a running native shop share (faults.test.ts, faults-amqp.test.ts): the
// shop launched for one test, the CLI, a database client, and a line printed per fault seen.
import assert from 'node:assert/strict';
import { type JourneyAccount, journeyAccount, storefrontJourney } from '@trio/testing/journey';
import pg from 'pg';
import { killGroup, type LaunchedShop, ready } from './launch.ts';

export const storefront = 'http://127.0.0.1:8080';
/** The services' ports, where their /metrics are. */
export const ports = { catalog: 3001, payment: 3003, inventory: 3005, shipping: 3006, recommendations: 3007 };

/** The services read the flags every 500 ms: twice that, and every process follows the change. */
export const followed = () => new Promise((resolve) => setTimeout(resolve, 1_000));

export async function timedJourney(account: JourneyAccount): Promise<{ orderId: string; ms: number }> {
  const started = performance.now();
  const { orderId } = await storefrontJourney(storefront, 'Ada Faults', account);
  return { orderId, ms: performance.now() - started };
}

export interface FaultRun {
  /** `npm run fault -- …`, the CLI itself. */
  fault: LaunchedShop['fault'];
  db: pg.Client;
  /** One shopper for every journey: registrations are limited per shopper address. */
  account: JourneyAccount;
  /** Prints a line with the seconds since the launch: what each fault did, for the record. */
  step(line: string): void;
}

/**
 * Launches the shop (with `extra` settings), runs `body`, then checks that no fault is left, that
 * a journey passes and that the shop stops cleanly; clears every fault and kills what is left.
 */
export async function onLaunchedShop(
  shop: LaunchedShop,
  extra: Record<string, string>,
  body: (run: FaultRun) => Promise<void>,
): Promise<void> {
  const run = shop.launch(extra);
  const db = new pg.Client({ connectionString: shop.infra().db.url });
  db.on('error', () => {}); // the launcher's stop may end it first
  const began = performance.now();
  const step = (line: string) =>
    process.stdout.write(`# ${((performance.now() - began) / 1000).toFixed(1)} s: ${line}\n`);
  const account = journeyAccount();
  try {
    await ready(run);
    step('the shop is ready');
    await db.connect();
    await body({ fault: shop.fault, db, account, step });
    assert.match(shop.fault('list'), /no faults set/);
    await storefrontJourney(storefront, 'Ada Faults', account);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    await db.end().catch(() => {});
    try {
      shop.fault('clear');
    } finally {
      killGroup(run);
    }
  }
}
