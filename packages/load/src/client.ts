// A virtual shopper's connection to the storefront, as a browser's would be: its own cookie jar,
// the shop's Origin on every request (the API refuses cross-site mutations), keep-alive, and its
// own source address in 127.0.0.0/8 (node's `localAddress`), so that the shop's per-address limits
// count each shopper as the separate person it stands for.
import { Agent, request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  contentType: string;
  /** Parsed JSON for a JSON answer, otherwise undefined (see `text`). */
  body: unknown;
  text: string;
}

/** A request that got no HTTP answer: `kind` names why (timeout, ECONNREFUSED, ECONNRESET, …). */
export class NoAnswer extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface ShopperClient {
  /** The source address, or undefined for the machine's default. */
  readonly address: string | undefined;
  request(
    method: string,
    path: string,
    options?: { json?: unknown; headers?: Record<string, string> },
  ): Promise<Answer>;
}

/** How many shopper addresses there are before one repeats: last octet 1–254, third 0–255, second 1–254. */
export const addressCount = 254 * 256 * 254;

/** 127.1.0.1, 127.1.0.2, …: one loopback address per shopper, never the shop's own 127.0.0.1. */
export function shopperAddress(index: number): string {
  const n = index % addressCount;
  return `127.${1 + Math.floor(n / (254 * 256))}.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
}

export interface Connections {
  agent: Agent;
  close(): void;
}

export function createConnections(): Connections {
  // Sockets are pooled per source address (the agent's key includes localAddress): a shopper
  // reuses its own connection between steps, as a browser does.
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 4, timeout: 30_000 });
  return { agent, close: () => agent.destroy() };
}

export function createShopperClient(
  target: string,
  connections: Connections,
  address: string | undefined,
  timeoutMs: number,
): ShopperClient {
  const cookies = new Map<string, string>();
  const origin = new URL(target).origin;

  function keepCookies(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  function request(
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      origin,
      accept: 'application/json, text/html',
      ...options.headers,
    };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    if (body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        target + path,
        {
          method,
          headers,
          agent: connections.agent,
          ...(address === undefined ? {} : { localAddress: address }),
        },
        (incoming) => {
          keepCookies(incoming.headers['set-cookie']);
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', (error: NodeJS.ErrnoException) =>
            reject(new NoAnswer(error.code ?? 'aborted', error.message)),
          );
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const contentType = incoming.headers['content-type'] ?? '';
            let parsed: unknown;
            if (contentType.startsWith('application/json') && text !== '') {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = undefined;
              }
            }
            resolve({ status: incoming.statusCode ?? 0, contentType, body: parsed, text });
          });
        },
      );
      outgoing.setTimeout(timeoutMs, () =>
        outgoing.destroy(new NoAnswer('timeout', `no answer in ${timeoutMs} ms`)),
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        reject(error instanceof NoAnswer ? error : new NoAnswer(error.code ?? 'network', error.message)),
      );
      outgoing.end(body);
    });
  }
  return { address, request };
}
