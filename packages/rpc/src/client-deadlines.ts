// The timeouts of one-shot calls. A timer per call cost about as much as the rest of the client's
// bookkeeping, so the calls waiting with one timeout share a list and a single timer.
import { performance } from 'node:perf_hooks';

/** What Deadlines keeps on each call: its place in the list (no allocation per call). */
export interface DeadlineEntry {
  deadlines: Deadlines | undefined;
  deadline: number;
  previous: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
}

/**
 * The one-shot calls waiting with one timeout (ms), in the order of their deadlines (each call is
 * appended when it starts, so the list stays sorted), under a single timer armed for the first
 * deadline. A call that ends leaves the list in O(1). The timer is unref'd while the list is
 * empty, so it holds the process only while calls wait, as per-call timers would.
 */
export class Deadlines {
  readonly #ms: number;
  readonly #expired: (entry: DeadlineEntry) => void;
  #first: DeadlineEntry | undefined;
  #last: DeadlineEntry | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() time). */
  #firesAt = 0;

  constructor(ms: number, expired: (entry: DeadlineEntry) => void) {
    // As setTimeout takes a delay: anything but 1 ms to 2^31 - 1 ms (NaN, 0, negative, too long)
    // means 1 ms.
    this.#ms = ms >= 1 && ms <= 0x7fffffff ? ms : 1;
    this.#expired = expired;
  }

  add(entry: DeadlineEntry, now: number): void {
    entry.deadlines = this;
    entry.deadline = now + this.#ms;
    entry.previous = this.#last;
    entry.next = undefined;
    if (this.#last === undefined) this.#first = entry;
    else this.#last.next = entry;
    this.#last = entry;
    if (this.#timer === undefined) this.#arm(this.#ms, entry.deadline);
    else if (this.#firesAt > entry.deadline) this.#arm(entry.deadline - now, entry.deadline);
    else if (entry === this.#first) this.#timer.ref();
  }

  remove(entry: DeadlineEntry): void {
    const { previous, next } = entry;
    if (previous === undefined) this.#first = next;
    else previous.next = next;
    if (next === undefined) this.#last = previous;
    else next.previous = previous;
    entry.deadlines = undefined;
    entry.previous = undefined;
    entry.next = undefined;
    if (this.#first === undefined) this.#timer?.unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delay: number, firesAt: number): void {
    clearTimeout(this.#timer);
    this.#firesAt = firesAt;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(delay)));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Timers run on the event loop's clock, which can lag: one that fires a little early is armed
    // again for the rest, so no call fails before its timeout.
    for (let entry = this.#first; entry !== undefined && entry.deadline <= now; entry = this.#first) {
      this.remove(entry);
      this.#expired(entry);
    }
    const first = this.#first;
    if (first !== undefined) this.#arm(first.deadline - now, first.deadline);
  }
}
