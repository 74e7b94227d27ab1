// The generator's settings from the command line: a target, open-loop (`--rate 30/s --ramp 30s`)
// or closed-loop (`--users N`), bounds in time and count, the scenario and card mixes. Targets are
// loopback unless `--allow-non-loopback` says otherwise: a load run is aimed at a shop on this
// machine.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '@trio/service-runtime/config';

export const scenarioNames = ['browse', 'buy', 'history', 'checkout'] as const;
export type ScenarioName = (typeof scenarioNames)[number];
export const cardKinds = ['success', 'decline', 'slow'] as const;
export type CardKind = (typeof cardKinds)[number];

export interface LoadOptions {
  target: string;
  /** Open loop: new shoppers per second once ramped up; closed loop when undefined. */
  rate?: number;
  /** Closed loop: shoppers each running scenarios back to back. */
  users?: number;
  rampMs: number;
  durationMs: number;
  /** Stops starting shoppers after this many (open and closed loop). */
  maxShoppers?: number;
  /** Mean pause between a shopper's steps (each pause is 0.5–1.5× this). */
  thinkMs: number;
  timeoutMs: number;
  /** How long shoppers still running at the end may take to finish. */
  drainMs: number;
  /** Open loop: shoppers at once past which an arrival is counted as skipped, not sent. */
  maxInFlight: number;
  mix: Record<ScenarioName, number>;
  cards: Record<CardKind, number>;
  /** Logged-in shoppers made before the run for the `checkout` scenario. */
  accounts: number;
  /** Where summary.json and report.html go. */
  outDir: string;
  databaseUrl: string;
  invariants: boolean;
  /** How long the invariants check waits for orders to reach a final state. */
  settleMs: number;
  allowNonLoopback: boolean;
  /** Local source addresses per shopper (127.x.y.z); off for an IPv6 target. */
  distinctAddresses: boolean;
  progress: 'auto' | 'tty' | 'lines' | 'off';
}

export const usage = `npm run load -- [options]
  --target URL          the storefront (default http://127.0.0.1:8080)
  --rate N/s            open loop: shoppers arriving per second (or N/m), measured from the intended send time
  --users N             closed loop: N shoppers, each starting a new visit when the last one ends
  --ramp 30s            linear ramp from 0 to the rate (or to N users)
  --duration 2m         how long shoppers keep arriving (default 30s)
  --max-shoppers N      stop after starting N shoppers
  --think 1s            mean pause between a shopper's steps (0 for none)
  --mix browse=6,buy=3,history=1    scenario weights; checkout=N adds shoppers already logged in who
                        put one product in the cart and check out (the issue's checkout benchmark)
  --accounts N          logged-in shoppers made before the run for the checkout scenario (default 50)
  --cards success=90,decline=8,slow=2  card mix at checkout
  --timeout 10s         per request
  --drain 15s           time for shoppers still running at the end
  --max-in-flight 2000  open loop: arrivals beyond this many running shoppers are skipped (and counted)
  --out DIR             where summary.json and report.html go (default load-reports/<time>)
  --database-url URL    the shop's PostgreSQL, for the invariants check (default $DATABASE_URL or local)
  --no-invariants       skip the check of orders, reservations and payments after the run
  --settle 30s          how long the check waits for orders to finish
  --progress auto|tty|lines|off
  --allow-non-loopback  allow a target that is not on this machine`;

/** `500ms`, `30s`, `2m`, `1h` or plain seconds, in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) throw new Error(`not a duration: ${value} (e.g. 30s, 2m, 500ms)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Math.round(Number(match[1]) * unit);
}

/** `30/s`, `120/m` or a plain number per second. */
export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(value.trim());
  if (match === null) throw new Error(`not a rate: ${value} (e.g. 30/s, 120/m)`);
  const rate = Number(match[1]) / (match[2] === 'm' ? 60 : 1);
  if (!(rate > 0)) throw new Error('the rate must be above 0');
  return rate;
}

/** `a=6,b=3` into weights over the known names (those not named weigh 0). */
export function parseWeights<N extends string>(value: string, names: readonly N[]): Record<N, number> {
  const weights = Object.fromEntries(names.map((name) => [name, 0])) as Record<N, number>;
  for (const part of value.split(',')) {
    const [name, weight] = part.split('=');
    if (!names.includes(name as N) || weight === undefined || !(Number(weight) >= 0)) {
      throw new Error(`bad weight "${part}": use ${names.map((n) => `${n}=N`).join(',')}`);
    }
    weights[name as N] = Number(weight);
  }
  if (Object.values<number>(weights).every((weight) => weight === 0)) throw new Error('every weight is 0');
  return weights;
}

const positive = (value: string, name: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`--${name} must be a whole number above 0`);
  return number;
};

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      rate: { type: 'string' },
      users: { type: 'string' },
      ramp: { type: 'string', default: '0s' },
      duration: { type: 'string', default: '30s' },
      'max-shoppers': { type: 'string' },
      think: { type: 'string', default: '1s' },
      mix: { type: 'string', default: 'browse=6,buy=3,history=1' },
      cards: { type: 'string', default: 'success=90,decline=8,slow=2' },
      accounts: { type: 'string', default: '50' },
      timeout: { type: 'string', default: '10s' },
      drain: { type: 'string', default: '15s' },
      'max-in-flight': { type: 'string', default: '2000' },
      out: { type: 'string' },
      'database-url': { type: 'string' },
      'no-invariants': { type: 'boolean', default: false },
      settle: { type: 'string', default: '30s' },
      progress: { type: 'string', default: 'auto' },
      'allow-non-loopback': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.rate !== undefined && values.users !== undefined)
    throw new Error('give --rate or --users, not both');
  const progress = values.progress;
  if (!['auto', 'tty', 'lines', 'off'].includes(progress))
    throw new Error('--progress: auto, tty, lines or off');
  const target = new URL(values.target);
  if (target.protocol !== 'http:') throw new Error('the target must be an http:// URL');
  return {
    target: target.origin,
    ...(values.users === undefined
      ? { rate: parseRate(values.rate ?? '5/s') }
      : { users: positive(values.users, 'users') }),
    rampMs: parseDuration(values.ramp),
    durationMs: parseDuration(values.duration),
    ...(values['max-shoppers'] === undefined
      ? {}
      : { maxShoppers: positive(values['max-shoppers'], 'max-shoppers') }),
    thinkMs: parseDuration(values.think),
    timeoutMs: parseDuration(values.timeout),
    drainMs: parseDuration(values.drain),
    maxInFlight: positive(values['max-in-flight'], 'max-in-flight'),
    mix: parseWeights(values.mix, scenarioNames),
    cards: parseWeights(values.cards, cardKinds),
    accounts: positive(values.accounts, 'accounts'),
    outDir: values.out ?? `load-reports/${new Date().toISOString().replace(/[:.]/g, '-')}`,
    databaseUrl: values['database-url'] ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    invariants: !values['no-invariants'],
    settleMs: parseDuration(values.settle),
    allowNonLoopback: values['allow-non-loopback'],
    distinctAddresses: true,
    progress: progress as LoadOptions['progress'],
  };
}

/**
 * Resolves the target's host and refuses any address off this machine unless allowed. Answers the
 * target with a literal IPv4 address (so that shoppers can bind 127.x source addresses) and whether
 * they can: an IPv6 or remote target is loaded from the default source address.
 */
export async function resolveTarget(
  options: LoadOptions,
): Promise<{ target: string; distinctAddresses: boolean }> {
  const url = new URL(options.target);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  const remote = addresses.filter((address) => !isLoopbackHost(address));
  if (remote.length > 0 && !options.allowNonLoopback) {
    throw new Error(
      `${options.target} resolves to ${remote.join(', ')}, not this machine: a load run is aimed at loopback ` +
        'unless --allow-non-loopback says otherwise',
    );
  }
  const ipv4 = addresses.find((address) => isIP(address) === 4 && isLoopbackHost(address));
  if (ipv4 === undefined) return { target: options.target, distinctAddresses: false };
  url.hostname = ipv4;
  return { target: url.origin, distinctAddresses: options.distinctAddresses };
}
