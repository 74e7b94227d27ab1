#!/usr/bin/env node
// `npm start`: the whole shop on localhost. Checks PostgreSQL, Redis and RabbitMQ (starting a
// missing one with Docker where an engine runs), starts the eight services (each runs its own
// migrations; catalog and inventory load the demo data, idempotently), merges their logs into one
// stream, shows a readiness table until every /readyz answers, then prints the storefront's URL.
// Ctrl-C or SIGTERM stops them gracefully, callers first. Data stays in PostgreSQL between runs.
//
//   node packages/launcher/dist/start.js [--only <svc>,… | --except <svc>,…] [--replicas inventory=3]
//                                        [--observe] [--report file.json]
//   node packages/launcher/dist/start.js --monolith [--split <svc>,…]   (one process: monolith.ts)
//
// The root package's `npm start` builds what is stale first (turbo), then runs this.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startControlServer } from './control.ts';
import { dependencies, dockerEngine, howToProvide, reachable, startWithCompose } from './infra.ts';
import { createFormatter, paint } from './logs.ts';
import {
  eventsInProcess,
  isMonolith,
  monolithCommand,
  monolithName,
  monolithRequested,
  planMonolith,
  shopProcesses,
} from './monolith.ts';
import { type Observing, startObserving } from './observe.ts';
import { createReplicaFleet, type FleetProcess } from './replica-fleet.ts';
import { callerEnv, expandReplicas, parseReplicas, processLabel, replicaEnv } from './replicas.ts';
import { elsewhereLines, type Selection, SelectionError, selectServices } from './select.ts';
import {
  faultEnv,
  readinessPort,
  type ServiceSpec,
  serviceDir,
  serviceEnv,
  serviceNodeOptions,
  services,
  stopOrder,
  telemetryEnv,
} from './services.ts';
import {
  type ProcessExit,
  removeShopState,
  type ShopState,
  writeJsonAtomically,
  writeShopState,
} from './state.ts';
import { supervise } from './supervise.ts';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const tty = process.stdout.isTTY === true;
const colours = tty && process.env.NO_COLOR === undefined;
const reportPath = (() => {
  const index = process.argv.indexOf('--report');
  return index === -1 ? undefined : process.argv[index + 1];
})();
const stopTimeoutMs = 15_000;
const monolith = monolithRequested(process.argv.slice(2));
/** `--observe`: the span receiver and Prometheus (observe.ts). */
let observing: Observing | undefined;
/** The services run as replicas (`--replicas`), whose callers find them by name in .trio/hosts. */
let replicated: ServiceSpec[] = [];
/** The running shop as .trio/shop.json describes it, once it is ready. */
let shopState: (() => ShopState) | undefined;
/** The processes that exited unexpectedly (the supervisor restarts them), oldest first. */
const exits: ProcessExit[] = [];

interface Running extends FleetProcess {
  /** `inventory`, or `inventory.3` for the replica on 127.0.0.3. */
  readonly label: string;
  httpPort: number;
  adminPort: number | undefined;
  /** Where /readyz answers. */
  readinessPort: number;
  rpcPort: number | undefined;
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const fail = (text: string): never => {
  process.stderr.write(`${paint('red', 'trio-shop', colours)}: ${text}\n`);
  process.exit(1);
};

// ---- the readiness table, kept at the bottom of a terminal while logs scroll above it
let tableLines = 0;
let tableLive = false;
function tableText(running: Running[], startedAt: number): string[] {
  const rows = running.map((service) => {
    const state =
      service.state === 'ready'
        ? paint('green', `ready in ${((service.readyAfterMs ?? 0) / 1000).toFixed(1)} s`, colours)
        : service.state === 'exited' || service.state === 'restarting'
          ? paint('red', service.state, colours)
          : paint('yellow', `starting… ${((Date.now() - startedAt) / 1000).toFixed(0)} s`, colours);
    const host = service.address === '127.0.0.1' ? 'localhost' : service.address;
    const ports = `http://${host}:${service.httpPort}${service.rpcPort === undefined ? '' : `  tcp://${host}:${service.rpcPort}`}`;
    return `  ${service.label.padEnd(16)} ${ports.padEnd(48)} ${String(service.restarts).padStart(8)}  ${state}`;
  });
  return [
    paint(
      'bold',
      '  service          address                                          restarts  state',
      colours,
    ),
    ...rows,
  ];
}
function eraseTable(): void {
  if (tableLive && tableLines > 0) process.stdout.write(`\x1b[${tableLines}F\x1b[J`);
  tableLines = 0;
}
function drawTable(running: Running[], startedAt: number): void {
  if (!tableLive) return;
  const lines = tableText(running, startedAt);
  process.stdout.write(`${lines.join('\n')}\n`);
  tableLines = lines.length;
}

async function checkInfrastructure(brokerNeeded: boolean): Promise<void> {
  // The monolith with every service inside has its events in-process: no broker to wait for.
  const needed = dependencies(process.env).filter((dep) => brokerNeeded || dep.variable !== 'AMQP_URL');
  const down = (
    await Promise.all(needed.map(async (dep) => ((await reachable(dep.url)) ? undefined : dep)))
  ).filter((dep) => dep !== undefined);
  if (down.length === 0) return;
  if (!existsSync(join(root, 'docker-compose.yml')) || !(await dockerEngine())) {
    fail(
      `${down.map(howToProvide).join('\n  ')}\n` +
        'No Docker engine answers here to start it from docker-compose.yml, so the shop cannot start.',
    );
  }
  for (const dep of down) {
    say(`${dep.name} is not running at ${dep.url}: starting it from docker-compose.yml…`);
    if (!(await startWithCompose(root, dep)))
      fail(`${howToProvide(dep)}\nStarting it with Docker did not work either.`);
  }
}

async function isReady(address: string, port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function spawnService(
  spec: ServiceSpec,
  onLine: (line: string) => void,
  extraEnv: Record<string, string> = {},
): Pick<Running, 'child' | 'exited'> {
  const { name } = spec;
  const dir = isMonolith(spec) ? root : serviceDir(root, name);
  // The monolith reads its members' settings itself; it needs the launcher's environment for them.
  const own = isMonolith(spec) ? {} : serviceEnv(root, name, process.env);
  const { main, env } = isMonolith(spec)
    ? { main: monolithCommand(spec).main, env: { ...process.env, ...monolithCommand(spec).env } }
    : {
        main: join(dir, 'dist', 'main.js'),
        env: { ...own, ...replicaEnv(spec), ...callerEnv(root, own, replicated) },
      };
  if (!existsSync(main)) fail(`${name} is not built (${main} is missing): run \`npm run build\` first.`);
  const child = spawn(process.execPath, [...serviceNodeOptions, main], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      ...telemetryEnv(process.env),
      ...observing?.env,
      ...env,
      ...faultEnv(process.env),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, exited };
}

function startService(spec: ServiceSpec, onLine: (line: string) => void, extraEnv = {}): Running {
  const { name, httpPort, rpcPort } = spec;
  const started = spawnService(spec, onLine, extraEnv);
  const port = readinessPort(spec);
  return {
    name,
    spec,
    label: processLabel(spec),
    address: spec.address ?? '127.0.0.1',
    httpPort,
    adminPort: spec.adminPort,
    readinessPort: port,
    rpcPort,
    ...started,
    state: 'starting',
    restarts: 0,
    failuresInARow: 0,
  };
}

let stopGroups: readonly (readonly string[])[] = stopOrder;
async function stopAll(running: Running[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const group of stopGroups) {
    const members = running.filter((service) => group.includes(service.name) && service.state !== 'exited');
    for (const service of members) service.child.kill(signal);
    await Promise.all(
      members.map(async (service) => {
        const timer = setTimeout(() => service.child.kill('SIGKILL'), stopTimeoutMs);
        await service.exited;
        clearTimeout(timer);
        service.state = 'exited';
      }),
    );
  }
  await observing?.stop();
}

function selection(): Selection & { counts: Map<string, number>; brokerNeeded: boolean } {
  try {
    const argv = process.argv.slice(2);
    if (!monolith)
      return { ...selectServices(argv), counts: parseReplicas(argv, services), brokerNeeded: true };
    if (argv.some((arg) => arg.startsWith('--replicas')))
      fail('--replicas runs a service as several processes of its own; it does not combine with --monolith.');
    const plan = planMonolith(argv);
    stopGroups = plan.stopOrder;
    const members = plan.started.flatMap((spec) => (isMonolith(spec) ? spec.members : []));
    const brokerNeeded = !eventsInProcess(
      members.map((spec) => spec.name),
      process.env,
    );
    return { started: plan.started, elsewhere: [], counts: new Map(), brokerNeeded };
  } catch (error) {
    if (error instanceof SelectionError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  const { started, elsewhere, counts, brokerNeeded } = selection();
  replicated = started.filter((spec) => counts.has(spec.name));
  const processes = expandReplicas(started, counts);
  await checkInfrastructure(brokerNeeded);
  if (process.argv.includes('--observe'))
    observing = await startObserving(
      root,
      processes.flatMap((spec) => (isMonolith(spec) ? spec.members : [spec])),
      say,
    );
  const formatter = createFormatter(
    [
      ...new Set([
        ...services.map((service) => service.name),
        ...processes.map(processLabel),
        ...(monolith ? [monolithName] : []),
      ]),
    ],
    colours,
  );
  const startedAt = Date.now();
  const running: Running[] = [];
  let stopping = false;
  tableLive = tty;

  const onLineOf = (spec: ServiceSpec) => (line: string) => {
    eraseTable();
    say(formatter.format(processLabel(spec), line));
    drawTable(running, startedAt);
  };
  const launch = (spec: ServiceSpec, extraEnv: Record<string, string> = {}) => {
    const service = startService(spec, onLineOf(spec), extraEnv);
    running.push(service);
    return service;
  };
  const watch = (service: Running) =>
    supervise(
      service,
      {
        spawn: () => spawnService(service.spec, onLineOf(service.spec)),
        stopping: () => stopping || service.retiring === true,
        isReady: () => isReady(service.address, service.readinessPort),
        exited: (reason, pid) => {
          const at = new Date().toISOString();
          exits.push({ name: service.name, address: service.address, pid, reason, at });
          exits.splice(0, exits.length - 100);
          if (shopState !== undefined) writeShopState(root, shopState());
        },
        say: (text, colour) => {
          eraseTable();
          say(paint(colour, text, colours));
          drawTable(running, startedAt);
          // Once the shop is up the table is no longer live: a recovery prints it again.
          if (colour === 'green' && !tableLive) for (const row of tableText(running, startedAt)) say(row);
          // A restarted process has a new pid: .trio/shop.json says so.
          if (colour === 'green' && shopState !== undefined) writeShopState(root, shopState());
        },
        giveUp: (reason) => {
          eraseTable();
          say(paint('red', reason, colours));
          stopping = true;
          void stopAll(running).then(() => {
            removeShopState(root);
            process.exit(1);
          });
        },
      },
      startedAt,
    );
  for (const spec of processes) watch(launch(spec));
  // The replicas' names in .trio/hosts (before any caller looks them up), and the control channel
  // through which `npm run deploy` changes them.
  const fleet = createReplicaFleet(root, replicated, {
    running,
    launch,
    supervise: watch,
    stopTimeoutMs,
    changed: () => {
      if (shopState !== undefined) writeShopState(root, shopState());
    },
    say: (text) => {
      eraseTable();
      say(paint('cyan', text, colours));
      drawTable(running, startedAt);
    },
  });
  await startControlServer(root, fleet);

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      for (const service of running) service.child.kill('SIGKILL');
      process.exit(130);
    }
    stopping = true;
    eraseTable();
    tableLive = false;
    say(`${signal}: stopping the shop (front-end, then billing, then the rest)…`);
    void stopAll(running).then(() => {
      removeShopState(root);
      say('Stopped. The data stays in PostgreSQL for the next start.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  drawTable(running, startedAt);
  const ticker = setInterval(() => {
    eraseTable();
    drawTable(running, startedAt);
  }, 1_000);
  // Until every service is ready; one that exited meanwhile is the supervisor's to restart and poll.
  while (!stopping && running.some((service) => service.state !== 'ready')) {
    await Promise.all(
      running
        .filter((service) => service.state === 'starting' && service.restarts === 0)
        .map(async (service) => {
          if (await isReady(service.address, service.readinessPort)) {
            service.state = 'ready';
            service.readyAfterMs = Date.now() - startedAt;
            if (!tty) say(`${service.name} ready in ${(service.readyAfterMs / 1000).toFixed(1)} s`);
          }
        }),
    );
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  clearInterval(ticker);
  if (stopping) return;
  eraseTable();
  tableLive = false;
  const readyMs = Date.now() - startedAt;
  for (const line of tableText(running, startedAt)) say(line);
  for (const line of elsewhereLines(root, elsewhere, started)) say(line);
  say(
    `\n${paint('bold', `Trio Shop is ready in ${(readyMs / 1000).toFixed(1)} s:`, colours)} ` +
      `${paint(['bold', 'cyan'], 'http://localhost:8080/', colours)}  (Ctrl-C stops it)\n`,
  );
  shopState = (): ShopState => ({
    mode: monolith ? 'monolith' : 'processes',
    launcherPid: process.pid,
    readyMs,
    services: running.flatMap((service) =>
      isMonolith(service.spec)
        ? shopProcesses(service.spec, service.child.pid)
        : [
            {
              name: service.name,
              pid: service.child.pid,
              address: service.address,
              httpPort: service.httpPort,
              ...(service.adminPort === undefined ? {} : { adminPort: service.adminPort }),
              ...(service.rpcPort === undefined ? {} : { rpcPort: service.rpcPort }),
              restarts: service.restarts,
            },
          ],
    ),
    ...(observing === undefined ? {} : { observe: observing.state }),
    ...(exits.length === 0 ? {} : { exits: [...exits] }),
  });
  const state = shopState();
  writeShopState(root, state);
  if (reportPath !== undefined) writeJsonAtomically(reportPath, state);
}

await main();
