// `npm run bench`: what a ZeroRPC call costs over plain ZeroMQ. Each figure is measured beside a
// raw DEALER/ROUTER echo of the same request bytes, in the same run, on loopback, with the servers
// in a child process (bench/servers.ts) as they would be in production:
//  - sequential round trip of a small call (median, p99), target ≤ 1.5× raw;
//  - throughput with 100 calls in flight, target ≥ 0.6× raw.
// Our side runs the whole path: msgpack, zod on arguments and result, channels, context, metrics.
// Bounded: 5000 sequential and 50 000 pipelined calls per side.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Dealer } from 'zeromq';
import { createRpcClient } from '../src/client.ts';
import { createMessageIds, encodeEvent } from '../src/codec.ts';
import { benchRpc } from './contract.ts';

// Raw and ours alternate in small blocks, so that a change in machine load during the run
// (other processes on the host) affects both sides alike.
const blocks = 10;
const sequentialPerBlock = 500; // 5000 sequential calls per side
const pipelinedPerBlock = 5000; // 50 000 calls per side
const inFlight = 100;
const text = 'hello, inventory';

// The raw echo carries exactly the request our client sends (same header keys, same sizes).
const requestPayload = encodeEvent({ message_id: createMessageIds()(), v: 3 }, 'echo', [text]);

interface Runner {
  sequential(count: number): Promise<number[]>;
  pipelined(count: number, window: number): Promise<number>;
  close(): Promise<void>;
}

function rawRunner(endpoint: string): Runner {
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(endpoint);
  const empty = Buffer.alloc(0);
  return {
    async sequential(count) {
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const started = performance.now();
        await dealer.send([empty, requestPayload]);
        await dealer.receive();
        times.push(performance.now() - started);
      }
      return times;
    },
    async pipelined(count, window) {
      const started = performance.now();
      let sent = 0;
      for (; sent < window; sent += 1) await dealer.send([empty, requestPayload]);
      for (let received = 0; received < count; received += 1) {
        await dealer.receive();
        if (sent < count) {
          await dealer.send([empty, requestPayload]);
          sent += 1;
        }
      }
      return performance.now() - started;
    },
    async close() {
      dealer.close();
    },
  };
}

function rpcRunner(endpoint: string): Runner {
  const client = createRpcClient({
    service: benchRpc,
    endpoints: endpoint,
    log: pino({ level: 'silent' }),
    registry: new Registry(),
  });
  return {
    async sequential(count) {
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const started = performance.now();
        await client.call('echo', text);
        times.push(performance.now() - started);
      }
      return times;
    },
    async pipelined(count, window) {
      const started = performance.now();
      let issued = 0;
      const worker = async () => {
        while (issued < count) {
          issued += 1;
          await client.call('echo', text);
        }
      };
      await Promise.all(Array.from({ length: window }, worker));
      return performance.now() - started;
    },
    close: () => client.close(),
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

const servers = fork(new URL('./servers.ts', import.meta.url));
const [endpoints] = (await once(servers, 'message')) as [{ raw: string; rpc: string }];
const runners = { raw: rawRunner(endpoints.raw), rpc: rpcRunner(endpoints.rpc) };
const samples = { raw: [] as number[], rpc: [] as number[] };
const pipelined = { raw: { calls: 0, ms: 0 }, rpc: { calls: 0, ms: 0 } };

try {
  // Warm-up: JIT on both sides, connections, socket buffers.
  for (const runner of Object.values(runners)) {
    await runner.sequential(1000);
    await runner.pipelined(10_000, inFlight);
  }
  for (let block = 0; block < blocks; block += 1) {
    for (const name of ['raw', 'rpc'] as const) {
      samples[name].push(...(await runners[name].sequential(sequentialPerBlock)));
    }
  }
  for (let block = 0; block < blocks; block += 1) {
    for (const name of ['raw', 'rpc'] as const) {
      pipelined[name].ms += await runners[name].pipelined(pipelinedPerBlock, inFlight);
      pipelined[name].calls += pipelinedPerBlock;
    }
  }
} finally {
  await runners.raw.close();
  await runners.rpc.close();
  servers.disconnect();
}

const summary = (name: 'raw' | 'rpc') => {
  const sorted = samples[name].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    rate: pipelined[name].calls / (pipelined[name].ms / 1000),
  };
};
const raw = summary('raw');
const rpc = summary('rpc');
const rttRatio = rpc.p50 / raw.p50;
const rateRatio = rpc.rate / raw.rate;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

console.log(
  `@trio/rpc benchmark — Node ${process.version}, loopback, request ${requestPayload.length} bytes`,
);
console.log(
  `per side: ${blocks * sequentialPerBlock} sequential calls, then ${blocks * pipelinedPerBlock} calls with ${inFlight} in flight; ` +
    `raw and ours alternate in ${blocks} blocks`,
);
console.log('');
console.log('sequential round trip        median        p99');
console.log(`  raw DEALER/ROUTER echo     ${us(raw.p50).padEnd(12)}  ${us(raw.p99)}`);
console.log(`  ZeroRPC call (@trio/rpc)   ${us(rpc.p50).padEnd(12)}  ${us(rpc.p99)}`);
console.log(
  `  ratio of medians           ${rttRatio.toFixed(2)}×  (target ≤ 1.5×) ${verdict(rttRatio <= 1.5)}`,
);
console.log('');
console.log(`throughput, ${inFlight} calls in flight`);
console.log(`  raw DEALER/ROUTER echo     ${Math.round(raw.rate).toLocaleString('en')} calls/s`);
console.log(`  ZeroRPC call (@trio/rpc)   ${Math.round(rpc.rate).toLocaleString('en')} calls/s`);
console.log(
  `  ratio                      ${rateRatio.toFixed(2)}×  (target ≥ 0.6×) ${verdict(rateRatio >= 0.6)}`,
);
