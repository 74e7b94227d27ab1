// The calls in flight of one client: a call is opened (its request sent on the peer it picked),
// matched with the events that answer it, and ended exactly once (answer, timeout, lost server,
// closed client). Both kinds of call, one-shot (client-unary.ts) and streams (client-stream.ts),
// are tracked here.
import { performance } from 'node:perf_hooks';
import { getContext } from '@trio/service-runtime/context';
import type { Logger } from 'pino';
import { type DeadlineEntry, Deadlines } from './client-deadlines.ts';
import { HeartbeatSweep } from './client-heartbeats.ts';
import type { Peer, PeerPool } from './client-peers.ts';
import {
  decodeEvent,
  type EventHeader,
  encodeEvent,
  GarbageError,
  type GarbageReason,
  headerKeys,
  MessageIdSource,
  messageIdSequence,
  protocolVersion,
  type RpcEvent,
  sameMessageId,
  splitFrames,
} from './codec.ts';
import { ClientClosed, LostRemote, TimeoutExpired } from './errors.ts';
import type { GaugeChild, RpcMetrics } from './metrics.ts';
import type { RateLimitedWarn } from './rate-limited-log.ts';
import { endRpcSpan, type Span, startClientSpan } from './tracing.ts';

/** A call in flight, from its request until `end`: a one-shot call (UnaryCall) or a stream. */
export interface Call extends DeadlineEntry {
  readonly id: Buffer;
  /** The counter of `id`, its key in `peer.calls`. */
  readonly sequence: number;
  readonly method: string;
  readonly peer: Peer;
  lastReceived: number;
  lastHeartbeat: number;
  settled: boolean;
  /** A stream's wait for its next item. */
  timer: NodeJS.Timeout | undefined;
  /** The attempt's CLIENT span (tracing.ts), ended by CallTable.end. */
  span?: Span | undefined;
  onEvent(event: RpcEvent): void;
  /** The call has ended without an answer (timeout, lost server, closed client). */
  fail(error: Error): void;
}

/** A call whose request is being made: `open` fills in its id and peer. */
export type OpenedCall = { -readonly [K in 'id' | 'sequence' | 'peer']: Call[K] } & Omit<
  Call,
  'id' | 'sequence' | 'peer'
>;

export interface CallTableOptions {
  serviceName: string;
  heartbeatMs: number;
  log: Logger;
  warnOnce: RateLimitedWarn;
  metrics: RpcMetrics;
}

export const empty = Buffer.alloc(0);

export class CallTable {
  readonly peers: PeerPool;
  readonly #options: CallTableOptions;
  readonly #ids = new MessageIdSource();
  readonly #inFlight: GaugeChild;
  readonly #peerLabel: { peer: string };
  readonly #deadlinesByMs = new Map<number, Deadlines>();
  readonly #heartbeats: HeartbeatSweep;

  constructor(options: CallTableOptions, peers: PeerPool) {
    this.#options = options;
    this.peers = peers;
    this.#peerLabel = { peer: options.serviceName };
    this.#inFlight = options.metrics.clientInFlightChild(this.#peerLabel);
    this.#heartbeats = new HeartbeatSweep(this, options.heartbeatMs, options.serviceName);
  }

  get inFlight(): number {
    return this.peers.all().reduce((sum, peer) => sum + peer.calls.size, 0);
  }

  /**
   * Sends the request of a new call and tracks it until `end`. `call` comes without its id and
   * peer, filled in here; `now` is performance.now(). Throws (ClientClosed, arguments msgpack
   * cannot carry) without tracking.
   */
  open(call: OpenedCall, method: string, args: readonly unknown[], now: number): void {
    if (this.peers.closed) throw new ClientClosed();
    const ids = this.#ids;
    const peer = this.peers.pick();
    let id = ids.next();
    // Counters repeat only after 2^32 ids; even then, never two calls under one key.
    while (peer.calls.has(ids.sequence)) id = ids.next();
    const header: EventHeader = { message_id: id, v: protocolVersion };
    const context = getContext();
    if (context !== undefined) header[headerKeys.correlationId] = context.correlationId;
    call.span = startClientSpan(this.#options.serviceName, method, peer.endpoint, header);
    const payload = encodeEvent(header, method, args);
    call.id = id;
    call.sequence = ids.sequence;
    call.peer = peer;
    call.lastReceived = now;
    call.lastHeartbeat = now;
    peer.calls.set(call.sequence, call as Call);
    this.#inFlight.inc();
    peer.queue.push([empty, payload], call as Call);
    this.#heartbeats.start();
  }

  /** Stops tracking a call (once; later calls do nothing); `errorName` marks its span failed. */
  end(call: Call, errorName?: string): void {
    if (call.settled) return;
    call.settled = true;
    endRpcSpan(call.span, errorName);
    if (call.deadlines !== undefined) call.deadlines.remove(call);
    if (call.timer !== undefined) clearTimeout(call.timer);
    call.peer.calls.delete(call.sequence);
    this.#inFlight.dec();
  }

  /** Fails a one-shot call with TimeoutExpired unless it has ended within `ms` of `now`. */
  expireAfter(call: Call, ms: number, now: number): void {
    let deadlines = this.#deadlinesByMs.get(ms);
    if (deadlines === undefined) {
      deadlines = new Deadlines(ms, (entry) => {
        // Only calls are ever added (below).
        const expired = entry as Call;
        this.end(expired, 'TimeoutExpired');
        expired.fail(this.timeoutError(expired, ms));
      });
      this.#deadlinesByMs.set(ms, deadlines);
    }
    deadlines.add(call, now);
  }

  timeoutError(call: Call, ms: number): TimeoutExpired {
    return new TimeoutExpired(
      `${this.#options.serviceName}.${call.method}: no answer from ${call.peer.endpoint} within ${ms} ms`,
    );
  }

  /** A control event of a call in flight (`_zpc_hb`, `_zpc_more`) to its server. */
  sendControl(call: Call, name: '_zpc_hb' | '_zpc_more', args: unknown[]): void {
    const header: EventHeader = { message_id: this.#ids.next(), v: protocolVersion, response_to: call.id };
    call.peer.queue.push([empty, encodeEvent(header, name, args)], call);
  }

  /** Matches a message from a peer with the call it answers. */
  onMessage(peer: Peer, frames: Buffer[]): void {
    let event: RpcEvent;
    try {
      event = decodeEvent(frames.length === 2 ? frames[1]! : splitFrames(frames).payload);
    } catch (error) {
      if (!(error instanceof GarbageError)) throw error;
      this.#garbage(error.reason, error.message);
      return;
    }
    const responseTo = event.header.response_to;
    if (responseTo === undefined) {
      this.#garbage('malformed_event', `${event.name} without response_to`);
      return;
    }
    // Our ids carry their counter: look the call up by it, then check the whole id.
    const call = peer.calls.get(messageIdSequence(responseTo));
    if (call === undefined || !sameMessageId(call.id, responseTo)) {
      // Late answers to calls that timed out, heartbeats crossing a reply: expected now and then.
      this.#garbage('unknown_channel', `${event.name} for a call that is not in flight`, 'debug');
      return;
    }
    if (event.name === '_zpc_hb' || event.name === '_zpc_more') {
      call.lastReceived = performance.now();
      return;
    }
    // An ERR's name is the span's error (onEvent then ends the call, and with it the span).
    if (event.name === 'ERR' && Array.isArray(event.args) && typeof event.args[0] === 'string') {
      endRpcSpan(call.span, event.args[0]);
      call.span = undefined;
    }
    // An answer that ends a one-shot call needs no time stamp; a stream stamps its items.
    call.onEvent(event);
  }

  /** The connection to `peer` was lost: its calls in flight fail with LostRemote (retried if idempotent). */
  failPeer(peer: Peer): void {
    for (const call of [...peer.calls.values()]) {
      this.end(call, 'LostRemote');
      call.fail(
        new LostRemote(
          `${this.#options.serviceName}.${call.method}: the connection to ${peer.endpoint} was lost`,
        ),
      );
    }
  }

  stopHeartbeats(): void {
    this.#heartbeats.stop();
  }

  /** Fails every call in flight with ClientClosed and stops the timers. */
  close(): void {
    this.#heartbeats.stop();
    for (const peer of this.peers.all()) {
      for (const call of [...peer.calls.values()]) {
        this.end(call, 'ClientClosed');
        call.fail(new ClientClosed());
      }
    }
    for (const deadlines of this.#deadlinesByMs.values()) deadlines.close();
  }

  #garbage(reason: GarbageReason, detail: string, level: 'warn' | 'debug' = 'warn'): void {
    const { metrics, log, warnOnce } = this.#options;
    metrics.clientGarbage.inc({ ...this.#peerLabel, reason });
    if (level === 'debug') log.debug({ reason, detail }, 'rpc client dropped a message');
    else warnOnce(reason, { reason, detail }, 'rpc client dropped a message');
  }
}
