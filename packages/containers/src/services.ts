// The eight services as images and containers: their ports, which port answers /healthz, and
// which ones may be scaled (no state of their own beyond PostgreSQL, no published port).
export interface ImageSpec {
  name: string;
  /** The port of /healthz and /readyz (the API, or a ZeroRPC service's admin port). */
  httpPort: number;
  rpcPort?: number;
}

export const images: readonly ImageSpec[] = [
  { name: 'catalog', httpPort: 3001 },
  { name: 'profiles', httpPort: 3002 },
  { name: 'payment', httpPort: 3003 },
  { name: 'billing', httpPort: 3004 },
  { name: 'inventory', httpPort: 3005, rpcPort: 4242 },
  { name: 'shipping', httpPort: 3006, rpcPort: 4243 },
  { name: 'recommendations', httpPort: 3007, rpcPort: 4244 },
  { name: 'front-end', httpPort: 8080 },
];

/** The base image every service image starts from (glibc: zeromq's and argon2's prebuilt binaries need it). */
export const baseImage = 'node:24-bookworm-slim';

/** The turbo release `turbo prune` runs with inside the build (the repository's own turbo major). */
export const turboVersion = '2';
