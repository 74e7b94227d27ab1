// A ZeroRPC fake: the real @trio/rpc server (so the wire, the argument validation with its
// ValidationError, the built-ins `_zerorpc_inspect`… and the result check against the contract are
// the real ones) with the fake's handlers, wrapped by the scenario board: `slow` answers after a
// delay, `down` never answers (the caller's deadline runs out, as with a dead peer). A handler
// throws RpcError with a name the contract lists (`OutOfStock`) for a named error. CURVE is on when
// the real service's settings turn it on (its RPC_CURVE_SECRET_KEY and allowed clients), off
// otherwise, exactly as the real server.
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { createRpcServer, type RpcServerHandlers } from '@trio/rpc/server';
import { curveServerOptions } from '@trio/rpc/service';
import type { Logger } from '@trio/service-runtime/logger';
import { type ScenarioBoard, slowMs } from './scenarios.ts';

export interface RpcFakeOptions<S extends RpcServiceDefinition> {
  service: S;
  /** Each handler gets the current scenario after its arguments. */
  handlers: (scenario: () => string) => RpcServerHandlers<S>;
  board: ScenarioBoard;
  log: Logger;
  /** The real service's settings, for CURVE. */
  env: Record<string, string | undefined>;
  port?: number;
}

export interface RunningRpcFake {
  endpoint: string;
  close(): Promise<void>;
}

const never = new Promise<never>(() => {});

export async function startRpcFake<S extends RpcServiceDefinition>(
  options: RpcFakeOptions<S>,
): Promise<RunningRpcFake> {
  const name = options.service.name;
  const scenario = () => options.board.scenario(name);
  const inner = options.handlers(scenario) as Record<string, (...args: unknown[]) => unknown>;
  const handlers = Object.fromEntries(
    Object.entries(inner).map(([method, handler]) => [
      method,
      async (...args: unknown[]) => {
        const current = scenario();
        if (current === 'down') return never;
        if (current === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
        return handler(...args);
      },
    ]),
  ) as unknown as RpcServerHandlers<S>;
  const curve = curveServerOptions({
    RPC_CURVE_SECRET_KEY: options.env.RPC_CURVE_SECRET_KEY,
    RPC_CURVE_ALLOWED_CLIENTS: options.env.RPC_CURVE_ALLOWED_CLIENTS?.split(',')
      .map((key) => key.trim())
      .filter(Boolean),
  });
  const server = createRpcServer<S>({
    service: options.service,
    handlers,
    log: options.log,
    validateResults: true,
    ...curve,
  });
  const endpoint = await server.bind(`tcp://127.0.0.1:${options.port ?? '*'}`);
  return { endpoint, close: () => server.close({ timeoutMs: 1_000 }) };
}
