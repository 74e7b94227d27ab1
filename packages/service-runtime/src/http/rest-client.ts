// A typed client for a REST peer, made from the peer's route table in @trio/contracts: one method
// per route, named as in the table, so `billing.placeOrder(…)` leads a reader (and their editor)
// to `billingRoutes.placeOrder` and from there to the handler registered for it.
//
// A call is checked against the route's schemas before it leaves: a request the contract refuses
// is the caller's bug, so it throws at once instead of costing a round trip and a 400. An answer
// is checked against the response the route declares for its status; an answer the contract does
// not allow (an undeclared status, a 5xx, a body of the wrong shape) is the peer failing, reported
// as PeerUnavailable with the peer, the route and the status in its cause.
import type { RouteAuth, RouteDefinition, RouteResponse } from '@trio/contracts/http';
import type { z } from 'zod';
import { type PeerReply, type PeerRequest, PeerUnavailable, type RestPeer } from './peer.ts';

type RouteTable = Readonly<Record<string, RouteDefinition>>;

/** A part of a call: required when the route's schema needs it, absent when the route has none. */
type Part<Key extends string, S, Value> = S extends z.ZodType
  ? undefined extends Value
    ? { readonly [K in Key]?: Value }
    : { readonly [K in Key]: Value }
  : { readonly [K in Key]?: never };

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

// Query strings carry text, so their schemas take any input; the caller writes the parsed values,
// each optional because the schema supplies defaults and the peer fills them in.
type QueryValues<S> = S extends z.ZodType ? Partial<z.output<S>> | undefined : undefined;

type TokenPart<A extends RouteAuth> = A extends 'session' | 'admin'
  ? { /** Sent as `Authorization: Bearer <token>`. */ readonly token: string }
  : { readonly token?: never };

/** What a call of route `R` takes: its path parameters, query, headers and body, as typed values. */
export type RouteCall<R extends RouteDefinition> = Part<'params', R['params'], Output<R['params']>> &
  Part<'query', R['query'], QueryValues<R['query']>> &
  Part<'headers', R['headers'], Output<R['headers']>> &
  Part<'body', R['body'], R['body'] extends z.ZodType ? z.input<R['body']> : undefined> &
  TokenPart<R['auth']> & {
    /** Overrides the peer's timeout for this call. */
    readonly timeoutMs?: number;
  };

type Statuses<R extends RouteDefinition> = keyof R['responses'] & number;

type ResponseBody<Response> = Response extends { body: infer B } ? Output<B> : undefined;

/** The answer to a call of route `R`: one member per status the route declares, its body typed. */
export type RouteReply<R extends RouteDefinition> = {
  [S in Statuses<R>]: {
    readonly status: S;
    readonly body: ResponseBody<R['responses'][S]>;
    readonly headers: Headers;
  };
}[Statuses<R>];

type HtmlStatuses<R extends RouteDefinition> = {
  [S in Statuses<R>]: R['responses'][S] extends { html: true } ? S : never;
}[Statuses<R>];

/** The answer when a route's page was asked for as HTML: the page for the statuses that have one. */
export type RouteHtmlReply<R extends RouteDefinition> =
  | {
      [S in HtmlStatuses<R>]: { readonly status: S; readonly html: string; readonly headers: Headers };
    }[HtmlStatuses<R>]
  | Exclude<RouteReply<R>, { status: HtmlStatuses<R> }>;

type CallArgs<R extends RouteDefinition> =
  Record<never, never> extends RouteCall<R> ? [call?: RouteCall<R>] : [call: RouteCall<R>];

/** One route's method; a route with a printable page also takes `{ accept: 'html' }`. */
export type RouteMethod<R extends RouteDefinition> = (HtmlStatuses<R> extends never
  ? unknown
  : (call: RouteCall<R> & { readonly accept: 'html' }) => Promise<RouteHtmlReply<R>>) &
  ((...args: CallArgs<R>) => Promise<RouteReply<R>>);

export type RestClient<T extends RouteTable> = { readonly [Name in keyof T]: RouteMethod<T[Name]> };

interface AnyCall {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  token?: string;
  timeoutMs?: number;
  accept?: 'html';
}

/** `/users/:userId/addresses` with `{ userId }` → `/users/4f…/addresses`. */
export function fillPath(path: string, params: Record<string, unknown> = {}): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${path} needs the path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/** `{ q: 'mug', page: 2, sort: undefined }` → `?q=mug&page=2`; empty when nothing is set. */
export function queryString(query: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) params.append(name, String(item));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A call the route's contract refuses: a bug in the caller, never the peer's or the user's fault. */
export class InvalidPeerCall extends Error {
  constructor(peer: string, routeName: string, part: string, error: z.ZodError) {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`);
    super(`${peer} ${routeName}: the ${part} breaks the contract: ${issues.join('; ')}`);
    this.name = 'InvalidPeerCall';
  }
}

function check(peer: string, routeName: string, part: string, schema: z.ZodType | undefined, value: unknown) {
  if (schema === undefined) return;
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidPeerCall(peer, routeName, part, result.error);
}

function brokenAnswer(peer: string, routeName: string, route: RouteDefinition, status: number, why: string) {
  return new PeerUnavailable(
    peer,
    new Error(
      `${peer} ${routeName} (${route.method.toUpperCase()} ${route.path}) answered ${status}: ${why}`,
    ),
  );
}

function answer(peer: string, routeName: string, route: RouteDefinition, reply: PeerReply, html: boolean) {
  const response: RouteResponse | undefined = route.responses[reply.status];
  if (response === undefined) {
    return brokenAnswer(peer, routeName, route, reply.status, 'a status its contract does not declare');
  }
  if (html && response.html === true) {
    if (reply.headers.get('content-type')?.includes('text/html') !== true) {
      return brokenAnswer(peer, routeName, route, reply.status, 'something other than the page asked for');
    }
    return { status: reply.status, html: reply.text, headers: reply.headers };
  }
  if (response.body === undefined) return { status: reply.status, body: undefined, headers: reply.headers };
  const body = response.body.safeParse(reply.body);
  if (!body.success) {
    const issues = body.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`);
    return brokenAnswer(
      peer,
      routeName,
      route,
      reply.status,
      `a body that breaks its contract: ${issues.join('; ')}`,
    );
  }
  return { status: reply.status, body: body.data, headers: reply.headers };
}

/**
 * The client of `peer` for the routes of `routes`, e.g. `createRestClient(peer, billingRoutes)`.
 * Each method sends one request and resolves with the answer, typed by status; it throws
 * PeerUnavailable when no answer came or the answer broke the contract, and InvalidPeerCall
 * (a bug) when the call itself broke it.
 */
export function createRestClient<const T extends RouteTable>(peer: RestPeer, routes: T): RestClient<T> {
  const methods = Object.entries(routes).map(([routeName, route]) => {
    const call = async (given: AnyCall = {}) => {
      check(peer.name, routeName, 'path parameters', route.params, given.params ?? {});
      check(peer.name, routeName, 'query', route.query, given.query ?? {});
      check(peer.name, routeName, 'headers', route.headers, given.headers ?? {});
      check(peer.name, routeName, 'body', route.body, given.body);
      const html = given.accept === 'html';
      const request: PeerRequest = {
        ...(given.body === undefined ? {} : { body: given.body }),
        ...(given.token === undefined ? {} : { token: given.token }),
        ...(given.timeoutMs === undefined ? {} : { timeoutMs: given.timeoutMs }),
        headers: { ...given.headers, ...(html ? { accept: 'text/html' } : {}) },
      };
      const path = fillPath(route.path, given.params) + queryString(given.query);
      const reply = await peer.request(route.method.toUpperCase(), path, request);
      const result = answer(peer.name, routeName, route, reply, html);
      if (result instanceof PeerUnavailable) throw result;
      return result;
    };
    return [routeName, call] as const;
  });
  return Object.fromEntries(methods) as unknown as RestClient<T>;
}
