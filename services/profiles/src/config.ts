// Every variable profiles reads, validated once at boot (see .env.example for dev values).
import { profilesRoutes } from '@trio/contracts/profiles';
import {
  eventBusSettings,
  postgresSettings,
  RedisUrl,
  secret,
  serviceSettings,
} from '@trio/service-runtime/config';
import { acceptedCallers, identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const Config = z.object({
  ...serviceSettings({ name: 'profiles', httpPort: 3002 }),
  ...identitySettings({ calls: false, accepts: acceptedCallers(profilesRoutes) }),
  ...postgresSettings(),
  REDIS_URL: RedisUrl,
  /** Every key profiles writes starts with this, so services (and test files) can share a Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).default('profiles:'),
  ...eventBusSettings(),
  /** Signs session tokens (HMAC-SHA256). Changing it logs everybody out. */
  SESSION_SECRET: secret({ minLength: 32 }),
  SESSION_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
  /** Failed logins of one email from one shopper address that cost no wait (OWASP: count failures). */
  LOGIN_FREE_FAILURES: positiveInt.default(5),
  /** The wait after the last free failure; every further failure doubles it, up to the maximum. */
  LOGIN_BACKOFF_SECONDS: positiveInt.default(30),
  LOGIN_MAX_BACKOFF_SECONDS: positiveInt.default(15 * 60),
  /** Failed logins of any email from one shopper address in the window: credential stuffing. */
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt.default(50),
  /** How long failures are remembered after the latest. */
  LOGIN_WINDOW_SECONDS: positiveInt.default(15 * 60),
  /** Registrations from one shopper address (each an argon2 hash) per registration window. */
  REGISTRATIONS_PER_ADDRESS: positiveInt.default(10),
  REGISTRATION_WINDOW_SECONDS: positiveInt.default(60 * 60),
  /**
   * Express `trust proxy`, for the client IP the per-IP limit counts: a hop count (`1`) or the
   * proxies' addresses (`loopback, 10.0.0.0/8`). Unset, X-Forwarded-For is ignored, so behind a
   * proxy every client would share the proxy's IP and its limit.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : value)),
});
export type Config = z.infer<typeof Config>;
