// A client for a REST peer (billing → catalog, payment, profiles): JSON in and out, a timeout per
// call, the caller's trace and correlation ids and its identity token sent along. It answers with the status and the
// parsed body for every HTTP answer (a 404 or a 402 is an answer the caller decides about); when no
// answer came (refused, reset, timed out) it throws PeerUnavailable, which the error mapper turns
// into a 503 if the caller lets it through.
//
// Calls go through node:http with a keep-alive agent rather than fetch: undici's fetch (its
// Request, Headers and body streams) was 10 % of billing's busy time under the checkout load in
// issue 14's profiles, for small JSON bodies on loopback connections.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Registry } from 'prom-client';
import { createBreaker } from '../breaker.ts';
import { getContext } from '../context.ts';
import { AppError } from '../errors.ts';
import {
  injectContext,
  context as otelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  tracer,
  withSpan,
} from '../tracing.ts';
import { type CallerIdentity, callerHeader } from './identity.ts';
import { isInProcessUrl, requestInProcess } from './in-process.ts';

const peerTracer = tracer('@trio/service-runtime/peer');

export interface PeerReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
  /** The body as received (an HTML page, say). */
  text: string;
}

export interface PeerRequest {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface RestPeer {
  readonly name: string;
  request(method: string, path: string, options?: PeerRequest): Promise<PeerReply>;
}

export interface RestPeerOptions {
  /** The peer's name in errors and logs, e.g. `catalog`. */
  name: string;
  /** e.g. `http://catalog:3001`; `inproc://catalog` for a service in the same process (in-process.ts). */
  baseUrl: string;
  /** Per call, including reading the body. */
  timeoutMs: number;
  /**
   * This service's identity: every call then carries a fresh `Trio-Caller` token addressed to
   * `name`, which must be the peer's service name (its audience).
   */
  identity?: CallerIdentity;
  /** Where the peer's circuit breaker reports its state (see breaker.ts): the service's registry. */
  registry?: Registry;
}

/** No answer from a peer: it may or may not have acted (a timeout), so only idempotent calls retry. */
export class PeerUnavailable extends AppError {
  readonly peer: string;

  constructor(peer: string, cause: unknown) {
    super('unavailable', `The ${peer} service is not answering; try again shortly`, { status: 503, cause });
    this.peer = peer;
  }
}

/** A peer of a service host: its circuit breaker reports to the host's metrics. */
export function connectRest(host: { metrics: { registry: Registry } }, options: RestPeerOptions): RestPeer {
  return createRestPeer({ registry: host.metrics.registry, ...options });
}

export function createRestPeer(options: RestPeerOptions): RestPeer {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // The same request, to a service's app in this process instead of over HTTP (the monolith).
  const inProcess = isInProcessUrl(baseUrl);
  // No answer, or a 5xx: the peer is failing. While the breaker is open, calls fail at once.
  const breaker = createBreaker({
    peer: options.name,
    transport: 'http',
    registry: options.registry,
    isFailure: (error) => error instanceof PeerUnavailable,
    isFailedResult: (reply) => (reply as PeerReply).status >= 500,
  });

  async function request(method: string, path: string, call: PeerRequest = {}): Promise<PeerReply> {
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
    if (options.identity !== undefined) headers[callerHeader] = await options.identity.tokenFor(options.name);
    const context = getContext();
    if (context !== undefined) headers['x-correlation-id'] = context.correlationId;
    const url = new URL(baseUrl + path);
    const span = peerTracer.startSpan(method, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        ...(url.protocol.startsWith('http')
          ? { 'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)) }
          : {}),
        'url.full': `${url.origin}${url.pathname}`,
        'peer.service': options.name,
      },
    });
    return withSpan(span, otelContext.active(), async () => {
      injectContext(headers);
      try {
        return await breaker.execute(() => send(method, path, call, headers, span));
      } catch (error) {
        throw error instanceof PeerUnavailable ? error : new PeerUnavailable(options.name, error);
      }
    });
  }

  const secure = baseUrl.startsWith('https:');
  // Connections are kept between calls; idle ones do not keep the process alive.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const open = secure ? httpsRequest : httpRequest;

  /** The answer's status, headers and body text; rejects when no whole answer came in time. */
  function exchange(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ incoming: IncomingMessage; text: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = open(baseUrl + path, { method, headers, agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.once('end', () => {
          clearTimeout(timer);
          resolve({ incoming, text: Buffer.concat(chunks).toString('utf8') });
        });
        incoming.once('error', fail);
        incoming.once('close', () => {
          if (!incoming.complete) fail(new Error('the answer was cut off'));
        });
      });
      function fail(error: unknown) {
        clearTimeout(timer);
        reject(error);
      }
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`no whole answer within ${timeoutMs} ms`));
      }, timeoutMs);
      outgoing.once('error', fail);
      outgoing.end(body);
    });
  }

  type Answer = Omit<PeerReply, 'body'>;

  async function exchangeOverHttp(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<Answer> {
    const { incoming, text } = await exchange(method, path, headers, body, timeoutMs);
    return { status: incoming.statusCode ?? 0, headers: headersOf(incoming), text };
  }

  /** In this process (the monolith): the same request, handed to the service's app (in-process.ts). */
  async function exchangeInProcess(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<Answer> {
    const response = await requestInProcess(baseUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async function send(
    method: string,
    path: string,
    call: PeerRequest,
    headers: Record<string, string>,
    span: Span,
  ): Promise<PeerReply> {
    try {
      const body = call.body === undefined ? undefined : JSON.stringify(call.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const timeoutMs = call.timeoutMs ?? options.timeoutMs;
      const answer = inProcess
        ? await exchangeInProcess(method, path, headers, body, timeoutMs)
        : await exchangeOverHttp(method, path, headers, body, timeoutMs);
      span.setAttribute('http.response.status_code', answer.status);
      if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      const json = answer.headers.get('content-type')?.includes('json') === true && answer.text !== '';
      return { ...answer, body: json ? JSON.parse(answer.text) : undefined };
    } catch (error) {
      throw new PeerUnavailable(options.name, error);
    }
  }

  return { name: options.name, request };
}

/** An answer's headers as a fetch `Headers`, what PeerReply has always carried. */
function headersOf(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}
