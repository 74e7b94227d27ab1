// The shop's events inside one Node process (the monolith: AMQP_URL=inproc://events, docs/monolith.md):
// what the topic exchange and its queues do on RabbitMQ, in memory. One bus per exchange name; a
// queue is bound with event types as on the broker (the contracts' eventSubscriptions), declared by
// the publishers its events feed and by its consumer, and keeps its messages until a consumer takes
// them, so an event sent before its consumer started waits for it. Each queue gets its own copy (a
// JSON text, parsed and validated by its consumer, as a body off the wire).
//
// What the broker's durability gave is kept by the outbox instead: the publisher learns when every
// queue has *settled* an event (handled, a duplicate, or dead-lettered) and only then does the
// relay mark the outbox row published (in-process-relay.ts). Nothing here survives the process: a
// crash loses the queues, and the relay of the next start sends the rows still pending again (the
// consumers' inboxes absorb what had been handled already).
//
// Hand-written rather than an emitter library: what is needed is the queue semantics (held while no
// consumer, one copy per queue, settled per queue, a retry going to the back), not pub/sub.
import type { DeadLetterReason } from './headers.ts';

/** How one queue finished with one event. */
export type Settlement =
  | { queue: string; outcome: 'handled' | 'duplicate' }
  | { queue: string; outcome: 'dead-lettered'; reason: DeadLetterReason; error: string; attempts: number };

/** A message as one queue holds it. */
export interface InProcessMessage {
  /** The body as published: JSON text (each consumer parses and validates it). */
  readonly content: string;
  /** The routing key: the event type. */
  readonly type: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Numbers the deliveries of the bus, as a channel's delivery tags do. */
  readonly deliveryTag: number;
  /** Failed handler attempts so far. */
  readonly attempts: number;
  /** Whether an earlier attempt failed (the broker's redelivered flag is for a lost channel). */
  readonly redelivered: boolean;
}

/** What a publisher sends: the routing key and message properties of an AMQP publish. */
export type Outgoing = Pick<InProcessMessage, 'content' | 'type' | 'messageId' | 'headers'>;

/** Takes one message; the bus hands the queue's next one once the returned promise settles. */
export type Deliver = (message: InProcessMessage, settle: (settlement: Settlement) => void) => Promise<void>;

export interface Attachment {
  /** Stops taking messages (the rest stay in the queue); waits for those in hand, at most `timeoutMs`. */
  detach(timeoutMs: number): Promise<void>;
}

export interface InProcessBus {
  readonly exchange: string;
  /** Declares `queue` bound with `types` (idempotent: types already bound stay). */
  declare(queue: string, types: readonly string[]): void;
  /**
   * Routes a copy to every queue bound with its type: `queues` says how many (0: unroutable);
   * `settled` resolves once each has settled it, and never if the bus is reset first.
   */
  send(message: Outgoing): { queues: number; settled: Promise<Settlement[]> };
  /** A consumer on a declared queue, taking up to `concurrency` messages at once, in queue order. */
  attach(queue: string, deliver: Deliver, concurrency: number): Attachment;
  /** A message whose handler failed, back at the end of its queue (a retry, after its delay). */
  requeue(queue: string, message: InProcessMessage, attempts: number): void;
  /** Forgets every queue and message, as a crash of the process would: what waited is never settled. */
  reset(): void;
}

interface Queue {
  name: string;
  types: Set<string>;
  ready: InProcessMessage[];
  /** Each message's settle function: kept off the message so that a requeued copy keeps it. */
  settlers: WeakMap<InProcessMessage, (settlement: Settlement) => void>;
  consumer: { deliver: Deliver; concurrency: number; inHand: Set<Promise<void>> } | undefined;
}

const buses = new Map<string, InProcessBus>();

/** The process's bus for `exchange` (made on first use). */
export function inProcessBus(exchange: string): InProcessBus {
  let bus = buses.get(exchange);
  if (bus === undefined) {
    bus = createBus(exchange);
    buses.set(exchange, bus);
  }
  return bus;
}

function createBus(exchange: string): InProcessBus {
  let queues = new Map<string, Queue>();
  let deliveryTag = 0;

  function pump(queue: Queue): void {
    const { consumer } = queue;
    while (
      consumer !== undefined &&
      queue.consumer === consumer &&
      consumer.inHand.size < consumer.concurrency
    ) {
      const message = queue.ready.shift();
      if (message === undefined) return;
      const settle = queue.settlers.get(message) ?? (() => {});
      const running: Promise<void> = consumer
        .deliver(message, settle)
        .catch(() => {})
        .finally(() => {
          consumer.inHand.delete(running);
          pump(queue);
        });
      consumer.inHand.add(running);
    }
  }

  function enqueue(queue: Queue, message: InProcessMessage, settle: (settlement: Settlement) => void): void {
    queue.settlers.set(message, settle);
    queue.ready.push(message);
    pump(queue);
  }

  return {
    exchange,
    declare(name, types) {
      let queue = queues.get(name);
      if (queue === undefined) {
        queue = { name, types: new Set(), ready: [], settlers: new WeakMap(), consumer: undefined };
        queues.set(name, queue);
      }
      for (const type of types) queue.types.add(type);
    },
    send(outgoing) {
      const bound = [...queues.values()].filter((queue) => queue.types.has(outgoing.type));
      const settled = Promise.all(
        bound.map(
          (queue) =>
            new Promise<Settlement>((resolve) => {
              const message = { ...outgoing, deliveryTag: ++deliveryTag, attempts: 0, redelivered: false };
              let done = false;
              enqueue(queue, message, (settlement) => {
                if (done) return;
                done = true;
                resolve(settlement);
              });
            }),
        ),
      );
      return { queues: bound.length, settled };
    },
    attach(name, deliver, concurrency) {
      const queue = queues.get(name);
      if (queue === undefined) throw new Error(`queue "${name}" is not declared on ${exchange}`);
      if (queue.consumer !== undefined) throw new Error(`queue "${name}" has a consumer already`);
      const consumer = { deliver, concurrency, inHand: new Set<Promise<void>>() };
      queue.consumer = consumer;
      pump(queue);
      return {
        async detach(timeoutMs) {
          if (queue.consumer === consumer) queue.consumer = undefined;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.allSettled([...consumer.inHand]),
            new Promise((resolve) => {
              timer = setTimeout(resolve, timeoutMs);
            }),
          ]);
          clearTimeout(timer);
        },
      };
    },
    requeue(name, message, attempts) {
      const queue = queues.get(name);
      const settle = queue?.settlers.get(message);
      // A queue forgotten by reset() since: the message went with it.
      if (queue === undefined || settle === undefined) return;
      enqueue(queue, { ...message, deliveryTag: ++deliveryTag, attempts, redelivered: true }, settle);
    },
    reset() {
      for (const queue of queues.values()) queue.consumer = undefined;
      queues = new Map();
    },
  };
}
