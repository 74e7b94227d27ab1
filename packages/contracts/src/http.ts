// The shape of a REST route in the route tables. One table per service describes every route
// once; the OpenAPI generator reads it and the services validate their traffic against it, so
// the documentation cannot drift from what is enforced.
import type { z } from 'zod';
import { ErrorBody, type ServiceName } from './common.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route:
 * - `none`: anyone who can reach the service;
 * - `session`: `Authorization: Bearer <session token>` issued by profiles;
 * - `sessionCookie`: the front-end's session cookie (the browser's and load generator's way in);
 * - `admin`: `Authorization: Bearer <admin token>` from the service's configuration.
 */
export type RouteAuth = 'none' | 'session' | 'sessionCookie' | 'admin';

/**
 * Who may send a request to a route, checked before `auth`:
 * - a service name: that service, proven by a signed identity token in the `Trio-Caller` header
 *   (see @trio/service-runtime's identity);
 * - `public`: anyone, without an identity token (a browser, a script, another team's tool);
 * - `operator`: a person holding the service's admin token (`auth: 'admin'`), not a service.
 * A request that carries an identity token is always checked: a bad one is a 401, a good one from a
 * service the route does not list is a 403, even where `public` or `operator` would let it in
 * without one.
 */
export type RouteCaller = ServiceName | 'public' | 'operator';

export interface RouteResponse {
  readonly description: string;
  /** JSON body; omitted for bodiless answers such as 204. */
  readonly body?: z.ZodType;
  /** The same resource is also served as a printable `text/html` page (content negotiation). */
  readonly html?: boolean;
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** Express-style path, e.g. `/products/:sku`; the generator renders it as `/products/{sku}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: RouteAuth;
  /** Who may call it; the services enforce this list and the OpenAPI document shows it. */
  readonly callers: readonly RouteCaller[];
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** Only the headers the route needs; other headers are always allowed. */
  readonly headers?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly responses: Readonly<Record<number, RouteResponse>>;
}

/** Keeps the literal type of a route so that its schemas stay typed where it is used. */
export function defineRoute<const R extends RouteDefinition>(route: R): R {
  return route;
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteParams<R extends RouteDefinition> = Output<R['params']>;
export type RouteQuery<R extends RouteDefinition> = Output<R['query']>;
export type RouteHeaders<R extends RouteDefinition> = Output<R['headers']>;
export type RouteBody<R extends RouteDefinition> = Output<R['body']>;
/** The JSON body a route answers with for `status`. */
export type RouteResponseBody<R extends RouteDefinition, Status extends keyof R['responses']> = Output<
  R['responses'][Status] extends { body: infer B } ? B : undefined
>;

const errorDescriptions = {
  400: 'The request is invalid; `error.details` names every failing field',
  401: 'Missing, expired or revoked credentials',
  402: 'The payment was refused; `error.code` says why',
  403: 'The credentials do not allow this',
  404: 'No such resource, or it belongs to someone else',
  409: 'The resource is not in a state that allows this, or the same idempotency key is still in flight',
  413: 'The body is larger than the service accepts',
  422: 'The idempotency key was already used with a different body',
  429: 'Too many attempts; retry later',
  503: 'A service this route depends on is unavailable',
} as const satisfies Record<number, string>;

export type ErrorStatus = keyof typeof errorDescriptions;

/** The standard error answers of a route, each with the shared `ErrorBody`. */
export function errorResponses<const S extends readonly ErrorStatus[]>(
  ...statuses: S
): { readonly [K in S[number]]: { readonly description: string; readonly body: typeof ErrorBody } } {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescriptions[status], body: ErrorBody }]),
  ) as { [K in S[number]]: { description: string; body: typeof ErrorBody } };
}

/** `/products/:sku` → `/products/{sku}` */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The names of a path's parameters, in order: `/users/:userId/addresses/:addressId` → both ids. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? '');
}
