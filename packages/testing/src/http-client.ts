// A JSON HTTP client for tests of a service listening at `baseUrl`. Given `as`, it calls as that
// service, with a fresh identity token in each request (see identity.ts).
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
}

export interface HttpClient {
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(path: string): Promise<Reply>;
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
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  }
  return { request, get: (path) => request('GET', path) };
}
