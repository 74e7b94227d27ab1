// Every variable profiles reads, validated once at boot (see .env.example for dev values).
import {
  eventBusSettings,
  postgresSettings,
  RedisUrl,
  secret,
  serviceSettings,
} from '@trio/service-runtime/config';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const Config = z.object({
  ...serviceSettings({ name: 'profiles', httpPort: 3002 }),
  ...postgresSettings(),
  REDIS_URL: RedisUrl,
  /** Every key profiles writes starts with this, so services (and test files) can share a Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).default('profiles:'),
  ...eventBusSettings(),
  /** Signs session tokens (HMAC-SHA256). Changing it logs everybody out. */
  SESSION_SECRET: secret({ minLength: 32 }),
  SESSION_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
  /** Login attempts allowed per email, and per client IP, in each fixed window. */
  LOGIN_MAX_ATTEMPTS_PER_EMAIL: positiveInt.default(5),
  LOGIN_MAX_ATTEMPTS_PER_IP: positiveInt.default(50),
  LOGIN_WINDOW_SECONDS: positiveInt.default(15 * 60),
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
