// Endpoints given by name: the client connects to every address the name resolves to (compose
// replicas, a Kubernetes headless Service), spreads calls over them, and follows the name as
// replicas come and go. The servers are real, on three loopback addresses; the DNS answers are the
// test's (DNS is outside the shop).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  type CalculatorServer,
  connectClient,
  eventually,
  restartableEndpoint,
  startCalculator,
} from './support/harness.ts';

const servers: CalculatorServer[] = [];

after(async () => {
  for (const { server } of servers) await server.close({ timeoutMs: 0 });
});

test('a name with three addresses gets three connections; a vanished address is dropped', async () => {
  const port = new URL((await restartableEndpoint()).replace('tcp://', 'http://')).port;
  for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3'])
    servers.push(await startCalculator({}, `tcp://${host}:${port}`));
  let answer = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  const lookups: string[] = [];
  const client = connectClient(`tcp://calculator.test:${port}`, {
    resolveEveryMs: 100,
    lookup: async (host) => {
      lookups.push(host);
      return answer;
    },
  });
  try {
    await eventually(() => lookups.length > 0, 2_000, 'a lookup');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all(Array.from({ length: 300 }, () => client.methods.increment(1)));
    const counts = servers.map(({ state }) => state.counter);
    assert.deepEqual(lookups[0], 'calculator.test');
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      300,
    );
    for (const [index, count] of counts.entries())
      assert.ok(count > 30, `replica ${index + 1} took ${count} of 300`);

    // The third replica leaves the name: no more calls for it.
    answer = ['127.0.0.1', '127.0.0.2'];
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = servers[2]!.state.counter;
    await Promise.all(Array.from({ length: 100 }, () => client.methods.increment(1)));
    assert.equal(servers[2]!.state.counter, before, 'the retired replica got nothing');

    // A failing lookup keeps the connections that work.
    answer = [];
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await client.methods.add(2, 3), 5);
  } finally {
    await client.close();
  }
});
