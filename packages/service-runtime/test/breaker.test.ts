// The circuit breaker of REST peers: a peer that keeps failing is not called any more for a while,
// the breaker's state is in the metrics, and a trial call closes it once the peer is back.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { BrokenCircuitError } from 'cockatiel';
import { Registry } from 'prom-client';
import { createRestPeer, PeerUnavailable } from '../src/http/peer.ts';

async function breakerState(registry: Registry): Promise<string> {
  const text = await registry.getSingleMetricAsString('circuit_breaker_state');
  return /circuit_breaker_state\{peer="catalog",transport="http"\} (\d)/.exec(text)?.[1] ?? '';
}

describe('circuit breaker of a REST peer', () => {
  test('opens after 5 failing answers in a row, fails at once while open, closes after a good trial call', async () => {
    let hits = 0;
    let healthy = false;
    const server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(healthy ? 200 : 500, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new Registry();
    const peer = createRestPeer({
      name: 'catalog',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutMs: 1_000,
      registry,
    });
    try {
      assert.equal(await breakerState(registry), '0', 'closed');
      for (let i = 0; i < 5; i += 1) assert.equal((await peer.request('GET', '/products')).status, 500);
      assert.equal(await breakerState(registry), '1', 'open');
      const refused = await peer.request('GET', '/products').catch((error: unknown) => error);
      assert.ok(refused instanceof PeerUnavailable);
      assert.ok(refused.cause instanceof BrokenCircuitError);
      assert.equal(hits, 5, 'the open breaker did not call the peer');
      assert.match(await registry.getSingleMetricAsString('circuit_breaker_opened_total'), /\} 1$/m);

      healthy = true;
      // Half-open after 1 s: the next call is the trial, and its good answer closes the breaker.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      assert.equal((await peer.request('GET', '/products')).status, 200);
      assert.equal(await breakerState(registry), '0', 'closed again');
    } finally {
      server.close();
    }
  });
});
