// PostgreSQL, Redis and RabbitMQ, where the services will look for them. Each is probed with a TCP
// connect; one that does not answer is started from docker-compose.yml where a Docker engine runs,
// and otherwise named, with how to provide it, within a few seconds.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';

export interface Dependency {
  name: string;
  /** The variable that points at it, e.g. DATABASE_URL. */
  variable: string;
  url: string;
  /** Its service in docker-compose.yml. */
  composeService: string;
}

export function dependencies(env: Record<string, string | undefined>): Dependency[] {
  return [
    {
      name: 'PostgreSQL',
      variable: 'DATABASE_URL',
      url: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      composeService: 'postgres',
    },
    {
      name: 'Redis',
      variable: 'REDIS_URL',
      url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      composeService: 'redis',
    },
    {
      name: 'RabbitMQ',
      variable: 'AMQP_URL',
      url: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      composeService: 'rabbitmq',
    },
  ];
}

const defaultPorts: Record<string, number> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'amqp:': 5672,
};

export function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? (defaultPorts[parsed.protocol] ?? 0) : Number(parsed.port),
  };
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { host, port } = hostAndPort(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(command: string, args: string[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error) => resolve(error === null));
  });
}

/** A Docker engine answers (not just a client installed). */
export function dockerEngine(): Promise<boolean> {
  return run('docker', ['info', '--format', '{{.ServerVersion}}'], 2_000);
}

/** `docker compose up -d <service>` (or docker-compose 1.x), then waits for its port. */
export async function startWithCompose(
  root: string,
  dependency: Dependency,
  timeoutMs = 60_000,
): Promise<boolean> {
  const file = `${root}/docker-compose.yml`;
  const started =
    (await run('docker', ['compose', '-f', file, 'up', '-d', dependency.composeService], timeoutMs)) ||
    (await run('docker-compose', ['-f', file, 'up', '-d', dependency.composeService], timeoutMs));
  if (!started) return false;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(dependency.url)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

export function howToProvide(dependency: Dependency): string {
  return (
    `${dependency.name} is not reachable at ${dependency.url} (${dependency.variable}). ` +
    `Start it (your system's service, or \`docker compose up -d ${dependency.composeService}\`) ` +
    `or set ${dependency.variable} to one that runs.`
  );
}
