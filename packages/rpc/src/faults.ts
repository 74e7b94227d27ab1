// The ZeroRPC side of faults on demand (docs/faults.md): each handler of a server may wait
// (`latency`), answer ERR FaultInjected (`rpc-error`) or hold its answer while `hang` is set; and
// `drop-heartbeats` stops the server's heartbeats, so that callers of long calls lose them.
import { type Faults, injectedFault } from '@trio/service-runtime/faults';

type Handler = (...args: unknown[]) => unknown;

async function before(faults: Faults): Promise<void> {
  if (Object.keys(faults.current()).length === 0) return;
  await faults.holdAndDelay();
  if (faults.roll(faults.current()['rpc-error'])) {
    faults.injected('rpc-error');
    throw injectedFault('ZeroRPC server');
  }
}

/** The handlers, each applying the faults first (a stream's before its first item). */
export function withFaults<H extends object>(handlers: H, streams: ReadonlySet<string>, faults: Faults): H {
  const wrapped = Object.entries(handlers as Record<string, Handler>).map(([name, handler]) => {
    if (streams.has(name)) {
      return [
        name,
        async function* (...args: unknown[]) {
          await before(faults);
          yield* handler(...args) as AsyncIterable<unknown>;
        },
      ] as const;
    }
    return [
      name,
      async (...args: unknown[]) => {
        await before(faults);
        return handler(...args);
      },
    ] as const;
  });
  return Object.fromEntries(wrapped) as H;
}

/** For the server's `sendHeartbeats`: false while `drop-heartbeats` is set. */
export function heartbeatsWanted(faults: Faults): () => boolean {
  return () => {
    if (faults.current()['drop-heartbeats'] !== true) return true;
    faults.injected('drop-heartbeats');
    return false;
  };
}
