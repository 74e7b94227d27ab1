// A REST fake made from a service's route table in @trio/contracts, on the same middleware as the
// real service (@trio/service-runtime's host: helmet, request ids, the `Trio-Caller` identity check
// from the route's `callers`, body limits, the one error body). Each route validates its params,
// query, body and Idempotency-Key exactly as the real one, so a bad request gets the same 400; a
// route with `auth: 'session'` wants a session the fake profiles knows (the dev session or one it
// issued). The answer comes from the fake's handler for the route and is checked against the
// route's response schema for its status before it is sent: a fake cannot answer what the real
// service could not (a mismatch is a 500 `fake_drift` naming the field). A route without a handler
// answers 501, naming the file to add one to.
import { ErrorBody } from '@trio/contracts/common';
import type { RouteDefinition } from '@trio/contracts/http';
import { AppError } from '@trio/service-runtime/errors';
import type { CallerVerifier } from '@trio/service-runtime/identity';
import type { Logger } from '@trio/service-runtime/logger';
import { createServiceHost } from '@trio/service-runtime/service';
import { requireIdempotencyKey, validate } from '@trio/service-runtime/validate';
import type { Express, Request, RequestHandler } from 'express';
import { type ScenarioBoard, scenarioHeader, slowMs } from './scenarios.ts';
import type { SessionBook } from './sessions.ts';

type RouteTable = Readonly<Record<string, RouteDefinition>>;

export interface FakeCall {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  header(name: string): string | undefined;
  /** The scenario this call runs in. */
  scenario: string;
  /** The user of the session, on routes with `auth: 'session'`. */
  userId?: string;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

export type RestHandlers<T extends RouteTable> = {
  readonly [K in keyof T]?: (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>;
};

export interface RestFakeOptions<T extends RouteTable> {
  service: string;
  routes: T;
  handlers: RestHandlers<T>;
  board: ScenarioBoard;
  sessions: SessionBook;
  verifier: CallerVerifier;
  log: Logger;
  port?: number;
}

export interface RunningRestFake {
  url: string;
  close(): Promise<void>;
}

/** An error answer in the shop's one error body. */
export function errorAnswer(status: number, code: string, message: string): FakeAnswer {
  return { status, body: { error: { code, message } } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sessionCheck(sessions: SessionBook): RequestHandler {
  return (req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const session = token === undefined ? undefined : sessions.find(token);
    if (session === undefined) throw new AppError('unauthorized', 'No valid session token', { status: 401 });
    res.locals.userId = session.user.id;
    next();
  };
}

const emptyBodyAllowed: RequestHandler = (req, _res, next) => {
  req.body ??= {};
  next();
};

/** The answer, if the route declares it for its status with a body it accepts. */
function checked(service: string, name: string, route: RouteDefinition, answer: FakeAnswer): FakeAnswer {
  const declared = route.responses[answer.status];
  const schema =
    declared === undefined ? undefined : (declared.body ?? (answer.status >= 400 ? ErrorBody : undefined));
  const problem =
    declared === undefined
      ? `status ${answer.status} is not one ${service} ${name} answers with`
      : schema === undefined
        ? answer.body === undefined
          ? undefined
          : `${service} ${name} answers ${answer.status} without a body`
        : schema
            .safeParse(answer.body)
            .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ');
  if (problem === undefined) return answer;
  return errorAnswer(
    500,
    'fake_drift',
    `The ${service} fake's answer does not match the contract: ${problem}`,
  );
}

function routeHandler(
  options: RestFakeOptions<RouteTable>,
  name: string,
  route: RouteDefinition,
): RequestHandler {
  const handler = options.handlers[name];
  return async (req: Request, res) => {
    const scenario = options.board.scenario(options.service, req.get(scenarioHeader));
    if (scenario === 'down') {
      req.socket.destroy();
      return;
    }
    if (scenario === 'slow') await sleep(slowMs);
    const answer =
      handler === undefined
        ? errorAnswer(
            501,
            'not_implemented',
            `The ${options.service} fake has no answer for ${name}: add one in packages/fakes/src/${options.service}.ts`,
          )
        : checked(
            options.service,
            name,
            route,
            await handler({
              params: req.params as Record<string, unknown>,
              query: req.query as Record<string, unknown>,
              body: req.body,
              header: (header) => req.get(header),
              scenario,
              userId: res.locals.userId as string | undefined,
            }),
          );
    if (answer.body === undefined) res.status(answer.status).end();
    else res.status(answer.status).json(answer.body);
  };
}

export async function startRestFake<T extends RouteTable>(
  options: RestFakeOptions<T>,
): Promise<RunningRestFake> {
  const host = createServiceHost({
    service: `fake-${options.service}`,
    log: options.log,
    signals: false,
    exit: () => {},
  });
  const routes = (app: Express) => {
    for (const [name, route] of Object.entries(options.routes)) {
      const steps: RequestHandler[] = [];
      if (route.headers?.shape['idempotency-key'] !== undefined) steps.push(requireIdempotencyKey);
      if (route.auth === 'session') steps.push(sessionCheck(options.sessions));
      // A body whose every field is optional may be left out, as payment's capture and refund allow.
      if (route.body?.safeParse({}).success === true) steps.push(emptyBodyAllowed);
      steps.push(validate({ params: route.params, query: route.query, body: route.body }) as RequestHandler);
      steps.push(routeHandler(options as RestFakeOptions<RouteTable>, name, route));
      app[route.method](route.path, ...steps);
    }
  };
  const listening = await host.listen({
    port: options.port ?? 0,
    routes,
    callers: { verifier: options.verifier, routes: [options.routes] },
  });
  return {
    url: `http://127.0.0.1:${listening.port}`,
    close: () => new Promise<void>((resolve) => listening.server.close(() => resolve())),
  };
}
