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
  let sending = false;

  const sendNext = (): void => {
    while (head < queue.length) {
      const { frames, owner } = queue[head]!;
      queue[head] = undefined; // let the payload be collected
      head += 1;
      if (owner?.settled === true) continue;
      sending = true;
      try {
        socket.send(frames).then(sendNext, (error: unknown) => {
          onError(error, frames);
          sendNext();
        });
        return;
      } catch (error) {
        onError(error, frames); // a closed socket throws at once
      }
    }
    queue = [];
    head = 0;
    sending = false;
  };

  return {
    push(frames, owner) {
      queue.push({ frames, owner });
      if (!sending) sendNext();
    },
  };
}
