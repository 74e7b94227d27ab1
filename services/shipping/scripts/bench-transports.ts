// `npm run bench:transports [-- --seconds 10 --concurrency 16 | --tiny]`: the same call, shipping's
// quote (its real rate tables), over three transports side by side, each measured the same way:
// `--concurrency` callers in a closed loop for `--seconds` after a one-second warm-up. Latency
// p50/p90/p99, calls per second, and CPU milliseconds per call of the caller and of the server
// (process.cpuUsage of each process, the server in a child process of its own).
//
// - REST: POST /quotes (`shippingRoutes.quote`, the route the shop's shipping serves) on the service
//   runtime's HTTP app, the body checked with the contract's schemas, the caller authenticated with a service identity token (as billing calls payment);
//   called through the typed REST client.
// - ZeroRPC: the shop's server and client (`@trio/rpc`), the contract's `shipping.quote`.
// - AMQP request/reply over RabbitMQ: the request published to a queue with `replyTo` (RabbitMQ's
//   direct reply-to) and a correlation id, the server answering to it; arguments and result checked
//   against the same contract.
//
// Everything runs on loopback; RabbitMQ at AMQP_URL (amqp://guest:guest@127.0.0.1:5672 by default).
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { createRpcClient } from '@trio/rpc/client';
import { createRpcServer } from '@trio/rpc/server';
import { createCallerIdentity, createCallerVerifier } from '@trio/service-runtime/identity';
import { createRestPeer } from '@trio/service-runtime/peer';
import { createRestClient } from '@trio/service-runtime/rest-client';
import { createServiceHost } from '@trio/service-runtime/service';
import amqp from 'amqplib';
import { pino } from 'pino';
import { quote } from '../src/domain/rates.ts';
import { shippingHttpRoutes } from '../src/entry-points/http/quotes.ts';

const quoteMethod = shippingRpc.methods.quote;
/** The REST side: the route shipping serves for the same quote, from the same contract. */
const routes = shippingRoutes;
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const destination = { country: 'DE', postalCode: '10115' };
const parcels = [{ weightGrams: 1_200 }, { weightGrams: 300 }];

type ServerMessage =
  | { ready: { rest: string; rpc: string; queue: string; billingKey: object } }
  | { cpu: NodeJS.CpuUsage };

/** The child: one server per transport, then answers `cpu` requests until told to stop. */
async function serve(): Promise<void> {
  const log = pino({ level: 'silent' });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const billingPublic = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-billing' };
  const host = createServiceHost({ service: 'shipping', log, signals: false });
  const verifier = createCallerVerifier('shipping', { billing: { keys: [billingPublic as never] } });
  const { port } = await host.listen({
    port: 0,
    routes: shippingHttpRoutes,
    callers: { verifier, routes: [routes] },
  });
  const rpc = createRpcServer({
    service: shippingRpc,
    log,
    handlers: {
      quote: (to, what) => quote(to, what),
      track: () => {
        throw new Error('not part of the benchmark');
      },
    },
  });
  const rpcEndpoint = await rpc.bind('tcp://127.0.0.1:*');
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  const queue = `bench.shipping.quote.${randomUUID()}`;
  await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
  await channel.prefetch(256);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    const args = quoteMethod.args.safeParse(JSON.parse(message.content.toString()));
    const reply = args.success
      ? { ok: quote(args.data[0], args.data[1]) }
      : { error: 'ValidationError', issues: args.error.issues };
    channel.sendToQueue(message.properties.replyTo as string, Buffer.from(JSON.stringify(reply)), {
      correlationId: message.properties.correlationId as string,
    });
    channel.ack(message);
  });
  process.on('message', (message: string) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() } satisfies ServerMessage);
    if (message === 'stop')
      void Promise.all([rpc.close(), connection.close(), host.shutdown.shutdown('done', 0)]);
  });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-billing' };
  process.send?.({
    ready: { rest: `http://127.0.0.1:${port}`, rpc: rpcEndpoint, queue, billingKey: privateJwk },
  } satisfies ServerMessage);
}

type Call = () => Promise<unknown>;

/** A client per transport: its call, and how to close it. */
async function clients(ready: Extract<ServerMessage, { ready: unknown }>['ready']) {
  const identity = await createCallerIdentity('billing', ready.billingKey as never);
  const rest = createRestClient(
    createRestPeer({ name: 'shipping', baseUrl: ready.rest, timeoutMs: 5_000, identity }),
    routes,
  );
  const rpc = createRpcClient({ service: shippingRpc, endpoints: ready.rpc, timeoutMs: 5_000 });
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  const waiting = new Map<string, (body: unknown) => void>();
  // RabbitMQ's direct reply-to: replies come straight to this consumer, no reply queue declared.
  await channel.consume(
    'amq.rabbitmq.reply-to',
    (message) => {
      if (message === null) return;
      waiting.get(message.properties.correlationId as string)?.(JSON.parse(message.content.toString()));
      waiting.delete(message.properties.correlationId as string);
    },
    { noAck: true },
  );
  const viaAmqp: Call = () =>
    new Promise((resolve, reject) => {
      const correlationId = randomUUID();
      const args = quoteMethod.args.parse([destination, parcels]);
      waiting.set(correlationId, (body) => {
        const answer = body as { ok?: unknown; error?: string };
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(quoteMethod.result.parse(answer.ok));
      });
      channel.sendToQueue(ready.queue, Buffer.from(JSON.stringify(args)), {
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId,
      });
    });
  const calls: Record<string, Call> = {
    REST: async () => {
      const reply = await rest.quote({ body: { destination, parcels } });
      if (reply.status !== 200) throw new Error(`status ${reply.status}`);
    },
    ZeroRPC: () => rpc.methods.quote(destination, parcels),
    'AMQP request/reply': viaAmqp,
  };
  return { calls, close: async () => Promise.all([rpc.close(), connection.close()]) };
}

export interface TransportRow {
  transport: string;
  calls: number;
  callsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  clientCpuMsPerCall: number;
  serverCpuMsPerCall: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

async function measure(
  name: string,
  call: Call,
  options: { seconds: number; concurrency: number },
  serverCpu: () => Promise<NodeJS.CpuUsage>,
): Promise<TransportRow> {
  const loop = async (until: number, latencies?: number[]) => {
    let errors = 0;
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await call();
        latencies?.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
    return errors;
  };
  process.stderr.write(`  ${name}: warming up, then ${options.seconds} s…\n`);
  const warmUntil = performance.now() + Math.min(1_000, options.seconds * 500);
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(warmUntil)));
  const latencies: number[] = [];
  const server0 = await serverCpu();
  const client0 = process.cpuUsage();
  const started = performance.now();
  const until = started + options.seconds * 1_000;
  const progress = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    process.stderr.write(
      `  ${name}: ${elapsed.toFixed(0)}/${options.seconds} s, ${latencies.length} calls\n`,
    );
  }, 1_000);
  const errors = (
    await Promise.all(Array.from({ length: options.concurrency }, () => loop(until, latencies)))
  ).reduce((sum, each) => sum + each, 0);
  clearInterval(progress);
  process.stderr.write(`  ${name}: done, ${latencies.length} calls\n`);
  const elapsedS = (performance.now() - started) / 1000;
  const client = cpuMs(process.cpuUsage(client0));
  const server = cpuMs(await serverCpu()) - cpuMs(server0);
  latencies.sort((a, b) => a - b);
  const n = Math.max(1, latencies.length);
  return {
    transport: name,
    calls: latencies.length,
    callsPerSecond: Math.round(latencies.length / elapsedS),
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    clientCpuMsPerCall: client / n,
    serverCpuMsPerCall: server / n,
    errors,
  };
}

export function formatTable(rows: readonly TransportRow[]): string {
  const header = [
    'transport',
    'calls/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'client CPU ms/call',
    'server CPU ms/call',
    'errors',
  ];
  const lines = rows.map((row) => [
    row.transport,
    String(row.callsPerSecond),
    row.p50Ms.toFixed(2),
    row.p90Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.clientCpuMsPerCall.toFixed(3),
    row.serverCpuMsPerCall.toFixed(3),
    String(row.errors),
  ]);
  const widths = header.map((title, index) =>
    Math.max(title.length, ...lines.map((line) => line[index]!.length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '16' },
      tiny: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const options = values.tiny
    ? { seconds: 1, concurrency: 4 }
    : { seconds: Number(values.seconds), concurrency: Number(values.concurrency) };
  const server = fork(new URL(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<ServerMessage>((resolve) => server.once('message', (m) => resolve(m as ServerMessage)));
  const first = await next();
  if (!('ready' in first)) throw new Error('the server did not start');
  const serverCpu = async () => {
    const answer = next();
    server.send('cpu');
    const message = await answer;
    if (!('cpu' in message)) throw new Error('unexpected message from the server');
    return message.cpu;
  };
  const { calls, close } = await clients(first.ready);
  process.stderr.write(
    `bench:transports: shipping.quote over REST, ZeroRPC and AMQP request/reply, ${options.concurrency} callers, ${options.seconds} s each\n`,
  );
  const rows: TransportRow[] = [];
  for (const [name, call] of Object.entries(calls)) rows.push(await measure(name, call, options, serverCpu));
  await close();
  server.send('stop');
  await sleep(200);
  server.kill();
  process.stdout.write(`${formatTable(rows)}\n`);
  if (values.json !== undefined) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(values.json, `${JSON.stringify(rows, null, 2)}\n`);
  }
}

if (process.argv.includes('--serve')) await serve();
else if (import.meta.main) await main();
