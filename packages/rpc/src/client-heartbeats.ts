// Heartbeats of the calls in flight: each call sends `_zpc_hb` every heartbeat period, and one
// whose server sent nothing at all (answer, item, heartbeat) for two periods fails with LostRemote.
// One timer for all calls, running only while calls are in flight.
import { performance } from 'node:perf_hooks';
import type { CallTable } from './client-calls.ts';
import { LostRemote } from './errors.ts';

export class HeartbeatSweep {
  readonly #calls: CallTable;
  readonly #heartbeatMs: number;
  readonly #serviceName: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(calls: CallTable, heartbeatMs: number, serviceName: string) {
    this.#calls = calls;
    this.#heartbeatMs = heartbeatMs;
    this.#serviceName = serviceName;
  }

  /** Runs the sweep (if it is not running) a few times per period. */
  start(): void {
    this.#timer ??= setInterval(() => this.#check(), Math.max(5, Math.floor(this.#heartbeatMs / 4)));
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const calls = this.#calls;
    const heartbeatMs = this.#heartbeatMs;
    const now = performance.now();
    let inFlight = 0;
    calls.peers.closeIdleRetired();
    for (const peer of [...calls.peers.all()]) {
      for (const call of peer.calls.values()) {
        if (now - call.lastReceived > 2 * heartbeatMs) {
          calls.end(call, 'LostRemote');
          call.fail(
            new LostRemote(
              `${this.#serviceName}.${call.method}: ${peer.endpoint} sent nothing for ${2 * heartbeatMs} ms`,
            ),
          );
        } else if (now - call.lastHeartbeat >= heartbeatMs) {
          call.lastHeartbeat = now;
          calls.sendControl(call, '_zpc_hb', [0]);
        }
      }
      inFlight += peer.calls.size;
    }
    if (inFlight === 0) this.stop();
  }
}
