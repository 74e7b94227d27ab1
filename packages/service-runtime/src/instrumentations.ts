// The library instrumentations a service runs with when it exports spans (see instrument.ts).
// ZeroRPC, AMQP and the REST client make their own spans (@trio/rpc, @trio/events, http/peer.ts):
// the messaging spans carry the outbox's links and the retry and dead-letter events, which
// amqplib's instrumentation cannot know, and two layers of publish/process spans would only
// double the tree. undici's instrumentation is left out for the same reason: http/peer.ts makes the
// CLIENT span of every REST call and injects its context.
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';

/** Probes and scrapes are not requests anyone wants to see in a trace. */
const quietPaths = /^\/(healthz|readyz|metrics)(\?|$)/;

export function libraryInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => quietPaths.test(request.url ?? ''),
      // Outgoing REST calls use fetch (undici), traced by http/peer.ts.
      disableOutgoingRequestInstrumentation: true,
    }),
    // The route names the server span; helmet, body parsing and routers would only add rows.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    // A pool's own connect/health queries outside any request are noise: only queries of traced work.
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    new RedisInstrumentation({ requireParentSpan: true }),
  ];
}
