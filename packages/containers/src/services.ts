// The eight services as images and containers: their ports, which port answers /healthz, and
// which ones may be scaled (no state of their own beyond PostgreSQL, no published port).
export interface ImageSpec {
  name: string;
  /** The API port, or a ZeroRPC service's admin port (/healthz, /readyz, /metrics). */
  httpPort: number;
  /** A public service's admin port: its /healthz, /readyz and /metrics are there, not on httpPort. */
  adminPort?: number;
  rpcPort?: number;
}

/** The port that answers /healthz and /readyz. */
export function probePort(spec: ImageSpec): number {
  return spec.adminPort ?? spec.httpPort;
}

export const images: readonly ImageSpec[] = [
  { name: 'catalog', httpPort: 3001 },
  { name: 'profiles', httpPort: 3002 },
  { name: 'payment', httpPort: 3003 },
  { name: 'billing', httpPort: 3004 },
  { name: 'inventory', httpPort: 3005, rpcPort: 4242 },
  { name: 'shipping', httpPort: 3006, rpcPort: 4243 },
  { name: 'recommendations', httpPort: 3007, rpcPort: 4244 },
  { name: 'front-end', httpPort: 8080, adminPort: 3008 },
];

/** The base image every service image starts from (glibc: zeromq's and argon2's prebuilt binaries need it). */
export const baseImage = 'node:24-bookworm-slim';

/** The turbo release `turbo prune` runs with inside the build (the repository's own turbo major). */
export const turboVersion = '2';
