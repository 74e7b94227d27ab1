// Streaming calls: a request, then STREAM items and STREAM_DONE (or ERR). The client grants the
// server room for `streamBuffer` items ahead of the reader with `_zpc_more`; the timeout bounds
// each wait for the next item, not the time the reader spends on one.
import { performance } from 'node:perf_hooks';
import type { RpcMethodDefinition } from '@trio/contracts/rpc';
import { type CallTable, empty, type OpenedCall } from './client-calls.ts';
import type { Peer } from './client-peers.ts';
import { checkResult, toRemoteError } from './client-replies.ts';
import { ProtocolError } from './errors.ts';

export interface StreamContext {
  readonly calls: CallTable;
  readonly serviceName: string;
  readonly timeoutMs: number;
  readonly streamBuffer: number;
  readonly validateResults: boolean;
}

/** The items of one streaming call, checked against the contract; returning early ends the call. */
export async function* streamItems(
  context: StreamContext,
  definition: RpcMethodDefinition,
  method: string,
  args: readonly unknown[],
): AsyncGenerator<unknown> {
  const { calls, serviceName, timeoutMs, streamBuffer, validateResults } = context;
  const items: unknown[] = [];
  let finished = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  // Slots the server may still fill: it starts by assuming 1. More are granted only once the
  // server has answered, so the grant cannot overtake the request on a peer still setting it up.
  let granted = 1;
  let answered = false;
  const call: OpenedCall = {
    id: empty,
    sequence: -1,
    method,
    peer: undefined as unknown as Peer,
    lastReceived: 0,
    lastHeartbeat: 0,
    settled: false,
    timer: undefined,
    deadlines: undefined,
    deadline: 0,
    previous: undefined,
    next: undefined,
    span: undefined,
    onEvent(event) {
      call.lastReceived = performance.now();
      answered = true;
      if (event.name === 'STREAM') {
        granted -= 1;
        items.push(event.args);
      } else {
        calls.end(call);
        if (event.name === 'STREAM_DONE') finished = true;
        else if (event.name === 'ERR') failure = toRemoteError(event, definition);
        else failure = new ProtocolError(`${serviceName}.${method}: unexpected ${event.name} in a stream`);
      }
      wake?.();
    },
    fail(error) {
      failure = error;
      wake?.();
    },
  };
  calls.open(call, method, args, performance.now());
  const grant = () => {
    const room = streamBuffer - items.length - granted;
    if (!answered || call.settled || granted >= streamBuffer / 2 || room <= 0) return;
    granted += room;
    calls.sendControl(call, '_zpc_more', [room]);
  };
  try {
    for (;;) {
      if (items.length > 0) {
        const item = items.shift();
        grant();
        yield checkResult(definition, serviceName, method, item, validateResults);
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
      grant();
      await new Promise<void>((resolve) => {
        wake = resolve;
        call.timer = setTimeout(() => {
          calls.end(call, 'TimeoutExpired');
          failure = calls.timeoutError(call, timeoutMs);
          resolve();
        }, timeoutMs);
      });
      clearTimeout(call.timer);
      call.timer = undefined;
      wake = undefined;
    }
  } finally {
    calls.end(call);
  }
}
