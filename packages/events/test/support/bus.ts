// What the bus tests share: a logger that keeps its lines, bounded waiting, a migrated service
// schema, valid sample events, and the broker operations tests use to break things.
import { type ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createEvent, type DomainEvent } from '@trio/contracts/events';
import { createLogger, type Logger } from '@trio/service-runtime/logger';
import { createPostgres, migrate, type Postgres } from '@trio/service-runtime/postgres';
import amqp, { type ChannelModel } from 'amqplib';

const run = promisify(execFile);

export interface LogCapture {
  log: Logger;
  lines(): Record<string, unknown>[];
}

/** A logger whose JSON lines are kept in memory; set TEST_LOG=1 to also see them. */
export function captureLogs(service = 'events-test'): LogCapture {
  const raw: string[] = [];
  const log = createLogger({
    service,
    level: 'debug',
    destination: {
      write: (line: string) => {
        raw.push(line);
        if (process.env.TEST_LOG) process.stderr.write(line);
      },
    },
  });
  return { log, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The first IPC message from `child` that `matches`, or an error after `timeoutMs`. */
export function nextMessage(
  child: ChildProcess,
  matches: (message: unknown) => boolean,
  timeoutMs = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, message?: unknown) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message);
    };
    const onMessage = (message: unknown) => matches(message) && done(undefined, message);
    const onExit = (code: number | null) => done(new Error(`the child process exited (${code}) first`));
    const timer = setTimeout(() => done(new Error(`no such message within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The handler of a subscription's event type that a test never sends: a consumer must handle every
 * type of its subscription. Should one arrive, it fails, and the event is retried and dead-lettered.
 */
export const notSent = (event: DomainEvent): never => {
  throw new Error(`this test does not send ${event.type}`);
};

const migrations = new URL('../fixtures/migrations/', import.meta.url);

/** Migrates `schema` (outbox, inbox and a test `effects` table) and returns a pool on it. */
export async function serviceDatabase(url: string, schema: string, log: Logger): Promise<Postgres> {
  await migrate({ url, schema, dir: migrations, log });
  return createPostgres({ url, schema, log, maxConnections: 20 });
}

/** A valid `stock.low` event: `sku` is the aggregate, `available` can carry a sequence number. */
/** front-end.cache's handlers for the types a stock test never sends. */
export const cacheTypesNotSent = {
  'product.created': notSent,
  'product.updated': notSent,
  'invoice.issued': notSent,
} as const;

export function stockLow(
  sku = 'MUG-0001',
  available = 3,
  id: string = randomUUID(),
): DomainEvent<'stock.low'> {
  return createEvent(
    'stock.low',
    { sku, available, threshold: 1_000_000 },
    { id, correlationId: `corr-${id.slice(0, 8)}` },
  );
}

export function orderCancelled(id: string = randomUUID()): DomainEvent<'order.cancelled'> {
  return createEvent(
    'order.cancelled',
    {
      orderId: '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69',
      userId: '0b9c2f2e-7a4b-4a43-9b59-3f7f3c3a9d11',
      reason: 'customer_request',
    },
    { id, correlationId: 'req-7f3a', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  );
}

/** A plain amqplib connection for a test to look at or tamper with the broker directly. */
export async function rawConnection(url: string): Promise<ChannelModel> {
  const connection = await amqp.connect(url, {
    clientProperties: { connection_name: `raw-${randomUUID()}` },
  });
  connection.on('error', () => {});
  return connection;
}

/** Every message currently in `queue`, taken (acked) off it. */
export async function drainQueue(connection: ChannelModel, queue: string): Promise<amqp.GetMessage[]> {
  const channel = await connection.createChannel();
  const messages: amqp.GetMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    messages.push(message);
  }
  await channel.close();
  return messages;
}

export async function messageCount(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  const { messageCount } = await channel.checkQueue(queue);
  await channel.close();
  return messageCount;
}

/**
 * Has the broker close every connection whose client-provided name is `name`, as an operator (or
 * a broker restart) would, with `rabbitmqctl close_connection`. Only this test's connections: the
 * broker is shared with other test files. Returns how many it closed.
 */
export async function closeConnectionsNamed(name: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    'pid',
    'client_properties',
    '--quiet',
    '--no-table-headers',
  ]);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'closed by an events test']);
  return pids.length;
}
