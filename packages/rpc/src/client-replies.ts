// What a server's answer means to the caller: a result checked against the contract, or an ERR
// turned into a RemoteError carrying the details the contract declares.
import type { RpcMethodDefinition } from '@trio/contracts/rpc';
import { headerKeys, type RpcEvent } from './codec.ts';
import { ProtocolError, RemoteError } from './errors.ts';

/** The result as the contract parses it; ProtocolError when it does not match. */
export function checkResult(
  definition: RpcMethodDefinition,
  serviceName: string,
  method: string,
  value: unknown,
  validate: boolean,
): unknown {
  if (!validate) return value;
  const parsed = definition.result.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ProtocolError(`${serviceName}.${method}: the result does not match the contract`, {
    cause: parsed.error,
  });
}

/** ERR args are `[name, message, traceback]`; our servers add structured details in the header. */
export function toRemoteError(event: RpcEvent, definition: RpcMethodDefinition | undefined): Error {
  const args = event.args;
  if (!Array.isArray(args) || typeof args[0] !== 'string') return new ProtocolError('malformed ERR reply');
  const [name, message, traceback] = args as [string, unknown, unknown];
  let details = event.header[headerKeys.errorDetails];
  const schema = definition?.errors[name]?.details;
  if (details !== undefined && schema !== undefined) {
    const parsed = schema.safeParse(details);
    if (parsed.success) details = parsed.data;
  }
  return new RemoteError(
    name,
    typeof message === 'string' ? message : String(message ?? ''),
    typeof traceback === 'string' ? traceback : '',
    details,
  );
}
