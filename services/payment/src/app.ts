// payment's HTTP routes as a pure factory: connections come in, nothing is opened here, so tests
// and main.ts build the same app. The runtime owns the express app around these routes (request
// ids, validation errors, 404s, /healthz, /readyz, /metrics).
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Express } from 'express';
import { paymentHttpRoutes } from './entry-points/http/payments.ts';

export interface AppDeps {
  db: Postgres;
  idempotencySecret: string;
  slowCardDelayMs: number;
}

export function createApp(deps: AppDeps): (app: Express) => void {
  return (app) => {
    paymentHttpRoutes(app, {
      db: deps.db,
      secret: deps.idempotencySecret,
      slowCardDelayMs: deps.slowCardDelayMs,
    });
  };
}
