// What an RPC service's main.ts does with its server: creates it on the service host's metrics
// registry, shuts the process down when a handler reports a catastrophic error, registers its closer
// (`rpc server`) so that it stops taking calls before the connections it uses close, and binds it.
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { isLoopbackHost, markSecret } from '@trio/service-runtime/config';
import type { RestPeer } from '@trio/service-runtime/peer';
import type { ServiceHost } from '@trio/service-runtime/service';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createRpcClient, type RpcClientOptions, type RpcServiceClient } from './client.ts';
import type { Lookup } from './client-resolve.ts';
import { type CurveClientKeys, type CurveServerKeys, curvePublicKey, z85Key } from './curve.ts';
import { heartbeatsWanted, withFaults } from './faults.ts';
import { hostsFileLookup } from './hosts-file.ts';
import { type MethodsOverRest, type RestRoutesFor, rpcMethodsOverRest } from './over-rest.ts';
import { createRpcServer, type RpcServer, type RpcServerOptions } from './server.ts';
import { isStreamMethod } from './streams.ts';

export interface ServeRpcOptions<S extends RpcServiceDefinition>
  extends Omit<RpcServerOptions<S>, 'log' | 'registry' | 'onCatastrophicError'> {
  /** Interface to bind, e.g. `0.0.0.0` or `127.0.0.1`. */
  host: string;
  /** 0 picks a free port (ZeroMQ's `*`). */
  port: number;
  /** The host's logger by default. */
  log?: Logger;
}

export interface ServingRpc {
  server: RpcServer;
  /** The bound endpoint, e.g. `tcp://127.0.0.1:4242` (the real port when 0 was asked for). */
  endpoint: string;
}

export async function serveRpc<S extends RpcServiceDefinition>(
  host: ServiceHost,
  options: ServeRpcOptions<S>,
): Promise<ServingRpc> {
  const { host: bindHost, port, log = host.log, ...serverOptions } = options;
  const { faults } = host;
  const streams = new Set(
    Object.entries(serverOptions.service.methods)
      .filter(([, method]) => isStreamMethod(method))
      .map(([name]) => name),
  );
  const server = createRpcServer<S>({
    ...serverOptions,
    ...(faults === undefined
      ? {}
      : {
          handlers: withFaults(serverOptions.handlers, streams, faults),
          sendHeartbeats: heartbeatsWanted(faults),
        }),
    log,
    registry: host.metrics.registry,
    onCatastrophicError: () => void host.shutdown.shutdown('catastrophic error', 1),
  });
  host.shutdown.register('rpc server', () => server.close());
  const endpoint = await server.bind(`tcp://${bindHost}:${port === 0 ? '*' : port}`);
  log.info({ endpoint }, 'rpc server listening');
  // Served in-process too (SERVE_IN_PROCESS, the monolith): the same server on ZeroMQ's inproc
  // transport, so a client configured with `inproc://<service>` reaches it through memory, with
  // the same codec, validation, deadlines, heartbeats and errors as over TCP.
  if (host.inProcessName !== undefined) await server.bind(`inproc://${host.inProcessName}`);
  return { server, endpoint };
}

export type ConnectRpcOptions<S extends RpcServiceDefinition> = Omit<RpcClientOptions<S>, 'registry'>;

/**
 * A client of a peer's ZeroRPC service for a service host: the host's logger (unless given) and
 * metrics registry, and its closer registered (`<peer> rpc client`), so that it closes before the
 * connections the service's own handlers still use.
 */
export function connectRpc<S extends RpcServiceDefinition>(
  host: ServiceHost,
  options: ConnectRpcOptions<S>,
): RpcServiceClient<S> {
  const client = createRpcClient<S>({ log: host.log, registry: host.metrics.registry, ...options });
  host.shutdown.register(`${options.service.name} rpc client`, () => client.close());
  return client;
}

/**
 * Which transport carries a peer's calls where its contract has both (`SHIPPING_TRANSPORT`):
 * ZeroRPC by default, or the REST routes that answer the same methods (over-rest.ts).
 */
export const PeerTransport = z
  .enum(['zerorpc', 'rest'], { error: 'must be zerorpc or rest' })
  .default('zerorpc');
export type PeerTransport = z.output<typeof PeerTransport>;

/**
 * A caller's settings that connectPeerMethods reads: its own ZeroRPC client settings, and the
 * peer's by the names every service gives them (for shipping: SHIPPING_TRANSPORT, SHIPPING_ADDR,
 * SHIPPING_URL, SHIPPING_CURVE_KEY).
 */
export interface PeerMethodsConfig {
  readonly RPC_TIMEOUT_MS: number;
  readonly RPC_CURVE_PUBLIC_KEY?: string | undefined;
  readonly RPC_CURVE_SECRET_KEY?: string | undefined;
  readonly RPC_HOSTS_FILE?: string | undefined;
  readonly [variable: string]: unknown;
}

export interface ConnectPeerMethodsOptions<S extends RpcServiceDefinition, R extends RestRoutesFor<S>> {
  service: S;
  /** The routes answering the methods over REST; only these methods are returned. */
  routes: R;
  /** Makes the REST peer (its name, base URL and timeout), only when the transport is `rest`. */
  restPeer: (name: string, baseUrl: string, timeoutMs: number) => RestPeer;
}

/**
 * The methods of a peer that serves them over both transports, over the one its `<PEER>_TRANSPORT`
 * setting names: typed alike and throwing alike, so the code that calls them does not know which
 * it is. Each call has RPC_TIMEOUT_MS either way.
 */
export function connectPeerMethods<S extends RpcServiceDefinition, const R extends RestRoutesFor<S>>(
  host: ServiceHost,
  config: PeerMethodsConfig,
  options: ConnectPeerMethodsOptions<S, R>,
): MethodsOverRest<S, R> {
  const { service } = options;
  const stem = service.name.toUpperCase().replace(/-/g, '_');
  const setting = (suffix: string) => config[`${stem}_${suffix}`];
  if (PeerTransport.parse(setting('TRANSPORT')) === 'rest') {
    const url = setting('URL');
    if (typeof url !== 'string') throw new Error(`${stem}_TRANSPORT is rest but ${stem}_URL is not set`);
    return rpcMethodsOverRest(
      service,
      options.restPeer(service.name, url, config.RPC_TIMEOUT_MS),
      options.routes,
    );
  }
  const rpc = connectRpc(host, {
    service,
    endpoints: setting('ADDR') as readonly string[],
    timeoutMs: config.RPC_TIMEOUT_MS,
    ...curveClientOptions(config, setting('CURVE_KEY') as string | undefined),
    ...rpcDiscoveryOptions(config),
  });
  return rpc.methods;
}

/** A CURVE key in configuration: Z85 text, as `zmq.curveKeyPair()` or pyzmq's `zmq.curve_keypair()` print it. */
export const CurveKey = z.string().regex(z85Key, 'must be a 40-character Z85 CURVE key');

const keyList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  )
  .pipe(z.array(CurveKey).min(1, 'must list at least one client key'));

/**
 * A ZeroRPC server's CURVE settings: its secret key and the public keys of the clients it lets in.
 * Unset, the port speaks plain ZeroRPC (loopback only natively; compose and Kubernetes set them).
 * The secret key is a secret: production refuses the repository's development keys (`dev-…`).
 */
export function curveServerSettings() {
  return {
    RPC_CURVE_SECRET_KEY: markSecret(CurveKey.optional()),
    // Public keys, but under the same production rules: a development key listed here would let in
    // anyone who holds its published secret half.
    RPC_CURVE_ALLOWED_CLIENTS: markSecret(keyList.optional()),
  };
}

/** A ZeroRPC client's own CURVE key pair; the server keys are set per peer (`INVENTORY_CURVE_KEY`…). */
export function curveClientSettings() {
  return {
    RPC_CURVE_PUBLIC_KEY: CurveKey.optional(),
    RPC_CURVE_SECRET_KEY: markSecret(CurveKey.optional()),
  };
}

/**
 * A ZeroRPC server's public key in a client's config (`INVENTORY_CURVE_KEY`…). Production refuses a
 * development one: whoever holds its published secret half could pose as the server.
 */
export function peerCurveKey() {
  return markSecret(CurveKey.optional());
}

/**
 * `{ curve }` for serveRpc when the config sets a secret key (and then an allow-list). In
 * production a port bound beyond loopback must have CURVE: without it anyone who reaches the port
 * could reserve the whole stock.
 */
export function curveServerOptions(config: {
  NODE_ENV?: string | undefined;
  RPC_HOST?: string | undefined;
  RPC_CURVE_SECRET_KEY?: string | undefined;
  RPC_CURVE_ALLOWED_CLIENTS?: string[] | undefined;
}): { curve?: CurveServerKeys } {
  if (config.RPC_CURVE_SECRET_KEY === undefined) {
    if (
      config.NODE_ENV === 'production' &&
      config.RPC_HOST !== undefined &&
      !isLoopbackHost(config.RPC_HOST)
    ) {
      throw new Error(
        `RPC_CURVE_SECRET_KEY and RPC_CURVE_ALLOWED_CLIENTS are required in production when RPC_HOST (${config.RPC_HOST}) is not a loopback address`,
      );
    }
    return {};
  }
  if (config.RPC_CURVE_ALLOWED_CLIENTS === undefined) {
    throw new Error('RPC_CURVE_SECRET_KEY is set but RPC_CURVE_ALLOWED_CLIENTS is not: nobody could call');
  }
  return {
    curve: { secretKey: config.RPC_CURVE_SECRET_KEY, allowedClients: config.RPC_CURVE_ALLOWED_CLIENTS },
  };
}

/** `{ curve }` for connectRpc when the peer's server key is set (and then this client's key pair). */
export function curveClientOptions(
  config: { RPC_CURVE_PUBLIC_KEY?: string | undefined; RPC_CURVE_SECRET_KEY?: string | undefined },
  serverKey: string | undefined,
): { curve?: CurveClientKeys } {
  if (serverKey === undefined) return {};
  if (config.RPC_CURVE_PUBLIC_KEY === undefined || config.RPC_CURVE_SECRET_KEY === undefined) {
    throw new Error(
      'a peer has a CURVE key but RPC_CURVE_PUBLIC_KEY and RPC_CURVE_SECRET_KEY are not both set',
    );
  }
  // A mismatched pair would be refused by every server with no word why: say it here.
  if (curvePublicKey(config.RPC_CURVE_SECRET_KEY) !== config.RPC_CURVE_PUBLIC_KEY) {
    throw new Error('RPC_CURVE_PUBLIC_KEY is not the public key of RPC_CURVE_SECRET_KEY');
  }
  return {
    curve: { serverKey, publicKey: config.RPC_CURVE_PUBLIC_KEY, secretKey: config.RPC_CURVE_SECRET_KEY },
  };
}

/**
 * Where a ZeroRPC client's peer names are looked up: RPC_HOSTS_FILE, a file in /etc/hosts format
 * read at each lookup (every second), before DNS. `npm start -- --replicas` sets it (`.trio/hosts`),
 * so that `tcp://inventory:4242` stands for every native replica; unset, names go to DNS only.
 */
export function rpcDiscoverySettings() {
  return { RPC_HOSTS_FILE: z.string().min(1).optional() };
}

/**
 * `{ lookup, resolveEveryMs }` for connectRpc when the config names a hosts file: read every second
 * (a local file costs nothing to read, unlike a DNS query), so a deploy's change reaches the callers
 * within a second.
 */
export function rpcDiscoveryOptions(config: { RPC_HOSTS_FILE?: string | undefined }): {
  lookup?: Lookup;
  resolveEveryMs?: number;
} {
  return config.RPC_HOSTS_FILE === undefined
    ? {}
    : { lookup: hostsFileLookup(config.RPC_HOSTS_FILE), resolveEveryMs: 1_000 };
}
export type { MethodsOverRest } from './over-rest.ts';
