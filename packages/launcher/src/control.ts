// The running launcher's control channel, for `npm run deploy` (deploy.ts): HTTP over a unix socket
// at `.trio/run/launcher.sock`, in a directory only the launcher's user may enter (0700) and a
// socket only that user may open (0600), so the file permissions are the authentication; nothing
// listens on a port. Each request body is checked with the schemas below (a 400 says what is
// wrong). What it can do: start one more replica of a replicated service (not yet routed), route
// replicas in or out (`.trio/hosts`, which the callers read), and stop one replica gracefully.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';

export function controlSocketPath(root: string): string {
  return join(root, '.trio', 'run', 'launcher.sock');
}

const Address = z.string().regex(/^127(\.\d{1,3}){3}$/, 'must be a loopback IPv4 address');
const Service = z.string().regex(/^[a-z][a-z-]*$/, 'must be a service name');

export const StartReplica = z.strictObject({
  service: Service,
  /** A broken setting (AMQP_URL to a closed port): the replica runs, but its /readyz fails. */
  bad: z.boolean().default(false),
});
export const Route = z.strictObject({
  service: Service,
  add: z.array(Address).default([]),
  remove: z.array(Address).default([]),
});
export const StopReplica = z.strictObject({ service: Service, address: Address });

export const ReplicaInfo = z.object({
  service: z.string(),
  label: z.string(),
  address: z.string(),
  pid: z.number().int().optional(),
  httpPort: z.number().int(),
  rpcPort: z.number().int().optional(),
  state: z.string(),
  routed: z.boolean(),
});
export type ReplicaInfo = z.infer<typeof ReplicaInfo>;
export const Stopped = z.object({
  address: z.string(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
});
export type Stopped = z.infer<typeof Stopped>;
export const Routed = z.object({ service: z.string(), routed: z.array(z.string()) });

/** What the launcher does for the control channel (start.ts with replica-fleet.ts). */
export interface ControlHandlers {
  startReplica(request: z.infer<typeof StartReplica>): ReplicaInfo;
  route(request: z.infer<typeof Route>): z.infer<typeof Routed>;
  stopReplica(request: z.infer<typeof StopReplica>): Promise<Stopped>;
  replicas(service: string): ReplicaInfo[];
}

/** A refusal the caller can act on: sent as its status with `{ error }`. */
export class ControlError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function body(incoming: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of incoming) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new ControlError(413, 'request body too large');
  }
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ControlError(400, 'the body is not JSON');
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ControlError(
      400,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/** Listens on the socket; resolves once it does. */
export async function startControlServer(root: string, handlers: ControlHandlers): Promise<Server> {
  const path = controlSocketPath(root);
  mkdirSync(join(root, '.trio', 'run'), { recursive: true, mode: 0o700 });
  chmodSync(join(root, '.trio', 'run'), 0o700);
  rmSync(path, { force: true }); // a launcher that was killed leaves its socket behind
  const server = createServer(async (incoming, response) => {
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    try {
      const url = new URL(incoming.url ?? '/', 'http://launcher');
      const route = `${incoming.method} ${url.pathname}`;
      if (route === 'GET /replicas')
        return send(200, handlers.replicas(parse(Service, url.searchParams.get('service') ?? '')));
      if (route === 'POST /replicas')
        return send(201, handlers.startReplica(parse(StartReplica, await body(incoming))));
      if (route === 'POST /route') return send(200, handlers.route(parse(Route, await body(incoming))));
      if (route === 'POST /replicas/stop')
        return send(200, await handlers.stopReplica(parse(StopReplica, await body(incoming))));
      send(404, { error: `no such operation: ${route}` });
    } catch (error) {
      if (error instanceof ControlError) send(error.status, { error: error.message });
      else send(500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.unref();
  return server;
}

/** One request to the launcher of the shop at `root`; a refusal throws with the launcher's words. */
export function controlRequest<S extends z.ZodType>(
  root: string,
  method: 'GET' | 'POST',
  path: string,
  payload: unknown,
  schema: S,
): Promise<z.output<S>> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { socketPath: controlSocketPath(root), method, path, headers: { 'content-type': 'application/json' } },
      async (incoming) => {
        let text = '';
        for await (const chunk of incoming) text += String(chunk);
        try {
          const value = JSON.parse(text) as { error?: string };
          if ((incoming.statusCode ?? 500) >= 300)
            reject(new Error(value.error ?? `status ${incoming.statusCode}`));
          else resolve(schema.parse(value));
        } catch (error) {
          reject(error);
        }
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
          ? new Error(`no launcher answers at ${controlSocketPath(root)}: is the shop running (npm start)?`)
          : error,
      ),
    );
    outgoing.end(method === 'GET' ? undefined : JSON.stringify(payload));
  });
}
