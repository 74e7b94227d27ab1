// The catalog's HTTP routes as a pure factory: connections come in, nothing is opened here, so
// tests and main.ts build the same app. The runtime owns the express app around these routes
// (request ids, validation errors, 404s, /healthz, /readyz, /metrics).
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Redis } from '@trio/service-runtime/redis';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createProductCache } from './data-access/product-cache.ts';
import type { CatalogDeps } from './domain/products.ts';
import { categoryRoutes } from './entry-points/http/categories.ts';
import { imageRoutes } from './entry-points/http/images.ts';
import { productRoutes } from './entry-points/http/products.ts';
import { requireAdmin } from './entry-points/http/require-admin.ts';

export interface AppDeps {
  db: Postgres;
  cache: Redis;
  log: Logger;
  adminToken: string;
  productCacheTtlSeconds: number;
}

export function createApp(deps: AppDeps): (app: Express) => void {
  const catalog: CatalogDeps = {
    db: deps.db,
    cache: createProductCache({ redis: deps.cache, ttlSeconds: deps.productCacheTtlSeconds, log: deps.log }),
  };
  const admin = requireAdmin(deps.adminToken);
  return (app) => {
    productRoutes(app, catalog, admin);
    categoryRoutes(app, catalog);
    imageRoutes(app, catalog);
  };
}
