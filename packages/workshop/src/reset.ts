// `npm run lab -- reset`, between two groups: what the labs changed goes back, nothing else is
// touched and nothing is stopped (the shop keeps running; stop it yourself if you want a fresh one).
// - every fault flag is cleared (labs 7 and 8 set them);
// - every dead-letter queue of the shop is emptied (lab 7 fills inventory's);
// - the demo products' stock goes back to its demo level where nothing is reserved (checkouts sold
//   it); orders, invoices and accounts stay, as history;
// - the labs' state files (`.trio/workshop/`) are removed.
// It refuses infrastructure off this machine: a workshop resets its own shop, never a shared one.
import { generateDemoStock } from '@trio/demo-data/stock';
import type { LabContext } from './context.ts';
import { query } from './facts.ts';
import { clearFaults, purgeDeadLetters } from './infra.ts';
import { removeLabStates } from './lab-state.ts';

const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/;

export function offMachine(context: LabContext): string[] {
  return [context.databaseUrl, context.amqpUrl, context.redisUrl].filter(
    (url) => !loopback.test(new URL(url).hostname),
  );
}

export interface ResetOptions {
  /** Leave the stock as it is. */
  keepStock?: boolean;
}

export async function resetWorkshop(context: LabContext, options: ResetOptions = {}): Promise<string[]> {
  const remote = offMachine(context);
  if (remote.length > 0) {
    throw new Error(
      `refusing to reset infrastructure off this machine: ${remote.map((url) => new URL(url).host).join(', ')}`,
    );
  }
  const did: string[] = [];
  did.push((await clearFaults(context)) ? 'cleared every fault flag' : 'no fault flag was set');
  const purged = await purgeDeadLetters(context);
  did.push(
    purged.length === 0
      ? 'every dead-letter queue was empty'
      : `emptied ${purged.map((p) => `${p.queue} (${p.purged})`).join(', ')}`,
  );
  if (!options.keepStock) did.push(await restoreDemoStock(context));
  did.push(
    removeLabStates(context.root) ? "removed the labs' state (.trio/workshop/)" : 'no lab state to remove',
  );
  return did;
}

async function restoreDemoStock(context: LabContext): Promise<string> {
  const levels = generateDemoStock();
  const rows = await query<{ sku: string }>(
    context,
    `UPDATE inventory.stock s SET on_hand = d.units, updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS d(sku, units)
      WHERE s.sku = d.sku AND s.reserved = 0 AND s.on_hand <> d.units
      RETURNING s.sku`,
    [levels.map((l) => l.sku), levels.map((l) => l.units)],
  ).catch((error: Error) => {
    if (/relation "inventory.stock" does not exist/.test(error.message)) return undefined;
    throw error;
  });
  if (rows === undefined) return 'no inventory schema in this database: stock left alone';
  return `restored the demo stock of ${rows.length} product(s)`;
}
