// zeromq allows one blocked send() per socket at a time (a second one fails with EBUSY), so every
// message a DEALER sends goes through one queue: the next send starts when the previous one has
// settled. A send that blocks (peer's queue full, no connection yet) holds the rest back in order
// instead of dropping them. Written with callbacks rather than an async loop: it runs for every
// message, and this is the cheapest way to do it.
//
// A socket with `sendTimeout` 0 (the client's DEALERs) skips zeromq.js's check for room before
// every send, which costs a system call: its sends settle at once, and one that finds no room
// fails with EAGAIN. The queue then sends that message again with the timeout off, which waits
// for room as a blocking send does (later messages wait behind it, in order), and sets the
// timeout back to 0 once it went out.
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
  socket: Pick<Writable, 'send'> & Partial<Pick<Writable, 'sendTimeout'>>,
  onError: (error: unknown, frames: Buffer[]) => void,
): SendQueue {
  let queue: (Outgoing | undefined)[] = [];
  let head = 0;
  /** The message being sent (its send has not settled yet), if any. */
  let current: Buffer[] | undefined;
  /** `current` is being sent again with the send timeout off, after EAGAIN. */
  let waitingForRoom = false;

  const restoreTimeout = (): void => {
    waitingForRoom = false;
    try {
      socket.sendTimeout = 0;
    } catch {
      // closed: nothing more goes out anyway
    }
  };

  // Made once: every send settles through these, no closure per message.
  const sent = (): void => {
    if (waitingForRoom) restoreTimeout();
    current = undefined;
    sendNext();
  };
  const failed = (error: unknown): void => {
    const frames = current!;
    if (!waitingForRoom && socket.sendTimeout === 0 && (error as { code?: unknown }).code === 'EAGAIN') {
      waitingForRoom = true;
      try {
        socket.sendTimeout = -1;
        socket.send(frames).then(sent, failed);
        return;
      } catch (thrown) {
        error = thrown; // closed meanwhile
      }
    }
    if (waitingForRoom) restoreTimeout();
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
