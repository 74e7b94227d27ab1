#!/usr/bin/env node
// `trio-dlq list|show|replay|purge <queue>`: the operator's view of a consumer's dead-letter queue.
// Connects to AMQP_URL (the local broker by default). <queue> is the consumer's queue, e.g.
// `inventory.orders` (its DLQ's name works too). With --in-process, the same commands act on the
// in-process bus's dead letters (the monolith) in DATABASE_URL's database instead (dlq-in-process.ts).
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import {
  type DeadLetter,
  type DeadLetterListing,
  type DeadLetterSummary,
  listDeadLetters,
  type PurgeResult,
  purgeDeadLetters,
  type ReplayResult,
  replayDeadLetters,
  showDeadLetter,
} from './dlq.ts';
import {
  listInProcessDeadLetters,
  purgeInProcessDeadLetters,
  replayInProcessDeadLetters,
  showInProcessDeadLetter,
} from './dlq-in-process.ts';

const usage = `usage:
  trio-dlq list <queue> [--limit N] [--json]      count and summaries of <queue>.dlq
  trio-dlq show <queue> <message-id | #position>   one message in full (JSON)
  trio-dlq replay <queue> [--limit N] [--message-id ID]
                                                   move messages back to <queue>, attempts reset
  trio-dlq purge <queue> (--message-id ID | --all) [--limit N]
                                                   delete messages from the DLQ for good (poison)
  --in-process                                     the in-process bus's dead letters (the monolith),
                                                   kept in PostgreSQL, rather than RabbitMQ's
environment: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672);
  with --in-process DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)`;

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
      'in-process': { type: 'boolean', default: false },
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

  const where = await deadLetterStore(values['in-process']);
  try {
    switch (command) {
      case 'list': {
        const listing = await where.list(queue, { limit });
        if (values.json) console.log(JSON.stringify(listing, null, 2));
        else printListing(listing.deadLetterQueue, listing.count, listing.messages);
        return 0;
      }
      case 'show': {
        if (selector === undefined) throw new UsageError('show needs a message id or a #position');
        const message = await where.show(queue, selector);
        if (message === undefined) {
          console.error(`no message ${selector} in the dead-letter queue of ${queue}`);
          return 1;
        }
        console.log(JSON.stringify(message, null, 2));
        return 0;
      }
      case 'replay': {
        const result = await where.replay(queue, { limit, messageId: values['message-id'] });
        console.log(
          `replayed ${result.replayed} message(s) to ${queue}; ${result.remaining} left in the DLQ`,
        );
        return 0;
      }
      case 'purge': {
        // Deleting is for good: say which message, or that every one is meant.
        if (values['message-id'] === undefined && !values.all)
          throw new UsageError('purge needs --message-id ID, or --all for every message');
        const result = await where.purge(queue, { limit, messageId: values['message-id'] });
        console.log(`purged ${result.purged} message(s) from ${queue}.dlq; ${result.remaining} left`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await where.close();
  }
}

type Selection = { limit?: number; messageId?: string };

/** Where the dead letters are: a RabbitMQ DLQ, or the in-process bus's tables in PostgreSQL. */
interface DeadLetterStore {
  list(queue: string, options: { limit?: number }): Promise<DeadLetterListing>;
  show(queue: string, selector: string): Promise<DeadLetter | undefined>;
  replay(queue: string, options: Selection): Promise<ReplayResult>;
  purge(queue: string, options: Selection): Promise<PurgeResult>;
  close(): Promise<void>;
}

async function deadLetterStore(inProcess: boolean): Promise<DeadLetterStore> {
  if (inProcess) {
    const db = new pg.Pool({
      connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
      max: 1,
    });
    return {
      list: (queue, options) => listInProcessDeadLetters(db, queue, options),
      show: (queue, selector) => showInProcessDeadLetter(db, queue, selector),
      replay: (queue, options) => replayInProcessDeadLetters(db, queue, options),
      purge: (queue, options) => purgeInProcessDeadLetters(db, queue, options),
      close: () => db.end(),
    };
  }
  const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672', {
    clientProperties: { connection_name: 'trio-dlq' },
  });
  connection.on('error', () => {});
  return {
    list: (queue, options) => listDeadLetters(connection, queue, options),
    show: (queue, selector) => showDeadLetter(connection, queue, selector),
    replay: (queue, options) => replayDeadLetters(connection, queue, options),
    purge: (queue, options) => purgeDeadLetters(connection, queue, options),
    close: () => connection.close().catch(() => {}),
  };
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
