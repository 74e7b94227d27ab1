// A JSON HTTP client for tests of a service listening at `baseUrl`. `from` sends every request
// from that local address (any of 127.0.0.0/8 on Linux), so that a test can be several shoppers,
// each counted by the service as the address it really sees.
import { request as httpRequest } from 'node:http';

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

export function createHttpClient(baseUrl: string, options: { from?: string } = {}): HttpClient {
  async function request(method: string, path: string, call: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const response =
      options.from === undefined
        ? await fetch(baseUrl + path, { method, headers, body })
        : await requestFrom(options.from, baseUrl + path, { method, headers, body });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  }
  return { request, get: (path) => request('GET', path) };
}
