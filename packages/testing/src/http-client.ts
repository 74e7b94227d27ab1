// A JSON HTTP client for tests of a service listening at `baseUrl`. Given `as`, it calls as that
// service, with a fresh identity token in each request (see identity.ts). Given `from`, it sends
// every request from that local address (any of 127.0.0.0/8 on Linux), so that a test can be
// several shoppers, each counted by the service as the address it really sees.
import { request as httpRequest } from 'node:http';
import { callerToken, type TestCaller } from './identity.ts';

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, otherwise the text. */
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** Calls as this service instead of the client's; `null` sends no identity token. */
  as?: TestCaller | null;
}

export interface HttpClientOptions {
  /** The service the client calls as, by default. */
  as?: TestCaller;
  /** The called service's name (its tokens' audience). */
  audience?: string;
  /** The local address every request is sent from, e.g. `127.0.0.7`. */
  from?: string;
}

export interface HttpClient {
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(path: string): Promise<Reply>;
}

/** One request over node:http from `localAddress`, answered as fetch would. */
function requestFrom(
  localAddress: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: init.method, headers: init.headers, localAddress },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
          }
          const status = incoming.statusCode ?? 0;
          // A 204 or 304 may have no body at all, not even an empty one.
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

export function createHttpClient(baseUrl: string, client: HttpClientOptions = {}): HttpClient {
  async function request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const caller = options.as === undefined ? client.as : options.as;
    if (caller != null) {
      if (client.audience === undefined)
        throw new Error('createHttpClient needs the audience to call as a service');
      headers['trio-caller'] = await callerToken(caller, client.audience);
    }
    Object.assign(headers, options.headers);
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response =
      client.from === undefined
        ? await fetch(baseUrl + path, { method, headers, body })
        : await requestFrom(client.from, baseUrl + path, { method, headers, body });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  }
  return { request, get: (path) => request('GET', path) };
}
