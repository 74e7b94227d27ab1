// The words after `npm run fault -- set <service>`, as a fault set: `latency=2s rate=0.3`,
// `rpc-error=0.2`, `consumer-slow=500ms`, `crash`, `hang`, `drop-heartbeats`, `reject=0.1`.
import { FaultSet } from './faults.ts';

const durations = ['latency', 'consumer-slow'];
const switches = ['crash', 'drop-heartbeats'];

/** `2s`, `500ms`, `1.5s`, `1m` or a bare number of milliseconds → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) throw new Error(`${text} is not a duration (e.g. 500ms, 2s)`);
  const unit = match[2] ?? 'ms';
  return Math.round(Number(match[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1));
}

/** Throws an Error saying which word is wrong. */
export function parseFaultWords(words: readonly string[]): FaultSet {
  const set: Record<string, unknown> = {};
  for (const word of words) {
    const [name = '', value] = word.split('=', 2);
    if (value === undefined) {
      // A bare switch; `hang` alone holds every request.
      set[name] = switches.includes(name) ? true : name === 'hang' ? 1 : word;
      continue;
    }
    set[name] = durations.includes(name) ? parseDuration(value) : Number(value);
  }
  const parsed = FaultSet.safeParse(set);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map(
          (issue) =>
            `${issue.path.join('.') || String((issue as { keys?: string[] }).keys ?? '')} ${issue.message}`,
        )
        .join('; '),
    );
  }
  return parsed.data;
}

/** `latency=2000ms rate=0.3`: a fault set as one line of the list. */
export function describeFaults(set: FaultSet): string {
  return Object.entries(set)
    .map(([name, value]) =>
      value === true ? name : durations.includes(name) ? `${name}=${value}ms` : `${name}=${value}`,
    )
    .join(' ');
}

/** Every service's faults, one line each as `npm run fault -- list` prints them. */
export function listFaults(all: Readonly<Record<string, FaultSet>>): string {
  const names = Object.keys(all).sort();
  if (names.length === 0) return 'no faults set';
  return names.map((name) => `${name.padEnd(16)} ${describeFaults(all[name]!)}`).join('\n');
}
