// Outages: the broker closing our connections mid-stream, and the broker being unreachable for a
// while. Nothing may be lost, nothing handled twice, and readiness must say when the bus is down.
// The broker is shared with other test files, so it is never stopped: connections are closed one
// by one with rabbitmqctl (only this file's, by connection name), and "unreachable" is a TCP proxy
// in front of the broker that the test stops and starts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadinessCheck } from '@trio/service-runtime/health';
import { createServiceHost } from '@trio/service-runtime/service';
import { createTcpProxy } from '@trio/testing/tcp-proxy';
import { publishInTransaction } from '../src/outbox.ts';
import { BusUnavailableError } from '../src/publisher.ts';
import { inTransaction } from '../src/transaction.ts';
import {
  cacheTypesNotSent,
  closeConnectionsNamed,
  delay,
  notSent,
  stockLow,
  waitFor,
} from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

let h: Harness;
useHarness('front_end', (made) => {
  h = made.h;
});

async function effectCount(queue: string): Promise<{ rows: number; distinct: number }> {
  const { rows } = await h.db.query<{ rows: number; distinct: number }>(
    'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM effects WHERE consumer = $1',
    [queue],
  );
  return rows[0]!;
}

/** The admin port of a service host with these readiness checks, as main.ts wires it; returns a /readyz getter. */
async function adminPort(checks: Record<string, ReadinessCheck>) {
  const host = createServiceHost({
    service: 'catalog',
    log: h.logs.log,
    signals: false,
    readinessTimeoutMs: 1_000,
  });
  for (const [name, check] of Object.entries(checks)) host.health.addCheck(name, check);
  const { port } = await host.listen({ port: 0, host: '127.0.0.1' });
  h.defer(() => host.shutdown.close());
  return async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    return { status: response.status, body };
  };
}

async function writeEvents(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, (_, i) =>
    stockLow(`LAMP-${String(i % 7).padStart(4, '0')}`, i + 1),
  );
  await inTransaction(h.db, async (tx) => {
    for (const event of events) await publishInTransaction(tx, event, { aggregateKey: event.payload.sku });
  });
  return events.map((event) => event.id);
}

describe('outages', () => {
  it('when the broker closes the connections mid-stream, every event still arrives and has its effect once', async () => {
    const exchange = h.exchange('forced');
    const queue = h.queue('catalog.forced');
    const publishing = await h.connection('forced-publisher');
    const consuming = await h.connection('forced-consumer');
    await h.consumer({
      connection: consuming,
      db: h.db,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue,
      exchange,
      prefetch: 10,
      handlers: {
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
        'stock.low': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
          await delay(1);
        },
      },
    });
    await h.relay({ publisher: await h.publisher(publishing, exchange), batchSize: 20 });

    const total = 300;
    let closed = 0;
    for (let round = 0; round < 10; round++) {
      await writeEvents(total / 10);
      await delay(40);
      if (round === 3 || round === 7) {
        await waitFor('both connections up', () =>
          Promise.all([publishing.check(), consuming.check()]).then(
            () => true,
            () => false,
          ),
        );
        closed += await closeConnectionsNamed(publishing.name);
        closed += await closeConnectionsNamed(consuming.name);
      }
    }

    assert.ok(closed >= 4, `the broker closed our connections (${closed})`);
    await waitFor('every effect', async () => (await effectCount(queue)).distinct === total, 30_000);
    assert.deepEqual(await effectCount(queue), { rows: total, distinct: total });
    await waitFor('the connections back', async () => {
      await Promise.all([publishing.check(), consuming.check()]);
      return true;
    });
  });

  it('while the broker is unreachable, readiness reports it, outbox events wait, and they arrive once it is back', async () => {
    const proxy = await createTcpProxy({
      host: new URL(h.broker.url).hostname,
      port: Number(new URL(h.broker.url).port || 5672),
    });
    h.defer(() => proxy.close());
    const exchange = h.exchange('unreachable');
    const queue = h.queue('catalog.unreachable');
    const connection = await h.connection('unreachable', proxy.url(h.broker.url));
    const consumer = await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue,
      exchange,
      handlers: {
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
        'stock.low': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });
    const publisher = await h.publisher(connection, exchange);
    await h.relay({ publisher, pollIntervalMs: 100 });
    const readyz = await adminPort({
      amqp: connection.check,
      'consumer catalog.unreachable': consumer.check,
    });
    assert.equal((await readyz()).status, 200);

    await proxy.stop();
    const down = await waitFor('/readyz to report the bus down', async () => {
      const answer = await readyz();
      return answer.status === 503 && answer;
    });
    assert.match(down.body.checks.amqp?.error ?? '', /not connected to the broker/);
    assert.match(down.body.checks['consumer catalog.unreachable']?.error ?? '', /not consuming/);
    await assert.rejects(publisher.publish(stockLow()), BusUnavailableError);

    const ids = await writeEvents(20);
    await delay(500);
    const { rows } = await h.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL AND event_id = ANY($1::uuid[])',
      [ids],
    );
    assert.equal(rows[0]!.n, 20, 'the events wait in the outbox');
    assert.equal((await effectCount(queue)).rows, 0);

    await proxy.start();

    await waitFor('every effect', async () => (await effectCount(queue)).distinct === 20, 15_000);
    assert.deepEqual(await effectCount(queue), { rows: 20, distinct: 20 });
    assert.equal((await readyz()).status, 200);
  });

  it('when the proxy drops every connection mid-stream, consumers resume by themselves', async () => {
    const proxy = await createTcpProxy({
      host: new URL(h.broker.url).hostname,
      port: Number(new URL(h.broker.url).port || 5672),
    });
    h.defer(() => proxy.close());
    const exchange = h.exchange('reset');
    const queue = h.queue('catalog.reset');
    const connection = await h.connection('reset', proxy.url(h.broker.url));
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue,
      exchange,
      handlers: {
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
        'stock.low': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });
    await h.relay({ publisher: await h.publisher(connection, exchange), pollIntervalMs: 100 });

    for (let round = 0; round < 5; round++) {
      await writeEvents(20);
      await delay(30);
      proxy.reset();
    }

    // Five resets in a row can leave the connection several failed attempts deep in its back-off
    // (doubling from 200 ms, capped at 15 s): on a loaded machine recovery may take more than one
    // cap, so the bound is four caps. The claim is that it resumes by itself, not how fast.
    await waitFor('every effect', async () => (await effectCount(queue)).distinct === 100, 60_000);
    assert.deepEqual(await effectCount(queue), { rows: 100, distinct: 100 });
  });
});
