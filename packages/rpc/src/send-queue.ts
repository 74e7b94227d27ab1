// zeromq allows one blocked send() per socket at a time (a second one fails with EBUSY), so every
// message a DEALER sends goes through one queue: the next send starts when the previous one has
// settled. A send that blocks (peer's queue full, no connection yet) holds the rest back in order
// instead of dropping them. Written with callbacks rather than an async loop: it runs for every
// message, and this is the cheapest way to do it.

import type { Writable } from 'zeromq';

/** What a message belongs to: a message of a call that already ended is skipped, not sent. */
export interface Owner {
  readonly settled: boolean;
}

interface Outgoing {
  frames: Buffer[];
  owner: Owner | undefined;
}

export interface SendQueue {
  push(frames: Buffer[], owner?: Owner): void;
}

export function createSendQueue(
  socket: Pick<Writable, 'send'>,
  onError: (error: unknown, frames: Buffer[]) => void,
): SendQueue {
  let queue: (Outgoing | undefined)[] = [];
  let head = 0;
  /** The message being sent (its send has not settled yet), if any. */
  let current: Buffer[] | undefined;

  // Made once: every send settles through these, no closure per message.
  const sent = (): void => {
    current = undefined;
    sendNext();
  };
  const failed = (error: unknown): void => {
    const frames = current!;
    current = undefined;
    onError(error, frames);
    sendNext();
  };

  /** Starts sending `frames`; false when the socket refused at once (reported). */
  const start = (frames: Buffer[]): boolean => {
    current = frames;
    try {
      socket.send(frames).then(sent, failed);
      return true;
    } catch (error) {
      current = undefined;
      onError(error, frames); // a closed socket throws at once
      return false;
    }
  };

  const sendNext = (): void => {
    while (head < queue.length) {
      const { frames, owner } = queue[head]!;
      queue[head] = undefined; // let the payload be collected
      head += 1;
      if (owner?.settled === true) continue;
      if (start(frames)) return;
    }
    queue = [];
    head = 0;
  };

  return {
    push(frames, owner) {
      if (current !== undefined) {
        queue.push({ frames, owner });
        return;
      }
      // Nothing in progress, so nothing is queued either: send without queueing.
      if (owner?.settled !== true) start(frames);
    },
  };
}
