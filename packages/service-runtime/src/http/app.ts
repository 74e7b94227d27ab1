// The express app every HTTP service starts from. The service adds only its routes; security
// headers, request ids, body limits, logging, metrics, probes, 404s and error mapping are here, the
// same everywhere. Without routes it is the admin app of an RPC or AMQP service: probes and metrics.

import type { RouteDefinition } from '@trio/contracts/http';
import express, { type Express } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import type { Logger } from 'pino';
import type { AppError } from '../errors.ts';
import type { Faults } from '../faults/faults.ts';
import { faultMiddleware } from '../faults/http.ts';
import { faultsPage } from '../faults/page.ts';
import type { Health } from '../health.ts';
import type { Metrics } from '../metrics.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { type CallerVerifier, guardRoutes } from './identity.ts';
import { probes } from './probes.ts';
import { requestContext } from './request-context.ts';
import { requestLog } from './request-log.ts';

export interface HttpAppOptions {
  log: Logger;
  metrics: Metrics;
  health: Health;
  /** Mounts /healthz, /readyz and /metrics (true by default); false when an admin listener serves them. */
  probes?: boolean;
  /** Adds the service's routes. Handlers may be async: express 5 forwards rejections to the error mapper. */
  routes?: (app: Express) => void;
  /** The service's route tables and its verifier: each route then admits only its `callers`. */
  callers?: CallerCheck;
  /** Largest JSON body accepted; beyond it, 413. */
  bodyLimit?: string | number;
  /** Called after answering a catastrophic AppError; the service host shuts the process down. */
  onCatastrophicError?: (error: AppError) => void;
  /** helmet's options: a service serving pages sets its own Content-Security-Policy. */
  security?: HelmetOptions;
  /** Faults on demand (FAULTS_ENABLED): applied to every request but the probes. */
  faults?: Faults;
  /** Faults on demand to list on GET /faults, served with the probes. */
  faultsPage?: Faults;
}

export interface CallerCheck {
  verifier: CallerVerifier;
  routes: readonly Readonly<Record<string, RouteDefinition>>[];
}

export function createHttpApp(options: HttpAppOptions): Express {
  const { log, metrics, health } = options;
  const app = express();
  app.use(helmet(options.security));
  if (options.probes !== false) app.use(probes(health, metrics));
  // The operator's page of faults, beside the probes (loopback callers only).
  if (options.probes !== false && options.faultsPage !== undefined)
    app.get('/faults', faultsPage(options.faultsPage));
  app.use(requestContext());
  app.use(requestLog(log, metrics));
  if (options.faults !== undefined) app.use(faultMiddleware(options.faults));
  // Before the body is read: a caller that may not call a route gets nothing more than its answer.
  if (options.callers !== undefined) guardRoutes(app, options.callers.verifier, ...options.callers.routes);
  // body-parser's raw-body continues in the request's async context, so handlers keep its ids.
  app.use(express.json({ limit: options.bodyLimit ?? '100kb' }));
  options.routes?.(app);
  app.use(notFound());
  app.use(errorHandler({ log, onCatastrophicError: options.onCatastrophicError }));
  return app;
}
