// What main.ts holds on to: the shutdown registry, readiness checks and metrics registry of one
// service process, and the HTTP listener(s). An HTTP service listens with its routes; a ZeroRPC or
// AMQP service listens without routes, which gives it an admin port for probes and metrics, and
// registers its own server or consumer closers and checks the same way.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { LevelWithSilent, Logger } from 'pino';
import { createFaults, type Faults } from './faults/faults.ts';
import { createHealth, type Health } from './health.ts';
import { createHttpApp, type HttpAppOptions } from './http/app.ts';
import { serveInProcess } from './http/in-process.ts';
import { createLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createShutdown, type Shutdown, type SignalSource } from './shutdown.ts';
import { startTelemetry } from './telemetry.ts';

export interface ServiceHostOptions {
  /** Labels every metric series. */
  service: string;
  log: Logger;
  shutdownTimeoutMs?: number;
  readinessTimeoutMs?: number;
  /** Interface every listener binds unless its listen() says otherwise: 127.0.0.1 by default. */
  host?: string;
  /** Where SIGTERM/SIGINT and uncaught errors arrive: `process` by default; `false` listens to none (tests). */
  signals?: SignalSource | false;
  exit?: (code: number) => void;
  /** Faults on demand: where their flags are read (FAULTS_ENABLED); none when omitted. */
  faults?: { redisUrl: string; keyPrefix?: string; refreshMs?: number };
  /**
   * Also serve the routes (and a ZeroRPC server, see @trio/rpc's serveRpc) to callers in this
   * process, as `inproc://<service>` (SERVE_IN_PROCESS, the monolith): off by default.
   */
  serveInProcess?: boolean;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  port: number;
  /** Interface to bind; the host's (HTTP_HOST, loopback by default) when omitted. */
  host?: string;
  /** The service's routes; omit for an admin port serving only /healthz, /readyz and /metrics. */
  routes?: (app: Express) => void;
  /** Who may call which route (see HttpAppOptions.callers). */
  callers?: HttpAppOptions['callers'];
  /**
   * Serves /healthz, /readyz and /metrics on a second listener at this port (0 picks a free one),
   * on the same interface, and not beside the routes: for a service whose port is public, so that
   * its metrics and readiness report stay with the platform. Omitted: the probes are beside the routes.
   */
  adminPort?: number;
  bodyLimit?: string | number;
  /** helmet's options (see HttpAppOptions.security). */
  security?: HttpAppOptions['security'];
}

export interface Listening {
  app: Express;
  server: Server;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  /** The admin listener's bound port, when adminPort was asked for. */
  adminPort?: number;
}

export interface ServiceHost {
  log: Logger;
  metrics: Metrics;
  health: Health;
  shutdown: Shutdown;
  /** Faults on demand, when enabled: the transports' hooks apply them. */
  faults?: Faults;
  /** Its service name when it also serves callers in this process (`inproc://<name>`), else undefined. */
  inProcessName?: string;
  /** Starts an HTTP server and registers its closer, so it stops taking requests before anything else closes. */
  listen(options: ListenOptions): Promise<Listening>;
}

export function createServiceHost(options: ServiceHostOptions): ServiceHost {
  const { log } = options;
  const shutdown = createShutdown({ log, timeoutMs: options.shutdownTimeoutMs, exit: options.exit });
  if (options.signals !== false) shutdown.install(options.signals);
  const metrics = createMetrics({ service: options.service });
  const health = createHealth({ timeoutMs: options.readinessTimeoutMs });
  const faults =
    options.faults === undefined
      ? undefined
      : createFaults({
          ...options.faults,
          service: options.service,
          log,
          registry: metrics.registry,
          exit: options.exit,
        });
  if (faults !== undefined) shutdown.register('faults', () => faults.close());

  async function listen(listenOptions: ListenOptions): Promise<Listening> {
    const host = listenOptions.host ?? options.host ?? '127.0.0.1';
    const { adminPort, routes } = listenOptions;
    // Opened first, so that it closes last: probes answer while the routes' requests drain.
    const admin =
      adminPort !== undefined && routes !== undefined ? await listen({ port: adminPort, host }) : undefined;
    const app = createHttpApp({
      log,
      metrics,
      health,
      probes: admin === undefined,
      routes,
      callers: listenOptions.callers,
      bodyLimit: listenOptions.bodyLimit,
      security: listenOptions.security,
      faults: routes === undefined ? undefined : faults,
      faultsPage: faults,
      onCatastrophicError: () => void shutdown.shutdown('catastrophic error', 1),
    });
    const server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenOptions.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    shutdown.register(`http server :${port}`, () => closeServer(server));
    log.info({ host, port, admin: routes === undefined }, 'http server listening');
    if (routes !== undefined && options.serveInProcess === true) {
      // Withdrawn before the server closes: in-process callers then get no answer, as at a closed port.
      shutdown.register('in-process routes', serveInProcess(options.service, app));
      log.info({ address: `inproc://${options.service}` }, 'routes served in-process too');
    }
    return { app, server, port, adminPort: admin?.port };
  }

  const inProcessName = options.serveInProcess === true ? options.service : undefined;
  return { log, metrics, health, shutdown, faults, inProcessName, listen };
}

/** Stops accepting connections, lets requests in flight finish, and resolves when all are gone. */
function closeServer(server: Server): Promise<void> {
  // close() drops only the connections idle at that moment; one still busy with a response would
  // then stay open for its whole keep-alive timeout. Drop each as soon as it falls idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  return new Promise<void>((resolve, reject) => {
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** How a service's main.ts is started: on its own (the defaults), or by a test. */
export interface StartOptions {
  /** Defaults to a logger at the configured level. */
  log?: Logger;
  /** `false` leaves SIGTERM/SIGINT alone (tests stop the service with `host.shutdown.close()`). */
  signals?: false;
  /** How the process exits (a catastrophic error, the `crash` fault); process.exit by default. */
  exit?: (code: number) => void;
}

/** The runtime's part of every service's config (see serviceSettings). */
export interface HostSettings {
  SERVICE_NAME: string;
  LOG_LEVEL: LevelWithSilent;
  HTTP_HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
  FAULTS_ENABLED?: boolean;
  FAULTS_REDIS_URL?: string;
  FAULTS_KEY_PREFIX?: string;
  SERVE_IN_PROCESS?: boolean;
}

/** The first step of every main.ts: the service's host, from its config. */
export function hostFromConfig(config: HostSettings, options: StartOptions = {}): ServiceHost {
  // Already started by the instrument preload, or by the first service of a test process: then kept.
  const telemetry = startTelemetry({ service: config.SERVICE_NAME });
  const host = createServiceHost({
    service: config.SERVICE_NAME,
    log: options.log ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    host: config.HTTP_HOST,
    signals: options.signals,
    exit: options.exit,
    faults:
      config.FAULTS_ENABLED === true && config.FAULTS_REDIS_URL !== undefined
        ? { redisUrl: config.FAULTS_REDIS_URL, keyPrefix: config.FAULTS_KEY_PREFIX }
        : undefined,
    serveInProcess: config.SERVE_IN_PROCESS === true,
  });
  // Registered first, so run last: the spans of the work that drained during shutdown go out too.
  host.shutdown.register('telemetry', () => telemetry.flush());
  return host;
}
