#!/usr/bin/env node
// `trio-dlq list|show|replay|purge <queue>`: the operator's view of a consumer's dead-letter queue.
// Connects to AMQP_URL (the local broker by default). <queue> is the consumer's queue, e.g.
// `inventory.orders` (its DLQ's name works too).
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import {
  type DeadLetterSummary,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
} from './dlq.ts';

const usage = `usage:
  trio-dlq list <queue> [--limit N] [--json]      count and summaries of <queue>.dlq
  trio-dlq show <queue> <message-id | #position>   one message in full (JSON)
  trio-dlq replay <queue> [--limit N] [--message-id ID]
                                                   move messages back to <queue>, attempts reset
  trio-dlq purge <queue> (--message-id ID | --all) [--limit N]
                                                   delete messages from the DLQ for good (poison)
environment: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672)`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      'message-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, queue, selector] = positionals;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (command === undefined || queue === undefined)
    throw new UsageError('a command and a queue are required');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError('--limit must be a positive whole number');
  }

  const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672', {
    clientProperties: { connection_name: 'trio-dlq' },
  });
  connection.on('error', () => {});
  try {
    switch (command) {
      case 'list': {
        const listing = await listDeadLetters(connection, queue, { limit });
        if (values.json) console.log(JSON.stringify(listing, null, 2));
        else printListing(listing.deadLetterQueue, listing.count, listing.messages);
        return 0;
      }
      case 'show': {
        if (selector === undefined) throw new UsageError('show needs a message id or a #position');
        const message = await showDeadLetter(connection, queue, selector);
        if (message === undefined) {
          console.error(`no message ${selector} in the dead-letter queue of ${queue}`);
          return 1;
        }
        console.log(JSON.stringify(message, null, 2));
        return 0;
      }
      case 'replay': {
        const result = await replayDeadLetters(connection, queue, { limit, messageId: values['message-id'] });
        console.log(
          `replayed ${result.replayed} message(s) to ${queue}; ${result.remaining} left in the DLQ`,
        );
        return 0;
      }
      case 'purge': {
        // Deleting is for good: say which message, or that every one is meant.
        if (values['message-id'] === undefined && !values.all)
          throw new UsageError('purge needs --message-id ID, or --all for every message');
        const result = await purgeDeadLetters(connection, queue, { limit, messageId: values['message-id'] });
        console.log(`purged ${result.purged} message(s) from ${queue}.dlq; ${result.remaining} left`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await connection.close().catch(() => {});
  }
}

function printListing(dlq: string, count: number, messages: DeadLetterSummary[]): void {
  const shown = messages.length < count ? ` (showing the first ${messages.length})` : '';
  console.log(`${dlq}: ${count} message(s)${shown}`);
  for (const m of messages) {
    console.log(
      `#${m.position}  ${m.messageId ?? '-'}  ${m.type ?? '-'}  ${m.reason ?? '-'}  attempts=${m.attempts}` +
        `  at=${m.deadLetteredAt ?? '-'}\n    ${m.error ?? ''}`,
    );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const parseProblem = (error as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseProblem) {
      console.error(`${(error as Error).message}\n${usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
