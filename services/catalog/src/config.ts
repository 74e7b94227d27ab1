// Every variable the catalog reads, validated once at boot (see .env.example for dev values).
import { catalogRoutes } from '@trio/contracts/catalog';
import {
  eventBusSettings,
  postgresSettings,
  RedisUrl,
  secret,
  serviceSettings,
} from '@trio/service-runtime/config';
import { acceptedCallers, identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

export const Config = z.object({
  ...serviceSettings({ name: 'catalog', httpPort: 3001 }),
  ...identitySettings({ calls: false, accepts: acceptedCallers(catalogRoutes) }),
  ...postgresSettings(),
  REDIS_URL: RedisUrl,
  /** Every key the catalog writes starts with this, so services (and test files) can share a Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).default('catalog:'),
  PRODUCT_CACHE_TTL_SECONDS: z.coerce.number().int().positive().default(300),
  ...eventBusSettings(),
  /** `Authorization: Bearer <token>` for the admin routes. */
  CATALOG_ADMIN_TOKEN: secret({ minLength: 16 }),
  /** Inserts the generated demo catalogue at startup; idempotent, so safe on every start. */
  SEED_ON_START: z.stringbool().default(false),
});
export type Config = z.infer<typeof Config>;
