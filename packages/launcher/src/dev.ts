#!/usr/bin/env node
// `npm run dev -- <service> [--fake-peers]`: one service from its TypeScript sources, restarted on
// every save of its own src/ and of the shared packages' src/ it imports (node --watch, with
// dev-hooks.ts mapping each `@trio/*` import to the package's source). Its settings are the
// launcher's (serviceEnv: .env.example, then .env, then the environment), so a fresh clone runs
// without writing a .env. Its peers are the real ones at their configured addresses (e.g. the
// rest of the shop from `npm start -- --except <service>`), or, with --fake-peers, fakes generated
// from the contracts (@trio/fakes), started here on free ports, whose scenarios the printed
// control URL switches.
//
// HTTP_PORT, ADMIN_PORT and RPC_PORT from the environment move the service's ports here (not in
// `npm start`), so that a second copy can run beside a shop.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningFakes, startFakes } from '@trio/fakes/start';
import { paint } from './logs.ts';
import { SelectionError, selectServices } from './select.ts';
import { serviceDir, serviceEnv } from './services.ts';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const colours = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const portKeys = ['HTTP_PORT', 'ADMIN_PORT', 'RPC_PORT'] as const;
/** What a child with a filtered environment still needs from ours. */
const passedOn = ['PATH', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_OPTIONS'] as const;

const fail = (text: string): never => {
  process.stderr.write(`${paint('red', 'trio-dev', colours)}: ${text}\n`);
  process.exit(1);
};

interface DevOptions {
  service: string;
  fakePeers: boolean;
}

function parseArgs(argv: readonly string[]): DevOptions {
  const positional = argv.filter((arg) => !arg.startsWith('--'));
  const unknown = argv.filter((arg) => arg.startsWith('--') && arg !== '--fake-peers');
  if (unknown.length > 0) fail(`unknown option ${unknown.join(', ')} (only --fake-peers)`);
  if (positional.length !== 1) {
    fail('name one service: npm run dev -- <service> [--fake-peers]');
  }
  const service = positional[0] ?? '';
  try {
    selectServices(['--only', service]);
  } catch (error) {
    if (error instanceof SelectionError) fail(error.message);
    throw error;
  }
  return { service, fakePeers: argv.includes('--fake-peers') };
}

/** The service's environment for a dev run: the launcher's rule, the developer's ports, and the fakes. */
export function devEnv(service: string, fakes: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of passedOn) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, serviceEnv(root, service, process.env));
  for (const key of portKeys) {
    const value = process.env[key];
    if (value !== undefined && key in env) env[key] = value;
  }
  return { ...env, ...fakes };
}

function watch(service: string, env: Record<string, string>): ChildProcess {
  // Beside this file: dev-hooks.ts when it runs from source (tests), dev-hooks.js once built.
  const hooks = fileURLToPath(
    new URL(`./dev-hooks.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
  );
  return spawn(process.execPath, ['--watch', '--import', hooks, join('src', 'main.ts')], {
    cwd: serviceDir(root, service),
    env,
    stdio: 'inherit',
  });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  let fakes: RunningFakes | undefined;
  if (options.fakePeers) {
    fakes = await startFakes({
      consumer: options.service,
      envOf: (name) => serviceEnv(root, name, process.env),
      production: process.env.NODE_ENV === 'production',
    });
    for (const line of fakes.describe())
      process.stdout.write(`${paint('cyan', 'fakes', colours)} │ ${line}\n`);
  }
  const child = watch(options.service, devEnv(options.service, fakes?.env));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  await fakes?.close();
  process.exit(code ?? 0);
}

await main();
