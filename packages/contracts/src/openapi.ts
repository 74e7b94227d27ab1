// Renders the route tables as one OpenAPI 3.1 document for the whole shop: a tag and a server per
// service, each operation pinned to its service's server. Pure and deterministic, so that a test
// can compare it byte for byte with the committed docs/api/openapi.json.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { sessionCookieName } from './front-end.ts';
import {
  errorResponses,
  type RouteAuth,
  type RouteDefinition,
  type RouteResponse,
  toOpenApiPath,
} from './http.ts';
import { operationId, type RestApi, type RestServiceName, restApis } from './routes.ts';

/** Where each service listens in development (see the ports table in the README). */
export const restServicePorts: Readonly<Record<RestServiceName, number>> = {
  'front-end': 8080,
  catalog: 3001,
  profiles: 3002,
  payment: 3003,
  billing: 3004,
  shipping: 3006,
};

const securitySchemeOf: Readonly<Record<Exclude<RouteAuth, 'none'>, string>> = {
  session: 'sessionToken',
  sessionCookie: 'sessionCookie',
  admin: 'adminToken',
};

function serverOf(service: RestServiceName) {
  return { url: `http://localhost:${restServicePorts[service]}`, description: service };
}

/** The schemes a request needs: the caller's identity token (unless anyone may call) and the route's own. */
function securityOf(route: RouteDefinition): RouteConfig['security'] {
  const schemes: Record<string, string[]> = {};
  if (!route.callers.includes('public') && !route.callers.includes('operator')) schemes.callerToken = [];
  if (route.auth !== 'none') schemes[securitySchemeOf[route.auth]] = [];
  return Object.keys(schemes).length === 0 ? undefined : [schemes];
}

function toRouteConfig(api: RestApi, name: string, route: RouteDefinition): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  // The identity check answers before the route does: its 401 and 403 are every route's.
  const identityAnswers: Record<number, RouteResponse> = route.callers.includes('public')
    ? {}
    : errorResponses(401, 403);
  for (const [status, response] of Object.entries({ ...identityAnswers, ...route.responses })) {
    responses[status] = {
      description: response.description,
      ...(response.body && {
        content: {
          'application/json': { schema: response.body },
          ...(response.html && { 'text/html': { schema: { type: 'string' } } }),
        },
      }),
    };
  }
  return {
    method: route.method,
    path: toOpenApiPath(route.path),
    operationId: operationId(api.service, name),
    summary: route.summary,
    ...(route.description && { description: route.description }),
    tags: [api.service],
    servers: [serverOf(api.service)],
    ...(securityOf(route) && { security: securityOf(route) }),
    'x-trio-callers': [...route.callers],
    request: {
      ...(route.params && { params: route.params }),
      ...(route.query && { query: route.query }),
      ...(route.headers && { headers: route.headers }),
      ...(route.body && {
        body: { required: true, content: { 'application/json': { schema: route.body } } },
      }),
    },
    responses,
  };
}

/** The OpenAPI document as the exact text of docs/api/openapi.json. */
export function buildOpenApiDocument(): string {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'sessionToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'Session token from `POST /sessions` (profiles)',
  });
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin token from the service’s configuration',
  });
  registry.registerComponent('securitySchemes', 'callerToken', {
    type: 'apiKey',
    in: 'header',
    name: 'Trio-Caller',
    description:
      'The calling service’s identity: an EdDSA-signed JWT (iss = caller, aud = this service, ' +
      '60 s). `x-trio-callers` on each operation lists the services it accepts',
  });
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookieName,
    description: 'Storefront session cookie set by the front-end',
  });
  for (const api of restApis) {
    for (const [name, route] of Object.entries(api.routes))
      registry.registerPath(toRouteConfig(api, name, route));
  }
  const generator = new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' });
  const document = generator.generateDocument({
    openapi: '3.1.1',
    info: {
      title: 'Trio Shop REST APIs',
      version: '1.0.0',
      description:
        'Every REST route of the shop, one tag per service. Generated from packages/contracts ' +
        '(npm run docs:api); do not edit by hand. Money is always integer minor units plus an ISO 4217 code.',
    },
    servers: restApis.map((api) => serverOf(api.service)),
    tags: restApis.map((api) => ({ name: api.service, description: api.description })),
  });
  return `${JSON.stringify(document, null, 2)}\n`;
}
