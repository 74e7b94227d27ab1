// What an RPC service's main.ts does with its server: creates it on the service host's metrics
// registry, shuts the process down when a handler reports a catastrophic error, registers its closer
// (`rpc server`) so that it stops taking calls before the connections it uses close, and binds it.
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import type { ServiceHost } from '@trio/service-runtime/service';
import type { Logger } from 'pino';
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
