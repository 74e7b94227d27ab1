// Starts one service in-process for its own tests, exactly as its main.ts `start` does: on free
// ports (HTTP, admin, and ZeroRPC on 127.0.0.1), against the test file's own database, Redis prefix
// and broker names, with every log line kept. The service's tests give their `Config` parser,
// their `start` and their logger factory; this file owns the wiring they all share.

import type { TestInfra } from './infra.ts';
import { createLogCapture } from './logs.ts';

/** What a service's `start` returns, as far as the tests need it. */
export interface StartedHost {
  host: { shutdown: { close(): Promise<unknown> } };
  /** The admin port (ZeroRPC and AMQP services) or the HTTP port. */
  adminPort?: number;
  port?: number;
}

export interface InProcessOptions<C, R extends StartedHost, L> {
  service: string;
  /** Broker queues the service declares, registered so that the file's drop() deletes them. */
  queues: readonly string[];
  parseConfig(env: Record<string, string>): C;
  start(config: C, options: { log: NoInfer<L>; signals: false }): Promise<R>;
  /** The service's logger, writing JSON lines to `destination`. */
  createLogger(options: { service: string; level: 'debug'; destination: { write(line: string): void } }): L;
  /** Overrides the variables derived from `infra`. */
  env?: Record<string, string>;
}

export interface InProcessService<R> {
  running: R;
  /** GET on the admin (or HTTP) port: status and text. */
  admin(path: string): Promise<{ status: number; body: string }>;
  /** Every JSON log line the service wrote. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startInProcess<C, R extends StartedHost, L>(
  infra: TestInfra,
  options: InProcessOptions<C, R, L>,
): Promise<InProcessService<R>> {
  // Off the shop's exchange every queue name is prefixed with `<exchange>.`.
  for (const queue of options.queues) infra.broker.queue(`events.${queue}`);
  const config = options.parseConfig({
    DATABASE_URL: infra.db.url,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    HTTP_PORT: '0',
    RPC_PORT: '0',
    RPC_HOST: '127.0.0.1',
    ...options.env,
  });
  const capture = createLogCapture();
  const log = options.createLogger({
    service: options.service,
    level: 'debug',
    destination: capture.destination,
  });
  const running = await options.start(config, { log, signals: false });
  const port = running.adminPort ?? running.port;
  return {
    running,
    async admin(path) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    },
    logs: capture.logs,
    async stop() {
      await running.host.shutdown.close();
    },
  };
}
