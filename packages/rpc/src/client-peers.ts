// The client's connections: one DEALER per endpoint rather than one DEALER connected to all of
// them. ZeroMQ would round-robin every message, so a call's heartbeats and `_zpc_more` could reach
// a replica that never saw the call. Each call picks its peer (fewest calls in flight, round-robin
// among equals) and stays on it. Peers whose address left DNS are retired: no new calls, closed
// once their calls have ended.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Dealer } from 'zeromq';
import type { Call } from './client-calls.ts';
import type { CurveClientKeys } from './curve.ts';
import type { RateLimitedWarn } from './rate-limited-log.ts';
import { createSendQueue, type SendQueue } from './send-queue.ts';

export interface Peer {
  endpoint: string;
  dealer: Dealer;
  queue: SendQueue;
  /** Calls in flight on this peer by the counter of their message id (see MessageIdSource). */
  calls: Map<number, Call>;
  receiving: Promise<void>;
  /** Whether ZeroMQ holds a connection to it now; undefined until the first one. */
  connected: boolean | undefined;
}

export interface PeerPoolOptions {
  heartbeatMs: number;
  curve?: CurveClientKeys;
  log: Logger;
  warnOnce: RateLimitedWarn;
  /** Every message a peer receives. */
  onMessage(peer: Peer, frames: Buffer[]): void;
  /** The connection to a peer was lost: its calls in flight will never be answered. */
  onDisconnect(peer: Peer): void;
}

export class PeerPool {
  /** The peers new calls go to: the endpoints as configured, then as resolved. */
  readonly active: Peer[] = [];
  /** Peers gone from DNS whose calls have not all ended yet. */
  readonly retired = new Set<Peer>();
  #closed = false;
  #next = 0;
  readonly #options: PeerPoolOptions;

  constructor(options: PeerPoolOptions) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every peer that may have calls in flight. */
  all(): Peer[] {
    return this.retired.size === 0 ? this.active : [...this.active, ...this.retired];
  }

  connect(endpoint: string): Peer {
    const { heartbeatMs, warnOnce, curve } = this.#options;
    const dealer = new Dealer({
      linger: 0,
      // ZMTP heartbeats notice a connection that died without a FIN, so ZeroMQ reconnects.
      heartbeatInterval: heartbeatMs,
      heartbeatTimeout: 2 * heartbeatMs,
      ...(curve === undefined
        ? {}
        : {
            curveServerKey: curve.serverKey,
            curvePublicKey: curve.publicKey,
            curveSecretKey: curve.secretKey,
          }),
    });
    dealer.connect(endpoint);
    const peer: Peer = {
      endpoint,
      dealer,
      queue: createSendQueue(dealer, (error) => {
        if (!this.#closed) warnOnce('send', { err: error, endpoint }, 'rpc client could not send');
      }),
      calls: new Map(),
      receiving: Promise.resolve(),
      connected: undefined,
    };
    // A replica that died (kill -9, a crash) drops its connection at once: its calls then fail
    // without waiting for a timeout (and idempotent ones are retried on another replica), and new
    // calls go to the peers still connected until ZeroMQ has reconnected this one.
    dealer.events.on('handshake', () => {
      peer.connected = true;
    });
    dealer.events.on('disconnect', () => {
      // Only a connection that was up counts: a refused handshake (CURVE) leaves the calls waiting
      // for their timeout, as a server that never answers would.
      const wasConnected = peer.connected === true;
      peer.connected = false;
      if (wasConnected && !this.#closed) this.#options.onDisconnect(peer);
    });
    peer.receiving = this.#receiveLoop(peer);
    this.active.push(peer);
    return peer;
  }

  /**
   * The peer for a new call: the fewest calls in flight, round-robin among equals, among the peers
   * not known to be disconnected (all of them when none is connected).
   */
  pick(): Peer {
    const all = this.active;
    if (all.length === 1) return all[0]!;
    const reachable = all.filter((peer) => peer.connected !== false);
    const peers = reachable.length > 0 ? reachable : all;
    if (peers.length === 1) return peers[0]!;
    let best = peers[this.#next % peers.length]!;
    this.#next = (this.#next + 1) % peers.length;
    for (const peer of peers) if (peer.calls.size < best.calls.size) best = peer;
    return best;
  }

  /** Makes the peers match the endpoints DNS names now: new ones connected, vanished ones retired. */
  replace(wanted: ReadonlySet<string>): void {
    if (this.#closed) return;
    const { log } = this.#options;
    for (const peer of [...this.active]) {
      if (wanted.has(peer.endpoint)) continue;
      this.active.splice(this.active.indexOf(peer), 1);
      this.retired.add(peer);
      log.info({ endpoint: peer.endpoint }, 'rpc client endpoint gone from DNS; retiring it');
    }
    for (const endpoint of wanted) {
      if (this.active.some((peer) => peer.endpoint === endpoint)) continue;
      this.connect(endpoint);
      log.info({ endpoint }, 'rpc client connected to a resolved endpoint');
    }
    this.closeIdleRetired();
  }

  closeIdleRetired(): void {
    for (const peer of this.retired) {
      if (peer.calls.size > 0) continue;
      this.retired.delete(peer);
      peer.dealer.close();
    }
  }

  /** From now on nothing new is connected and a failed send is no news. */
  markClosed(): void {
    this.#closed = true;
  }

  /** Closes every socket (fail their calls first); resolves once the receive loops have stopped. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.active, ...this.retired];
    for (const peer of all) peer.dealer.close();
    await Promise.all(all.map((peer) => peer.receiving));
  }

  async #receiveLoop(peer: Peer): Promise<void> {
    const { log, onMessage } = this.#options;
    while (!this.#closed) {
      let frames: Buffer[];
      try {
        frames = await peer.dealer.receive();
      } catch (error) {
        if (this.#closed || peer.dealer.closed) return;
        log.error({ err: error, endpoint: peer.endpoint }, 'rpc client receive failed');
        await sleep(10); // whatever it was, do not spin on it
        continue;
      }
      try {
        onMessage(peer, frames);
      } catch (error) {
        log.error({ err: error, endpoint: peer.endpoint }, 'rpc client failed to handle a message');
      }
    }
  }
}
