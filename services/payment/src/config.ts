// Every variable payment reads, validated once at boot (see .env.example for dev values).
import { paymentRoutes } from '@trio/contracts/payment';
import { eventBusSettings, postgresSettings, secret, serviceSettings } from '@trio/service-runtime/config';
import { acceptedCallers, identitySettings } from '@trio/service-runtime/identity';
import { z } from 'zod';

export const Config = z.object({
  ...serviceSettings({ name: 'payment', httpPort: 3003 }),
  ...identitySettings({ calls: false, accepts: acceptedCallers(paymentRoutes) }),
  ...postgresSettings(),
  ...eventBusSettings(),
  /**
   * Keys the fingerprint of each idempotent request. Requests carry card numbers, and a plain hash
   * of a card number is easy to reverse; a keyed one is not without this secret.
   */
  IDEMPOTENCY_SECRET: secret({ minLength: 16 }),
  /** How long the slow test card 4000000000003220 takes to authorize. */
  SLOW_CARD_DELAY_MS: z.coerce.number().int().nonnegative().default(3000),
});
export type Config = z.infer<typeof Config>;
