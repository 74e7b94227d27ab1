// The server's channels: a call in progress, from its request to its last reply, keyed by the
// caller's routing identity and the request's message id. A channel counts the caller's credit
// (`_zpc_more`), sends heartbeats while its handler runs, and is lost when the caller falls silent
// for two heartbeat periods: the call goes on, but nothing more is sent for it.
import { performance } from 'node:perf_hooks';
import { type GarbageReason, type MessageId, messageIdKey, type RpcEvent } from './codec.ts';
import type { RpcMetrics } from './metrics.ts';
import type { RateLimitedWarn } from './rate-limited-log.ts';
import type { MethodState } from './server-methods.ts';

/** Who sent a message: the ROUTER's routing frames, and a string of them for map keys. */
export interface Caller {
  identity: Buffer[];
  key: string;
}

/** A call in progress, from the request to its last reply. */
export interface Channel {
  key: string;
  caller: Caller;
  id: MessageId;
  method: string;
  state: MethodState;
  lastReceived: number;
  lastHeartbeat: number;
  /** How many more STREAM/OK/ERR events the caller has room for (`_zpc_more`). */
  credit: number;
  /** Wakes a stream waiting for credit (or for the news that the caller is lost). */
  wake: (() => void) | undefined;
  lost: boolean;
}

export type Garbage = (reason: GarbageReason, detail: string, level?: 'warn' | 'debug') => void;

export interface ChannelsOptions {
  heartbeatMs: number;
  metrics: RpcMetrics;
  warnOnce: RateLimitedWarn;
  garbage: Garbage;
  /** Sends a heartbeat on a channel. */
  heartbeat(channel: Channel): void;
}

export class Channels {
  readonly #open = new Map<string, Channel>();
  readonly #options: ChannelsOptions;
  readonly #sweep: NodeJS.Timeout;

  constructor(options: ChannelsOptions) {
    this.#options = options;
    this.#sweep = setInterval(() => this.#check(), Math.max(5, Math.floor(options.heartbeatMs / 4)));
    this.#sweep.unref();
  }

  has(key: string): boolean {
    return this.#open.has(key);
  }

  add(channel: Channel): void {
    this.#open.set(channel.key, channel);
  }

  /** The call has answered: the channel is closed (unless it was lost and replaced already). */
  delete(channel: Channel): void {
    if (this.#open.get(channel.key) === channel) this.#open.delete(channel.key);
  }

  /** An event the caller sent on a channel: a heartbeat or a credit grant. */
  onEvent(key: string, event: RpcEvent): void {
    const { garbage } = this.#options;
    const channel = this.#open.get(key);
    if (channel === undefined) {
      // A heartbeat or credit grant crossing our last reply is normal; anything else is worth a warning.
      const control = event.name === '_zpc_hb' || event.name === '_zpc_more';
      garbage('unknown_channel', `${event.name} for a channel that is not open`, control ? 'debug' : 'warn');
      return;
    }
    channel.lastReceived = performance.now();
    if (event.name === '_zpc_more') {
      const slots = Array.isArray(event.args) ? event.args[0] : undefined;
      if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 0) {
        garbage('malformed_event', '_zpc_more without a slot count');
        return;
      }
      channel.credit += slots;
      channel.wake?.();
    } else if (event.name !== '_zpc_hb') {
      garbage('malformed_event', `unexpected ${event.name} on a call in progress`);
    }
  }

  /** Resolves once the caller has room for one more event (at once: undefined), or is lost. */
  waitForCredit(channel: Channel): Promise<void> | undefined {
    if (channel.credit > 0 || channel.lost) return undefined;
    return new Promise<void>((resolve) => {
      channel.wake = () => {
        if (channel.credit > 0 || channel.lost) {
          channel.wake = undefined;
          resolve();
        }
      };
    });
  }

  /** The call goes on, but nothing more is sent for it (a stream stops at its next item). */
  lose(channel: Channel, reason: 'lost_remote' | 'closed'): void {
    channel.lost = true;
    this.#open.delete(channel.key);
    this.#options.metrics.serverDropped.inc({ reason });
    channel.wake?.();
  }

  loseAll(reason: 'lost_remote' | 'closed'): void {
    for (const channel of this.#open.values()) this.lose(channel, reason);
  }

  /** Stops the heartbeats. */
  close(): void {
    clearInterval(this.#sweep);
  }

  // Heartbeats for running calls, and the end of those whose caller fell silent.
  #check(): void {
    const { heartbeatMs, warnOnce, heartbeat } = this.#options;
    const now = performance.now();
    for (const channel of this.#open.values()) {
      if (now - channel.lastReceived > 2 * heartbeatMs) {
        this.lose(channel, 'lost_remote');
        warnOnce(
          'lost_remote',
          { method: channel.method },
          'rpc caller lost (no heartbeat); its reply is dropped',
        );
      } else if (now - channel.lastHeartbeat >= heartbeatMs) {
        channel.lastHeartbeat = now;
        heartbeat(channel);
      }
    }
  }
}

export function identityKey(identity: Buffer[]): string {
  return identity.length === 1
    ? identity[0]!.toString('latin1')
    : identity.map((frame) => frame.toString('latin1')).join('\u0000');
}

export function channelKey(caller: Caller, id: MessageId): string {
  return `${caller.key}\u0001${messageIdKey(id)}`;
}
