// An OpenFeature provider whose flags live in Redis, so that a flag set from a terminal reaches
// every process of the shop within one refresh, without a restart. The OpenFeature project keeps no
// Redis provider for Node (its providers are for flag services: flagd, GO Feature Flag, …, or read
// environment variables, which a running process cannot see change), and a flag service would be a
// ninth process for the shop to run; this one is small and uses the SDK's Provider interface, so
// swapping it for flagd later changes only this file.
//
// Storage: one Redis hash per flag, `<prefix>flags:<flag key>`, one field per targeting key (the
// service's name) holding the value as JSON. A flag with no field for the context's targeting key
// resolves to the caller's default (reason DEFAULT). The provider reads every flag it was asked
// about each `refreshMs` and emits ConfigurationChanged when a value changed.
import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { createClient } from 'redis';

export interface RedisFlagsOptions {
  url: string;
  /** Put in front of every key (tests give each file its own). */
  keyPrefix?: string;
  /** How often the flags asked about are read again; 500 ms by default. */
  refreshMs?: number;
}

type RedisClient = ReturnType<typeof createClient>;

function connect(url: string): RedisClient {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(retries * 200, 5_000) },
  });
}

/** The Redis key of a flag. */
export function flagKey(prefix: string, flag: string): string {
  return `${prefix}flags:${flag}`;
}

const compareAndSet = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;

/** Writes, reads and removes flag values: for the fault CLI and tests (the provider only reads). */
export function createFlagStore(options: { url: string; keyPrefix?: string }) {
  const client = connect(options.url);
  const prefix = options.keyPrefix ?? '';
  const ready = client.connect();
  return {
    async get(flag: string): Promise<Record<string, JsonValue>> {
      await ready;
      const fields = await client.hGetAll(flagKey(prefix, flag));
      return Object.fromEntries(Object.entries(fields).map(([key, text]) => [key, JSON.parse(text)]));
    },
    async set(flag: string, target: string, value: JsonValue): Promise<void> {
      await ready;
      await client.hSet(flagKey(prefix, flag), target, JSON.stringify(value));
    },
    /**
     * Sets `target`'s value to `next` only if it is still `expected` (one Lua script: atomic); an
     * empty object removes it. True when it was replaced.
     */
    async replace(flag: string, target: string, expected: JsonValue, next: JsonValue): Promise<boolean> {
      await ready;
      const empty = typeof next === 'object' && next !== null && Object.keys(next).length === 0;
      const replaced = await client.eval(compareAndSet, {
        keys: [flagKey(prefix, flag)],
        arguments: [target, JSON.stringify(expected), empty ? '' : JSON.stringify(next)],
      });
      return replaced === 1;
    },
    /** Removes one target's value, or every target's; true when something was there. */
    async remove(flag: string, target?: string): Promise<boolean> {
      await ready;
      const key = flagKey(prefix, flag);
      return (target === undefined ? await client.del(key) : await client.hDel(key, target)) > 0;
    },
    async close(): Promise<void> {
      await ready.catch(() => {});
      if (client.isOpen) client.destroy();
    },
  };
}

export type FlagStore = ReturnType<typeof createFlagStore>;

export class RedisFlagProvider implements Provider {
  readonly metadata = { name: 'trio-redis-flags' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #store: FlagStore;
  readonly #refreshMs: number;
  /** Flag → targeting key → JSON text, as last read. */
  readonly #values = new Map<string, Map<string, string>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RedisFlagsOptions) {
    this.#store = createFlagStore(options);
    this.#refreshMs = options.refreshMs ?? 500;
  }

  /** Reads `flags` now and then every refreshMs; never fails (Redis down: the defaults apply). */
  async initialize(): Promise<void> {
    await this.#refresh();
    this.#timer = setInterval(() => void this.#refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  /** Starts following a flag (read at the next refresh; the provider follows the flags it is asked about). */
  watch(flag: string): void {
    if (!this.#values.has(flag)) this.#values.set(flag, new Map());
  }

  async #refresh(): Promise<void> {
    const changed: string[] = [];
    for (const flag of this.#values.keys()) {
      let fields: Record<string, JsonValue>;
      try {
        fields = await this.#store.get(flag);
      } catch {
        continue; // Redis unreachable: keep the last values
      }
      const next = new Map(Object.entries(fields).map(([target, value]) => [target, JSON.stringify(value)]));
      const last = this.#values.get(flag);
      const same =
        last !== undefined && last.size === next.size && [...next].every(([k, v]) => last.get(k) === v);
      if (!same) {
        this.#values.set(flag, next);
        changed.push(flag);
      }
    }
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
  }

  /** Every targeting key's value of a watched flag, as last read. */
  values(flag: string): Record<string, JsonValue> {
    const values = this.#values.get(flag) ?? new Map<string, string>();
    return Object.fromEntries([...values].map(([target, text]) => [target, JSON.parse(text) as JsonValue]));
  }

  async onClose(): Promise<void> {
    clearInterval(this.#timer);
    await this.#store.close();
  }

  #resolve<T extends JsonValue>(
    flag: string,
    defaultValue: T,
    context: EvaluationContext,
    accepts: (value: JsonValue) => boolean,
  ): Promise<ResolutionDetails<T>> {
    this.watch(flag);
    const target = context.targetingKey;
    const text = target === undefined ? undefined : this.#values.get(flag)?.get(target);
    if (text === undefined) {
      return Promise.resolve({ value: defaultValue, reason: StandardResolutionReasons.DEFAULT });
    }
    const value = JSON.parse(text) as JsonValue;
    if (!accepts(value)) {
      return Promise.resolve({
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `${flag} for ${target} is ${text}`,
      });
    }
    return Promise.resolve({ value: value as T, reason: StandardResolutionReasons.TARGETING_MATCH });
  }

  resolveBooleanEvaluation(flag: string, defaultValue: boolean, context: EvaluationContext) {
    return this.#resolve(flag, defaultValue, context, (value) => typeof value === 'boolean');
  }

  resolveStringEvaluation(flag: string, defaultValue: string, context: EvaluationContext) {
    return this.#resolve(flag, defaultValue, context, (value) => typeof value === 'string');
  }

  resolveNumberEvaluation(flag: string, defaultValue: number, context: EvaluationContext) {
    return this.#resolve(flag, defaultValue, context, (value) => typeof value === 'number');
  }

  resolveObjectEvaluation<T extends JsonValue>(flag: string, defaultValue: T, context: EvaluationContext) {
    return this.#resolve(
      flag,
      defaultValue,
      context,
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    );
  }
}
