// What a test file imports FIRST to trace the in-process shop: an OTLP/HTTP receiver, the standard
// variables pointing at it, the SDK and the library instrumentations, all before any module of the
// shop (pg, express, redis) is evaluated, as the `--import` preload does for a service process.
// Nothing here may import pg or the services.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { libraryInstrumentations } from '@trio/service-runtime/instrumentations';
import { type OtlpReceiver, startOtlpReceiver } from '@trio/service-runtime/otlp-receiver';
import { startTelemetry, type Telemetry } from '@trio/service-runtime/telemetry';

export interface Tracing {
  receiver: OtlpReceiver;
  telemetry: Telemetry;
}

let current: Tracing | undefined;

/** The tracing a test file's first (side-effect) import started. */
export function currentTracing(): Tracing {
  if (current === undefined) throw new Error('import ./support/trace-json.ts or trace-protobuf.ts first');
  return current;
}

export async function startTracing(protocol: 'http/json' | 'http/protobuf'): Promise<Tracing> {
  // Before the first await: while this module awaits, the test file's other imports evaluate (a
  // top-level await holds back only the modules that depend on it), pg and express among them.
  // The instrumentations reach the provider through the API's proxy, so it may come later.
  registerInstrumentations({ instrumentations: libraryInstrumentations() });
  const receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
  const telemetry = startTelemetry({ service: 'trio-shop-in-process' });
  current = { receiver, telemetry };
  return current;
}
