// REST between services of one process (the monolith, docs/monolith.md): a peer configured as
// `inproc://<service>` (CATALOG_URL=inproc://catalog) reaches that service's express app without a
// socket. The request still passes through everything a network call passes through on the callee's
// side (request logging, metrics, the caller identity check, the contract's validation, faults),
// because it is dispatched to the same app: a real http.IncomingMessage (the body already in it)
// and an http.ServerResponse that keeps what is written instead of sending it.
//
// Not light-my-request: for an express app it re-parents express's shared request prototype onto
// its own fake request class, which breaks the same app's requests from its real port.
//
// A host serves its routes here too when its config says SERVE_IN_PROCESS=true; a peer whose
// service is not (or no longer) served in this process gets no answer, like a closed port.
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';

/** The scheme of a peer address served in the same process: `inproc://catalog`. */
export const inProcessScheme = 'inproc:';

/** The apps served in this process, by service name. */
const apps = new Map<string, RequestListener>();

/** Serves `app` to in-process callers as `service`; the returned function withdraws it. */
export function serveInProcess(service: string, app: RequestListener): () => void {
  if (apps.has(service)) throw new Error(`${service} is already served in this process`);
  apps.set(service, app);
  return () => {
    if (apps.get(service) === app) apps.delete(service);
  };
}

export function isInProcessUrl(url: string): boolean {
  return url.startsWith(`${inProcessScheme}//`);
}

/** No service of that name answers in this process: what a refused connection is over the network. */
export class NotServedInProcess extends Error {
  constructor(service: string) {
    super(`no service "${service}" is served in this process`);
  }
}

/**
 * What the request's socket is asked for (express's req.ip, the server span's port). Readable, as a
 * socket with a request on it is (body parsers skip a request whose socket is not); the body is
 * already in the request, so there is nothing to resume.
 */
const loopback = {
  remoteAddress: '127.0.0.1',
  remotePort: 0,
  localPort: 0,
  encrypted: false,
  readable: true,
  resume() {},
  destroy() {},
};

type Callback = () => void;
const callbackIn = (values: unknown[]) =>
  values.find((value) => typeof value === 'function') as Callback | undefined;

/**
 * A ServerResponse whose bytes stay in memory, its 'finish' and 'close' emitted as a socket's would
 * be. write and end are the instance's own: express re-parents the response onto its own prototype.
 */
function keptResponse(req: IncomingMessage): { res: ServerResponse; chunks: Buffer[]; done: Promise<void> } {
  const res = new ServerResponse(req);
  const chunks: Buffer[] = [];
  const { promise: done, resolve } = Promise.withResolvers<void>();
  const keep = (chunk: unknown, encoding: unknown) => {
    if (!res.headersSent) res.writeHead(res.statusCode);
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : Buffer.from(chunk as Uint8Array),
    );
  };
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    keep(chunk, rest[0]);
    const callback = callbackIn(rest);
    if (callback !== undefined) process.nextTick(callback);
    return true;
  };
  const end = (...args: unknown[]): ServerResponse => {
    if (res.writableEnded) return res;
    keep(args[0], args[1]);
    res.finished = true;
    const callback = callbackIn(args);
    process.nextTick(() => {
      res.emit('prefinish');
      res.emit('finish');
      callback?.();
      res.emit('close');
      resolve();
    });
    return res;
  };
  Object.assign(res, { write, end });
  Object.defineProperty(res, 'writableFinished', { get: () => res.writableEnded });
  return { res, chunks, done };
}

/**
 * fetch() for a service in this process: the request is dispatched to the app served as the URL's
 * host, with the method, path, headers and body a fetch would send and the loopback address as the
 * caller's; its answer comes back as a fetch Response.
 */
export async function requestInProcess(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
): Promise<Response> {
  const target = new URL(url);
  const app = apps.get(target.host);
  if (app === undefined) throw new NotServedInProcess(target.host);
  const { signal } = init;
  signal.throwIfAborted();
  // The caller's timeout: it stops waiting, as fetch does (the callee's handler runs on).
  const timedOut = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
  const req = new IncomingMessage(loopback as never);
  req.method = init.method;
  req.url = `${target.pathname}${target.search}`;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  req.headers = {
    host: target.host,
    ...Object.fromEntries(Object.entries(init.headers).map(([name, value]) => [name.toLowerCase(), value])),
    ...(body === undefined ? {} : { 'content-length': String(body.length) }),
  };
  if (body !== undefined) req.push(body);
  req.push(null);
  req.complete = true;
  const { res, chunks, done } = keptResponse(req);
  app(req, res);
  await Promise.race([done, timedOut]);
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  // A fetch Response, so that the caller reads it as it reads one from the network.
  const empty = [204, 205, 304].includes(res.statusCode) || init.method === 'HEAD';
  return new Response(empty ? null : Buffer.concat(chunks), { status: res.statusCode, headers });
}
