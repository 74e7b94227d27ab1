#!/usr/bin/env node
// `npm run events -- <command>`: the AMQP side of working on one service alone.
//
//   npm run events -- publish <type> <payload.json> [--correlation-id id]
//       Wraps the payload in the event envelope, validates it against the contracts (the same
//       parseEvent every consumer runs) and publishes it with @trio/events' publisher, so it lands
//       in every queue bound for <type>: an event the service under work consumes, injected as
//       its real publisher would send it. The file may also hold a whole envelope.
//   npm run events -- tail [--record events.jsonl] [pattern]
//       Binds a private queue to the exchange (every event by default, or a topic pattern such as
//       `order.*`) and prints each event a service publishes, marked `INVALID` with the reasons
//       when it breaks its contract; --record also appends each one to a file, one JSON a line.
//
// AMQP_URL and EVENTS_EXCHANGE say where (amqp://guest:guest@127.0.0.1:5672 and trio.events by
// default, as in every .env.example).
import { appendFileSync, readFileSync } from 'node:fs';
import { createEvent, type EventType, eventsExchange, eventTypes, parseEvent } from '@trio/contracts/events';
import { createAmqpConnection } from '@trio/events/connection';
import { createPublisher } from '@trio/events/publisher';
import { createLogger } from '@trio/service-runtime/logger';
import amqp from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = process.env.EVENTS_EXCHANGE ?? eventsExchange.name;
const log = createLogger({ service: 'events-cli', level: 'warn' });

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const [, value] = args.splice(index, 2);
  return value;
}

function usage(message: string): never {
  process.stderr.write(
    `events: ${message}\nusage: npm run events -- publish <type> <payload.json> [--correlation-id id]\n` +
      '       npm run events -- tail [--record file.jsonl] [pattern]\n',
  );
  process.exit(1);
}

async function publish(args: string[]): Promise<void> {
  const correlationId = option(args, '--correlation-id') ?? `events-cli-${crypto.randomUUID()}`;
  const [type = '', file] = args;
  if (!(eventTypes as string[]).includes(type))
    usage(`unknown event type "${type}": ${eventTypes.join(', ')}`);
  if (file === undefined) usage('name the JSON file with the payload');
  const content = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const event =
    'payload' in content && 'type' in content
      ? parseEvent(content)
      : createEvent(type as EventType, content as never, { correlationId });
  const connection = createAmqpConnection({ url, name: 'events-cli', log });
  await connection.start();
  if (connection.current() === undefined) usage(`RabbitMQ is not reachable at ${url} (AMQP_URL)`);
  const publisher = createPublisher({ connection, log, exchange, appId: 'events-cli' });
  await publisher.start();
  await publisher.publish(event);
  process.stdout.write(`published ${event.type} ${event.id} to ${exchange}\n`);
  await publisher.close();
  await connection.close();
}

async function tail(args: string[]): Promise<void> {
  const record = option(args, '--record');
  const pattern = args[0] ?? '#';
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, eventsExchange.type, { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, pattern);
  process.stderr.write(`tailing ${pattern} on ${exchange} (Ctrl-C stops)\n`);
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      const text = message.content.toString();
      let verdict = '';
      try {
        parseEvent(JSON.parse(text));
      } catch (error) {
        verdict = ` INVALID ${(error as Error).message}`;
      }
      process.stdout.write(`${message.fields.routingKey}${verdict} ${text}\n`);
      if (record !== undefined) appendFileSync(record, `${text}\n`);
    },
    { noAck: true },
  );
  const stop = () => void connection.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'publish') await publish(rest);
  else if (command === 'tail') await tail(rest);
  else usage(`unknown command "${command ?? ''}"`);
} catch (error) {
  // An event that breaks its contract, a missing file: one line, not a stack.
  usage((error as Error).message);
}
