// Everything a ROUTER with `mandatory` sends goes through here. With `mandatory`, ZeroMQ never drops
// a reply silently: it fails with EHOSTUNREACH when the peer is gone and with EAGAIN when the
// peer's queue is full. zeromq.js only waits for room when *no* peer can take a message; with one
// full peer among others it rejects at once. So the socket runs with sendTimeout 0 (every send
// settles at once) and waiting is done here, per peer: messages for a peer whose queue is full are
// parked, in order, and retried, while other peers' replies go on. A peer that takes nothing for
// `sendTimeoutMs` loses its parked messages (reported through `onDropped`).
import type { Router } from 'zeromq';

export type DropReason = 'unroutable' | 'send_timeout' | 'send_failed' | 'closed';

export interface RouterOutbox {
  /** `peer` is a string key of the routing identity; `frames` start with the identity. */
  push(peer: string, frames: Buffer[]): void;
  /** Resolves once nothing is queued or parked (sent or dropped). */
  drained(): Promise<void>;
  /** Drops whatever is still parked; later pushes are dropped too. */
  close(): void;
}

export interface RouterOutboxOptions {
  sendTimeoutMs: number;
  onDropped: (reason: DropReason, count: number, error?: unknown) => void;
}

interface Parked {
  /** When the peer last took a message (or when it first refused one). */
  since: number;
  messages: Buffer[][];
}

export function createRouterOutbox(router: Router, options: RouterOutboxOptions): RouterOutbox {
  router.sendTimeout = 0;
  let queue: ({ peer: string; frames: Buffer[] } | undefined)[] = [];
  let head = 0;
  let sending = false;
  const parked = new Map<string, Parked>();
  let retrying: NodeJS.Timeout | undefined;
  let retryDelayMs = 1;
  let closed = false;
  const idleWaiters: (() => void)[] = [];

  /** The message being sent (its send has not settled yet), if any, and its peer. */
  let currentPeer = '';
  let current: Buffer[] | undefined;

  function push(peer: string, frames: Buffer[]): void {
    if (closed) {
      options.onDropped('closed', 1);
      return;
    }
    if (sending || (parked.size > 0 && parked.has(peer))) {
      queue.push({ peer, frames });
      if (!sending) sendNext();
      return;
    }
    // Nothing in progress and the peer is not waiting: send without queueing.
    sending = true;
    if (!start(peer, frames)) sendNext();
  }

  // Made once: every send settles through these, no closure per reply.
  function sent(): void {
    current = undefined;
    sendNext();
  }

  function failed(error: unknown): void {
    const frames = current!;
    current = undefined;
    if (isFull(error)) park(currentPeer, frames);
    else dropOne(error);
    sendNext();
  }

  /** Starts sending; false when the socket refused at once (counted as dropped). */
  function start(peer: string, frames: Buffer[]): boolean {
    currentPeer = peer;
    current = frames;
    try {
      router.send(frames).then(sent, failed);
      return true;
    } catch (error) {
      current = undefined;
      dropOne(error); // a closed socket throws at once
      return false;
    }
  }

  // One send at a time, each started when the previous one has settled, so a peer's messages keep
  // their order (callbacks rather than an async loop: this runs for every reply).
  function sendNext(): void {
    while (head < queue.length) {
      const { peer, frames } = queue[head]!;
      queue[head] = undefined;
      head += 1;
      const waiting = parked.size > 0 ? parked.get(peer) : undefined;
      if (waiting !== undefined) {
        waiting.messages.push(frames);
        continue;
      }
      sending = true;
      if (start(peer, frames)) return;
    }
    queue = [];
    head = 0;
    sending = false;
    notifyIfIdle();
  }

  /** EAGAIN with `mandatory`: the peer is there, its queue is full. */
  function isFull(error: unknown): boolean {
    return (error as { code?: unknown }).code === 'EAGAIN' && !closed;
  }

  function dropOne(error: unknown): void {
    const reason =
      (error as { code?: unknown }).code === 'EHOSTUNREACH'
        ? 'unroutable'
        : closed
          ? 'closed'
          : 'send_failed';
    options.onDropped(reason, 1, error);
  }

  function park(peer: string, frames: Buffer[]): void {
    parked.set(peer, { since: Date.now(), messages: [frames] });
    retryDelayMs = 1;
    scheduleRetry();
  }

  function scheduleRetry(): void {
    retrying ??= setTimeout(() => void retryParked(), retryDelayMs);
  }

  async function retryParked(): Promise<void> {
    let progress = false;
    for (const [peer, entry] of parked) {
      while (entry.messages.length > 0) {
        try {
          await router.send(entry.messages[0]!);
        } catch (error) {
          if (!isFull(error)) {
            dropOne(error);
          } else {
            if (Date.now() - entry.since > options.sendTimeoutMs) {
              options.onDropped('send_timeout', entry.messages.length);
              entry.messages.length = 0;
            }
            break;
          }
        }
        entry.messages.shift();
        entry.since = Date.now();
        progress = true;
      }
      if (entry.messages.length === 0) parked.delete(peer);
    }
    retrying = undefined;
    // Quick retries while peers drain their queues, backing off to 50 ms when one is stuck.
    retryDelayMs = progress ? 1 : Math.min(retryDelayMs * 2, 50);
    if (parked.size > 0) scheduleRetry();
    notifyIfIdle();
  }

  function notifyIfIdle(): void {
    if (sending || parked.size > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  return {
    push,
    drained() {
      if (!sending && parked.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      closed = true;
      clearTimeout(retrying);
      retrying = undefined;
      for (const entry of parked.values()) options.onDropped('closed', entry.messages.length);
      parked.clear();
      notifyIfIdle();
    },
  };
}
