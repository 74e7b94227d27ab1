// The server side of the benchmark, in its own process as in production: a raw ROUTER echo and a
// ZeroRPC server for the same contract. Tells the parent its endpoints, stops when the parent goes.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Router } from 'zeromq';
import { createRpcServer } from '../src/server.ts';
import { benchRpc } from './contract.ts';

const raw = new Router({ linger: 0 });
await raw.bind('tcp://127.0.0.1:*');
void (async () => {
  for await (const [identity, delimiter, payload] of raw) {
    await raw.send([identity!, delimiter!, payload!]);
  }
})();

const server = createRpcServer({
  service: benchRpc,
  handlers: { echo: async (text) => text },
  log: pino({ level: 'silent' }),
  registry: new Registry(),
  validateResults: true,
});
const rpc = await server.bind('tcp://127.0.0.1:*');

process.send?.({ raw: raw.lastEndpoint, rpc });
process.once('disconnect', () => {
  raw.close();
  void server.close({ timeoutMs: 100 });
});
