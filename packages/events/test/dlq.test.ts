// The dead-letter tool: listing and showing leave the DLQ as it was; replay moves messages back to
// the consumer's queue with their attempts reset, and the command line does the same.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChannelModel } from 'amqplib';
import { listDeadLetters, replayDeadLetters, showDeadLetter } from '../src/dlq.ts';
import { deadLetterQueueName } from '../src/topology.ts';
import { messageCount, notSent, orderCancelled, waitFor } from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/dlq-cli.ts', import.meta.url));

let h: Harness;
let raw: ChannelModel;
useHarness('inventory', (made) => {
  ({ h, raw } = made);
});

/**
 * A consumer whose handler fails until `healthy` is set, with one attempt only, and three events
 * and one poison message sent to it: four messages end up in its DLQ.
 */
async function consumerWithDeadLetters(name: string) {
  const exchange = h.exchange(name);
  const queue = h.queue(`inventory.${name}`, [50]);
  const connection = await h.connection(name);
  const publisher = await h.publisher(connection, exchange);
  const state = { healthy: false, attempts: [] as number[] };
  await h.consumer({
    connection,
    db: h.db,
    log: h.logs.log,
    subscription: 'inventory.orders',
    queue,
    exchange,
    retry: { delaysMs: [50], maxAttempts: 1 },
    handlers: {
      'order.confirmed': notSent,
      'order.cancelled': async (event, { tx, delivery }) => {
        state.attempts.push(delivery.attempt);
        if (!state.healthy) throw new Error('the stock service is down');
        await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
      },
    },
  });
  const events = [orderCancelled(), orderCancelled(), orderCancelled()];
  for (const event of events) await publisher.publish(event);
  const channel = await raw.createChannel();
  channel.publish(exchange, 'order.cancelled', Buffer.from('not json'), { messageId: 'poison-1' });
  await channel.close();
  const dlq = deadLetterQueueName(queue);
  await waitFor('four dead letters', async () => (await messageCount(raw, dlq)) === 4);
  return { queue, dlq, events, state };
}

async function effects(queue: string): Promise<string[]> {
  const { rows } = await h.db.query<{ event_id: string }>(
    'SELECT event_id FROM effects WHERE consumer = $1 ORDER BY event_id',
    [queue],
  );
  return rows.map((row) => row.event_id);
}

describe('dead-letter tool', () => {
  it('list gives the count and why each message is there, and leaves them all in the DLQ', async () => {
    const { queue, dlq, events } = await consumerWithDeadLetters('list');

    const listing = await listDeadLetters(raw, queue);

    assert.equal(listing.count, 4);
    assert.equal(listing.deadLetterQueue, dlq);
    const byId = new Map(listing.messages.map((m) => [m.messageId, m]));
    for (const event of events) {
      assert.equal(byId.get(event.id)?.reason, 'handler_failed');
      assert.equal(byId.get(event.id)?.attempts, 1);
      assert.equal(byId.get(event.id)?.error, 'Error: the stock service is down');
      assert.equal(byId.get(event.id)?.type, 'order.cancelled');
    }
    assert.equal(byId.get('poison-1')?.reason, 'invalid_event');
    assert.equal(await messageCount(raw, dlq), 4);
    assert.equal((await listDeadLetters(raw, `${queue}.dlq`, { limit: 2 })).messages.length, 2);
    assert.equal(await messageCount(raw, dlq), 4);
  });

  it('show gives one message in full, by id or by position', async () => {
    const { queue, dlq, events } = await consumerWithDeadLetters('show');

    const byId = await showDeadLetter(raw, queue, events[1]!.id);
    const first = await showDeadLetter(raw, queue, '#1');
    const missing = await showDeadLetter(raw, queue, 'no-such-id');

    assert.deepEqual(byId?.body, events[1]);
    assert.equal(byId?.headers['x-correlation-id'], 'req-7f3a');
    assert.equal(byId?.properties.type, 'order.cancelled');
    assert.equal(first?.position, 1);
    assert.equal(missing, undefined);
    assert.equal(await messageCount(raw, dlq), 4);
  });

  it('replay moves the messages back to the queue with attempts reset; a still-bad one comes back', async () => {
    const { queue, dlq, events, state } = await consumerWithDeadLetters('replay');
    state.healthy = true;
    state.attempts.length = 0;

    const result = await replayDeadLetters(raw, queue);

    assert.equal(result.replayed, 4);
    await waitFor('the three effects', async () => (await effects(queue)).length === 3);
    assert.deepEqual(await effects(queue), events.map((e) => e.id).sort());
    assert.deepEqual(state.attempts, [1, 1, 1], 'attempt counters start over');
    await waitFor('the poison message back in the DLQ', async () => (await messageCount(raw, dlq)) === 1);
    const [left] = (await listDeadLetters(raw, queue)).messages;
    assert.equal(left?.messageId, 'poison-1');
  });

  it('replay of one message id moves only that one', async () => {
    const { queue, dlq, events, state } = await consumerWithDeadLetters('replay-one');
    state.healthy = true;

    const result = await replayDeadLetters(raw, queue, { messageId: events[2]!.id });

    assert.deepEqual(result, { replayed: 1, remaining: 3 });
    await waitFor('its effect', async () => (await effects(queue)).length === 1);
    assert.deepEqual(await effects(queue), [events[2]!.id]);
    assert.equal(await messageCount(raw, dlq), 3);
  });

  it('the command lists, shows, replays and purges, and explains its usage', async () => {
    const { queue, events, state } = await consumerWithDeadLetters('cli');
    const env = { ...process.env, AMQP_URL: h.broker.url };
    const dlqCommand = (...args: string[]) => run(process.execPath, [cli, ...args], { env, timeout: 15_000 });

    const listed = await dlqCommand('list', queue);
    assert.match(listed.stdout, /\.dlq: 4 message\(s\)/);
    assert.match(listed.stdout, /handler_failed {2}attempts=1/);
    const shown = await dlqCommand('show', queue, events[0]!.id);
    assert.equal(JSON.parse(shown.stdout).messageId, events[0]!.id);

    state.healthy = true;
    const replayed = await dlqCommand('replay', queue, '--message-id', events[0]!.id);
    assert.match(replayed.stdout, /replayed 1 message\(s\).*3 left/);
    await waitFor('its effect', async () => (await effects(queue)).length === 1);

    // Purge deletes for good: only the message named (or --all).
    await assert.rejects(dlqCommand('purge', queue), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? '', /purge needs --message-id ID, or --all[\s\S]*usage:/);
      return true;
    });
    const purged = await dlqCommand('purge', queue, '--message-id', 'poison-1');
    assert.match(purged.stdout, /purged 1 message\(s\) from .*\.dlq; 2 left/);
    assert.ok(!(await listDeadLetters(raw, queue)).messages.some((m) => m.messageId === 'poison-1'));
    await assert.rejects(dlqCommand('drain', queue), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? '', /unknown command "drain"[\s\S]*usage:/);
      return true;
    });
    await assert.rejects(
      dlqCommand('list', `${queue}-missing`),
      (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr ?? '', /does not exist/);
        return true;
      },
    );
  });
});
