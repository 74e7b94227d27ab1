// profiles' HTTP routes as a pure factory: connections come in, nothing is opened here, so tests
// and main.ts build the same app. The runtime owns the express app around these routes (request
// ids, validation errors, 404s, /healthz, /readyz, /metrics).
import type { Express } from 'express';
import type { AccountDeps } from './domain/accounts.ts';
import { profilesHttpRoutes } from './entry-points/http/profiles.ts';

export interface AppDeps extends AccountDeps {
  /** Express `trust proxy`; undefined trusts no proxy. */
  trustProxy: string | number | undefined;
}

export function createApp(deps: AppDeps): (app: Express) => void {
  return (app) => {
    if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
    profilesHttpRoutes(app, deps);
  };
}
