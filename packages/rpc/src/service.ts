// What an RPC service's main.ts does with its server: creates it on the service host's metrics
// registry, shuts the process down when a handler reports a catastrophic error, registers its closer
// (`rpc server`) so that it stops taking calls before the connections it uses close, and binds it.
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import type { ServiceHost } from '@trio/service-runtime/service';
import type { Logger } from 'pino';
import { createRpcClient, type RpcClientOptions, type RpcServiceClient } from './client.ts';
import { createRpcServer, type RpcServer, type RpcServerOptions } from './server.ts';

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
  const server = createRpcServer<S>({
    ...serverOptions,
    log,
    registry: host.metrics.registry,
    onCatastrophicError: () => void host.shutdown.shutdown('catastrophic error', 1),
  });
  host.shutdown.register('rpc server', () => server.close());
  const endpoint = await server.bind(`tcp://${bindHost}:${port === 0 ? '*' : port}`);
  log.info({ endpoint }, 'rpc server listening');
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
