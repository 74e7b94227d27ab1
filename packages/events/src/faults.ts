// The AMQP side of faults on demand (docs/faults.md): each event a consumer of the service handles
// may wait first (`consumer-slow`), or fail (`reject`): the consumer then treats it as any failed
// delivery, retrying it through its retry tiers and dead-lettering it after the last attempt.
import { type Faults, injectedFault } from '@trio/service-runtime/faults';

type Handler = (...args: never[]) => Promise<void> | void;

export function withFaults<H extends object>(handlers: H, faults: Faults): H {
  const wrapped = Object.entries(handlers as Record<string, Handler>).map(([type, handler]) => [
    type,
    async (...args: never[]) => {
      const set = faults.current();
      const slow = set['consumer-slow'] ?? 0;
      if (slow > 0) {
        faults.injected('consumer-slow');
        await new Promise((resolve) => setTimeout(resolve, slow));
      }
      if (faults.roll(set.reject)) {
        faults.injected('reject');
        throw injectedFault('consumer');
      }
      await handler(...args);
    },
  ]);
  return Object.fromEntries(wrapped) as H;
}
