// `npm run bench:tracing`: what tracing costs a ZeroRPC call. The same client and server (in one
// process each time) run with tracing off (no OTLP endpoint: the provider samples nothing and only
// draws ids, the default of every service) and on (every call's CLIENT and SERVER span recorded
// and exported over OTLP/HTTP protobuf to a receiver in this process). Off and on alternate in
// child processes, three rounds each, so that a change in machine load affects both alike; the
// medians and the on/off ratio are printed. Bounded: 2000 sequential and 20 000 pipelined calls a run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelemetry } from '@trio/service-runtime/telemetry';
import { median, tracingRound } from '@trio/testing/tracing-bench';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRpcClient } from '../src/client.ts';
import { createRpcServer } from '../src/server.ts';
import { benchRpc } from './contract.ts';

const rounds = 3;
const sequential = 2000;
const pipelined = 20_000;
const window = 100;

interface Result {
  sequentialUs: number;
  callsPerSecond: number;
}

async function measure(): Promise<Result> {
  const telemetry = startTelemetry({ service: 'rpc-bench' });
  const log = pino({ level: 'silent' });
  const server = createRpcServer({
    service: benchRpc,
    handlers: { echo: async (text) => text },
    log,
    registry: new Registry(),
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const client = createRpcClient({
    service: benchRpc,
    endpoints: endpoint,
    log,
    registry: new Registry(),
    timeoutMs: 5000,
  });
  for (let i = 0; i < 500; i++) await client.call('echo', 'warm-up');
  const times: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const started = performance.now();
    await client.call('echo', 'hello, inventory');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (sent < pipelined) {
        sent += 1;
        await client.call('echo', 'hello, inventory');
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  await server.close({ timeoutMs: 100 });
  await telemetry.shutdown();
  return { sequentialUs: times[Math.floor(times.length / 2)]! * 1000, callsPerSecond: pipelined / seconds };
}

const child = (mode: 'off' | 'on', receiver: string) =>
  tracingRound<Result>(new URL(import.meta.url), mode, receiver);

if (process.env.BENCH_CHILD === '1') {
  process.send?.(await measure());
} else {
  let spansBytes = 0;
  const receiver = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      spansBytes += chunk.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const results: Record<'off' | 'on', Result[]> = { off: [], on: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const result = await child(mode, url);
      results[mode].push(result);
      console.log(
        `round ${round}/${rounds} tracing ${mode.padEnd(3)}: median ${result.sequentialUs.toFixed(0)} µs sequential, ${result.callsPerSecond.toFixed(0)} calls/s with ${window} in flight`,
      );
    }
  }
  receiver.close();
  const off = {
    us: median(results.off.map((r) => r.sequentialUs)),
    cps: median(results.off.map((r) => r.callsPerSecond)),
  };
  const on = {
    us: median(results.on.map((r) => r.sequentialUs)),
    cps: median(results.on.map((r) => r.callsPerSecond)),
  };
  console.log(
    `\nZeroRPC call, tracing off vs on (medians of ${rounds} rounds; ${(spansBytes / 1e6).toFixed(1)} MB of spans exported):`,
  );
  console.log(
    `  sequential round trip: off ${off.us.toFixed(0)} µs, on ${on.us.toFixed(0)} µs, ratio on/off ${(on.us / off.us).toFixed(2)}`,
  );
  console.log(
    `  throughput:            off ${off.cps.toFixed(0)}/s, on ${on.cps.toFixed(0)}/s, ratio on/off ${(on.cps / off.cps).toFixed(2)}`,
  );
}
