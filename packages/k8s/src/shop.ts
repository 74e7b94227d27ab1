// The shop as the manifests must deploy it, written down once: its services, their ports and the
// credentials each one reads from its Secret. The checks hold the manifests against this.

export interface ShopService {
  name: string;
  /** The HTTP API's port, or the admin port (/healthz, /readyz, /metrics) of a ZeroRPC service. */
  httpPort: number;
  /** A public service's admin port: /healthz, /readyz and /metrics, which its HTTP port does not serve. */
  adminPort?: number;
  rpcPort?: number;
  /** Keys of the Secret trio-<name>: every credential the service reads, nothing else. */
  secretKeys: readonly string[];
  /** Owns a PostgreSQL schema named like the service, migrated from services/<name>/migrations. */
  ownsSchema: boolean;
}

/** A ZeroRPC server's CURVE key and allow-list: on in both overlays. */
const rpcServerKeys = ['RPC_CURVE_SECRET_KEY', 'RPC_CURVE_ALLOWED_CLIENTS'];
/** A ZeroRPC client's CURVE key pair and its peers' server keys. */
const rpcClientKeys = (peers: readonly string[]) => [
  'RPC_CURVE_PUBLIC_KEY',
  'RPC_CURVE_SECRET_KEY',
  ...peers.map((peer) => `${peer}_CURVE_KEY`),
];

export const shopServices: readonly ShopService[] = [
  {
    name: 'front-end',
    httpPort: 8080,
    adminPort: 3008,
    secretKeys: [
      'REDIS_URL',
      'AMQP_URL',
      'SESSION_SECRET',
      'SERVICE_PRIVATE_KEY',
      ...rpcClientKeys(['INVENTORY', 'SHIPPING', 'RECOMMENDATIONS']),
    ],
    ownsSchema: false,
  },
  {
    name: 'catalog',
    httpPort: 3001,
    secretKeys: [
      'DATABASE_URL',
      'REDIS_URL',
      'AMQP_URL',
      'CATALOG_ADMIN_TOKEN',
      'FRONT_END_PUBLIC_KEY',
      'BILLING_PUBLIC_KEY',
    ],
    ownsSchema: true,
  },
  {
    name: 'profiles',
    httpPort: 3002,
    secretKeys: [
      'DATABASE_URL',
      'REDIS_URL',
      'AMQP_URL',
      'SESSION_SECRET',
      'FRONT_END_PUBLIC_KEY',
      'BILLING_PUBLIC_KEY',
    ],
    ownsSchema: true,
  },
  {
    name: 'payment',
    httpPort: 3003,
    secretKeys: ['DATABASE_URL', 'AMQP_URL', 'IDEMPOTENCY_SECRET', 'BILLING_PUBLIC_KEY'],
    ownsSchema: true,
  },
  {
    name: 'billing',
    httpPort: 3004,
    secretKeys: [
      'DATABASE_URL',
      'AMQP_URL',
      'IDEMPOTENCY_SECRET',
      'SERVICE_PRIVATE_KEY',
      'FRONT_END_PUBLIC_KEY',
      ...rpcClientKeys(['INVENTORY', 'SHIPPING']),
    ],
    ownsSchema: true,
  },
  {
    name: 'inventory',
    httpPort: 3005,
    rpcPort: 4242,
    secretKeys: ['DATABASE_URL', 'AMQP_URL', ...rpcServerKeys],
    ownsSchema: true,
  },
  {
    name: 'shipping',
    httpPort: 3006,
    rpcPort: 4243,
    secretKeys: ['DATABASE_URL', 'AMQP_URL', ...rpcServerKeys, 'FRONT_END_PUBLIC_KEY', 'BILLING_PUBLIC_KEY'],
    ownsSchema: true,
  },
  {
    name: 'recommendations',
    httpPort: 3007,
    rpcPort: 4244,
    secretKeys: ['DATABASE_URL', 'AMQP_URL', ...rpcServerKeys],
    ownsSchema: true,
  },
];

export const serviceNames = shopServices.map((service) => service.name);

export function shopService(name: string): ShopService {
  const service = shopServices.find((candidate) => candidate.name === name);
  if (service === undefined) throw new Error(`${name} is not one of the shop's services`);
  return service;
}

/** The Secret a service's credentials come from. */
export const secretName = (service: string) => `trio-${service}`;

/** The infrastructure: pods of the dev overlay, managed services outside the cluster in prod. */
export const infrastructure = [
  { name: 'postgres', port: 5432, image: 'postgres:16-bookworm' },
  { name: 'redis', port: 6379, image: 'redis:7-bookworm' },
  { name: 'rabbitmq', port: 5672, image: 'rabbitmq:3-management' },
] as const;
