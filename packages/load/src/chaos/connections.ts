// The chaos run's faults below the services: PostgreSQL backends terminated, broker and Redis
// connections closed, a service killed with SIGKILL. Each is aimed at the shop under test only, never
// at the other users of the same servers: PostgreSQL by the shop's database, the broker and Redis
// by the client ports of the shop's own processes (read with `ss`, matched against what
// `rabbitmqctl list_connections` and Redis's CLIENT LIST say). Loopback only.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { subscriptionNames } from '@trio/contracts/events';
import pg from 'pg';
import { createClient } from 'redis';

const run = promisify(execFile);

/** What one fault did: a line for the table, or why it was skipped. */
export interface Outcome {
  detail: string;
  skipped?: boolean;
}

/** Local ports of the TCP connections `pids` hold to `port` on this machine. */
export async function clientPorts(pids: readonly number[], port: number): Promise<Set<number>> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`]);
  const wanted = new Set(pids);
  const ports = new Set<number>();
  for (const line of stdout.split('\n')) {
    const local = /^\s*\S+\s+\S+\s+\S*:(\d+)\s/.exec(line);
    const owners = [...line.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
    if (local !== null && owners.some((pid) => wanted.has(pid))) ports.add(Number(local[1]));
  }
  return ports;
}

/**
 * The backends of the shop's database that the shop's processes opened (by their client ports):
 * the services' pools must reconnect. Other users of the same server are left alone.
 */
export async function terminatePostgres(databaseUrl: string, pids: readonly number[]): Promise<Outcome> {
  const port = Number(new URL(databaseUrl).port || 5432);
  const ports = [...(await clientPorts(pids, port))];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND client_port = ANY($1::int[])`,
      [ports],
    );
    return { detail: `${rows.filter((row) => row.terminated).length} of the shop's backends terminated` };
  } finally {
    await client.end();
  }
}

async function rabbitmqctl(args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  return stdout;
}

/** Closes the broker connections of `pids` (rabbitmqctl; skipped when it is not installed). */
export async function closeBrokerConnections(pids: readonly number[], amqpPort = 5672): Promise<Outcome> {
  const ports = await clientPorts(pids, amqpPort);
  let listing: string;
  try {
    listing = await rabbitmqctl(['list_connections', 'pid', 'peer_port']);
  } catch (error) {
    return {
      skipped: true,
      detail: `skipped: rabbitmqctl did not answer (${(error as Error).message.split('\n')[0]})`,
    };
  }
  let closed = 0;
  for (const line of listing.split('\n')) {
    const [pid, peerPort] = line.trim().split(/\s+/);
    if (pid === undefined || !pid.startsWith('<') || !ports.has(Number(peerPort))) continue;
    await rabbitmqctl(['close_connection', pid, 'trio chaos: broker connection dropped']).catch(() => {});
    closed++;
  }
  return { detail: `${closed} of the shop's ${ports.size} broker connections closed` };
}

/** Kills the Redis connections of `pids` (CLIENT KILL ID): their clients must reconnect. */
export async function killRedisConnections(pids: readonly number[], redisUrl: string): Promise<Outcome> {
  const port = Number(new URL(redisUrl).port || 6379);
  const ports = await clientPorts(pids, port);
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    const list = await client.clientList();
    const ids = list
      .filter((entry) => ports.has(Number(entry.addr.split(':').at(-1))))
      .map((entry) => entry.id);
    for (const id of ids) await client.clientKill({ filter: 'ID', id });
    return { detail: `${ids.length} Redis connections killed` };
  } finally {
    client.destroy();
  }
}

/** SIGKILL, as `kill -9`: the launcher restarts the service. */
export function killService(name: string, pid: number | undefined): Outcome {
  if (pid === undefined)
    return { skipped: true, detail: `skipped: no pid for ${name} (run under the launcher)` };
  try {
    process.kill(pid, 'SIGKILL');
    return { detail: `kill -9 ${pid}` };
  } catch (error) {
    return { skipped: true, detail: `skipped: ${(error as Error).message}` };
  }
}

/** Messages in each dead-letter queue of the shop, whose queues are named `<queuePrefix><subscription>`. */
export async function deadLetterCounts(queuePrefix: string): Promise<Record<string, number>> {
  const wanted = new Set(subscriptionNames.map((name) => `${queuePrefix}${name}.dlq`));
  const listing = await rabbitmqctl(['list_queues', 'name', 'messages']);
  const counts: Record<string, number> = {};
  for (const line of listing.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name !== undefined && wanted.has(name)) counts[name] = Number(messages);
  }
  return counts;
}
