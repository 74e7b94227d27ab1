#!/usr/bin/env node
// Applies a service's migrations and exits: what a Kubernetes init container or Job runs before
// the service starts (the service itself also migrates at start; both are safe to run at once and
// twice, through the per-schema advisory lock).
//
//   DATABASE_URL=postgres://… node packages/service-runtime/dist/migrate-cli.js <schema> <migrations dir>
import { createLogger } from './logger.ts';
import { migrate } from './postgres.ts';

const [schema, dir] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
const log = createLogger({ service: `${schema ?? 'unknown'}-migrate`, level: 'info' });
if (schema === undefined || dir === undefined || url === undefined || url === '') {
  log.fatal('usage: DATABASE_URL=postgres://… migrate-cli <schema> <migrations dir>');
  process.exit(2);
}
try {
  await migrate({ url, schema, dir, log });
} catch (error) {
  log.fatal({ err: error, schema }, 'migrations failed');
  process.exit(1);
}
