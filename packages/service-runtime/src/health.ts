// Readiness: may this instance take traffic now? Each dependency registers a check; /readyz runs
// them all in parallel, each bounded by a timeout so one hung dependency cannot hang the probe.
// Liveness (/healthz) deliberately uses none of this: restarting a process because a dependency is
// down only adds a crash loop to the outage.

/** Resolves when the dependency is usable; rejects (or hangs past the timeout) when it is not. */
export type ReadinessCheck = () => Promise<unknown>;

export type CheckResult = { ok: true; durationMs: number } | { ok: false; durationMs: number; error: string };

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

export interface Health {
  addCheck(name: string, check: ReadinessCheck): void;
  check(): Promise<ReadinessReport>;
}

export function createHealth(options: { timeoutMs?: number } = {}): Health {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const checks = new Map<string, ReadinessCheck>();

  async function run(check: ReadinessCheck): Promise<CheckResult> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([check(), timeout]);
      return { ok: true, durationMs: durationMs() };
    } catch (error) {
      return { ok: false, durationMs: durationMs(), error: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    addCheck(name, check) {
      if (checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
      checks.set(name, check);
    },
    async check() {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => [name, await run(check)] as const),
      );
      return {
        status: entries.every(([, result]) => result.ok) ? 'ok' : 'unavailable',
        checks: Object.fromEntries(entries),
      };
    },
  };
}

function describe(error: unknown): string {
  // Connecting to a name with several addresses fails with an AggregateError whose own message is
  // empty: the reasons are in its parts.
  if (error instanceof AggregateError && error.message === '') return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
