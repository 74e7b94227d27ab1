// The eight services as the launcher runs them: where each lives, the port its /readyz answers
// on (every one bound to 127.0.0.1, their .env.example's HTTP_HOST and RPC_HOST), and in which order they stop (callers before the services they call, so that no request in
// flight loses its peer). Each service's settings are its own `.env.example` (the documented dev
// values), then its `.env` if a developer wrote one, then the launcher's environment for the keys
// the service knows (DATABASE_URL=… npm start points every service at another database).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export interface ServiceSpec {
  name: string;
  /** The API port, or the admin port of a ZeroRPC service. */
  httpPort: number;
  /** The front-end's admin port: its /healthz and /readyz, which its public port does not serve. */
  adminPort?: number;
  rpcPort?: number;
  /** A replica's own loopback address (`--replicas`, replicas.ts); 127.0.0.1 otherwise. */
  address?: string;
}

/** The port whose /readyz the launcher polls. */
export function readinessPort(spec: ServiceSpec): number {
  return spec.adminPort ?? spec.httpPort;
}

export const services: readonly ServiceSpec[] = [
  { name: 'catalog', httpPort: 3001 },
  { name: 'profiles', httpPort: 3002 },
  { name: 'payment', httpPort: 3003 },
  { name: 'inventory', httpPort: 3005, rpcPort: 4242 },
  { name: 'shipping', httpPort: 3006, rpcPort: 4243 },
  { name: 'recommendations', httpPort: 3007, rpcPort: 4244 },
  { name: 'billing', httpPort: 3004 },
  { name: 'front-end', httpPort: 8080, adminPort: 3008 },
];

/** Stopped group by group: the storefront first, then billing, then everything they call. */
export const stopOrder: readonly (readonly string[])[] = [
  ['front-end'],
  ['billing'],
  ['catalog', 'profiles', 'payment', 'inventory', 'shipping', 'recommendations'],
];

export function serviceDir(root: string, name: string): string {
  return join(root, 'services', name);
}

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Each service's own: the launcher's environment never overrides them. */
const fixedKeys = new Set(['SERVICE_NAME', 'HTTP_PORT', 'ADMIN_PORT', 'RPC_PORT']);

/** The service's environment: .env.example, then .env, then `overrides` for keys the service has. */
export function serviceEnv(
  root: string,
  name: string,
  overrides: Record<string, string | undefined>,
): Record<string, string> {
  const dir = serviceDir(root, name);
  const env = { ...readEnvFile(join(dir, '.env.example')), ...readEnvFile(join(dir, '.env')) };
  for (const key of Object.keys(env)) {
    const value = overrides[key];
    if (value !== undefined && !fixedKeys.has(key)) env[key] = value;
  }
  return env;
}

/**
 * Faults on demand (`npm run fault`, docs/faults.md) are on for the shop `npm start` runs (it is a
 * development shop), read from the Redis the shop uses; FAULTS_ENABLED=false npm start turns them off.
 */
export function faultEnv(env: Record<string, string | undefined>): Record<string, string> {
  return {
    FAULTS_ENABLED: env.FAULTS_ENABLED ?? 'true',
    FAULTS_REDIS_URL: env.FAULTS_REDIS_URL ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...(env.FAULTS_KEY_PREFIX === undefined ? {} : { FAULTS_KEY_PREFIX: env.FAULTS_KEY_PREFIX }),
  };
}

/** Node's options for every service: the OpenTelemetry preload (docs/observability.md). */
export const serviceNodeOptions: readonly string[] = ['--import', '@trio/service-runtime/instrument'];

/** OpenTelemetry's standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, …) reach every service as they are. */
export function telemetryEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('OTEL_') && entry[1] !== undefined,
    ),
  );
}
