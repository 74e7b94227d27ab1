// The preload that starts a service's OpenTelemetry SDK before anything else is imported:
//
//   node --import @trio/service-runtime/instrument dist/main.js
//
// Services are ES modules, and pg, express and @redis/client are CommonJS packages imported from
// them: the instrumentations patch a module when it is loaded, so they must be registered before
// main.js's imports run (hence a preload, not a call in main.ts), and an `import` of a package from
// an ES module passes through Node's ESM loader, which only import-in-the-middle's hook (registered
// with module.register) sees. The hook is registered only when spans are exported, and then it
// wraps only the modules an instrumentation asked for (createAddHookMessageChannel), so with
// telemetry off the preload costs one provider and nothing per module or per call.
//
// service.name is OTEL_SERVICE_NAME or the service's SERVICE_NAME, service.version the version in
// the package.json beside the started script's folder (services/<name>/package.json).
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { libraryInstrumentations } from './instrumentations.ts';
import { startTelemetry, telemetrySettings } from './telemetry.ts';

function packageVersion(): string | undefined {
  const script = process.argv[1];
  if (script === undefined) return undefined;
  const manifest = join(dirname(dirname(resolve(script))), 'package.json');
  if (!existsSync(manifest)) return undefined;
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : undefined;
}

const service = process.env.OTEL_SERVICE_NAME ?? process.env.SERVICE_NAME ?? 'unknown_service:node';
if (telemetrySettings().exporting) {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  startTelemetry({ service, version: packageVersion() });
  registerInstrumentations({ instrumentations: libraryInstrumentations() });
  await waitForAllMessagesAcknowledged();
} else {
  startTelemetry({ service, version: packageVersion() });
}
