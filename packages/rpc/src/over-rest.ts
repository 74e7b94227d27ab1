// An RPC contract's methods answered over REST instead of ZeroRPC: by the routes the same service
// serves for them with the same schemas (`shippingRoutes.quote` for `shippingRpc.quote`), through
// the typed REST client of those routes. A call's arguments become the route's JSON body, named by
// the method's `argNames`; the route's success body is the result; an error the method's contract
// names (`UnsupportedDestination`) comes back as the RemoteError a ZeroRPC call throws, from the
// REST error code it is the snake_case of (`unsupported_destination`, as the RPC server maps
// AppError codes the other way). So a caller's code is the same over both transports, and a
// setting (`SHIPPING_TRANSPORT`) picks one: see `connectPeerMethods` in service.ts.
import type { RouteDefinition } from '@trio/contracts/http';
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';
import { createRestClient, InvalidPeerCall } from '@trio/service-runtime/rest-client';
import { BrokenCircuitError, handleWhen, retry } from 'cockatiel';
import type { RpcMethods } from './client.ts';
import { retryBackoff } from './client-unary.ts';
import { RemoteError } from './errors.ts';
import { pascalCase } from './server-replies.ts';
import type { UnaryMethodName } from './streams.ts';

type MethodName<S extends RpcServiceDefinition> = UnaryMethodName<S['methods']>;

/** The REST route answering each method, keyed by the method's name. */
export type RestRoutesFor<S extends RpcServiceDefinition> = Partial<
  Readonly<Record<MethodName<S>, RouteDefinition>>
>;

/** The methods of `service` that `routes` answer, typed as the ZeroRPC client's. */
export type MethodsOverRest<S extends RpcServiceDefinition, R> = Pick<RpcMethods<S>, keyof R & MethodName<S>>;

interface ErrorAnswer {
  error: { code: string; message: string; details?: unknown };
}

export interface OverRestOptions {
  /**
   * Retries of an idempotent method whose call got no answer (a timeout, a refused or dropped
   * connection), as the ZeroRPC client retries after TimeoutExpired or LostRemote: 2 by default.
   * A method the contract does not mark idempotent is never retried (the peer may have acted).
   */
  retries?: number;
}

/** No answer came (not an open circuit: retrying that only waits to fail again). */
const unanswered = (error: unknown) =>
  error instanceof PeerUnavailable && !(error.cause instanceof BrokenCircuitError);

/**
 * `service`'s methods that `routes` answer, over `peer`. Throws as a ZeroRPC call would: a
 * RemoteError named by the contract for its errors, `ValidationError` for arguments the contract
 * refuses (here or, with a 400, at the peer), and PeerUnavailable when no answer came or the peer refused this caller (a
 * 401 or 403: a ZeroRPC server refusing a CURVE key does not answer either).
 */
export function rpcMethodsOverRest<S extends RpcServiceDefinition, const R extends RestRoutesFor<S>>(
  service: S,
  peer: RestPeer,
  routes: R,
  options: OverRestOptions = {},
): MethodsOverRest<S, R> {
  const retries = options.retries ?? 2;
  const again =
    retries > 0
      ? retry(handleWhen(unanswered), {
          maxAttempts: retries,
          backoff: retryBackoff(),
        })
      : undefined;
  const client = createRestClient(peer, routes as Readonly<Record<string, RouteDefinition>>) as Record<
    string,
    (call: { body: unknown }) => Promise<{ status: number; body: unknown }>
  >;
  const methods = Object.keys(routes).map((name) => {
    const method = service.methods[name];
    const call = client[name];
    if (method === undefined || call === undefined) throw new Error(`${service.name} has no method ${name}`);
    const invoke = async (...args: unknown[]) => {
      const body = Object.fromEntries(method.argNames.map((argName, index) => [argName, args[index]]));
      let reply: { status: number; body: unknown };
      try {
        reply = method.idempotent && again ? await again.execute(() => call({ body })) : await call({ body });
      } catch (error) {
        // Refused before it left (the REST client checks the body); a ZeroRPC server refuses the
        // same arguments with ValidationError, so the caller sees that either way.
        if (error instanceof InvalidPeerCall) throw new RemoteError('ValidationError', error.message);
        throw error;
      }
      if (reply.status >= 200 && reply.status < 300) return reply.body;
      const { error } = reply.body as ErrorAnswer;
      const errorName = pascalCase(error.code);
      if (errorName in method.errors) throw new RemoteError(errorName, error.message, '', error.details);
      if (reply.status === 400) throw new RemoteError('ValidationError', error.message, '', error.details);
      throw new PeerUnavailable(
        peer.name,
        new Error(`${name}: ${reply.status} ${error.code}: ${error.message}`),
      );
    };
    return [name, invoke] as const;
  });
  return Object.fromEntries(methods) as unknown as MethodsOverRest<S, R>;
}
