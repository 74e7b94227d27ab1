#!/usr/bin/env node
// `npm run fault -- set|clear|list`: faults on demand in a running shop (docs/faults.md). Writes
// the OpenFeature flag `faults` in Redis; every service started with FAULTS_ENABLED=true (as
// `npm start` starts them) follows it within half a second, without a restart.
import { ServiceName } from '@trio/contracts/common';
import { describeFaults, listFaults, parseFaultWords } from './faults/cli-args.ts';
import { FaultSet, faultsFlag } from './faults/faults.ts';
import { createFlagStore } from './faults/redis-flags.ts';

const usage = `usage:
  npm run fault -- set <service> <fault>…   add faults, e.g. latency=2s rate=0.3 | http-error=0.5 |
                                            rpc-error=0.2 | hang | crash | consumer-slow=500ms |
                                            reject=0.1 | drop-heartbeats
  npm run fault -- clear [service]          remove a service's faults (every service's without one)
  npm run fault -- list [--json]            the faults set now
environment: FAULTS_REDIS_URL or REDIS_URL (default redis://127.0.0.1:6379), FAULTS_KEY_PREFIX`;

function service(name: string | undefined): ServiceName {
  const parsed = ServiceName.safeParse(name);
  if (!parsed.success)
    throw new Error(`${name ?? '(none)'} is not a service: ${ServiceName.options.join(', ')}`);
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  const store = createFlagStore({
    url: process.env.FAULTS_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    keyPrefix: process.env.FAULTS_KEY_PREFIX ?? '',
  });
  try {
    const all = await store.get(faultsFlag);
    if (command === 'set') {
      const name = service(rest[0]);
      if (rest.length < 2) throw new Error('set needs at least one fault');
      const before = FaultSet.safeParse(all[name] ?? {});
      const next = { ...(before.success ? before.data : {}), ...parseFaultWords(rest.slice(1)) };
      await store.set(faultsFlag, name, next);
      console.log(`${name}: ${describeFaults(next)}`);
    } else if (command === 'clear') {
      const name = rest[0] === undefined ? undefined : service(rest[0]);
      await store.remove(faultsFlag, name);
      console.log(name === undefined ? 'every service: no faults' : `${name}: no faults`);
    } else if (command === 'list') {
      if (rest.includes('--json')) console.log(JSON.stringify(all));
      else console.log(listFaults(all as Record<string, FaultSet>));
    } else {
      throw new Error(`unknown command ${command}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`fault: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exitCode = 2;
}
