// The context a handler runs in, built by the runtime's createContext() from the caller's
// traceparent and correlation id, but only when something first reads it (a log line, an
// outgoing call, the handler itself). createContext() draws its ids with two synchronous
// randomBytes() calls, about a third of the server's CPU for a small call; most quick calls
// never look at their context, so they should not pay for it.
import { createContext, type IncomingIds, type RequestContext } from '@trio/service-runtime/context';

interface State {
  incoming: IncomingIds;
  context: RequestContext | undefined;
}

const fields: ReadonlySet<string | symbol> = new Set([
  'requestId',
  'traceId',
  'spanId',
  'traceFlags',
  'correlationId',
] satisfies (keyof RequestContext)[]);

function resolve(state: State): RequestContext {
  state.context ??= createContext(state.incoming);
  return state.context;
}

// A proxy rather than getters so that reading, destructuring, spreading and JSON.stringify all
// see the real context's fields as plain own properties.
const handler: ProxyHandler<State> = {
  get: (state, key) => (fields.has(key) ? resolve(state)[key as keyof RequestContext] : undefined),
  has: (_state, key) => fields.has(key),
  ownKeys: () => [...fields],
  getOwnPropertyDescriptor: (state, key) =>
    fields.has(key)
      ? {
          value: resolve(state)[key as keyof RequestContext],
          enumerable: true,
          configurable: true,
          writable: false,
        }
      : undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

export function createLazyContext(incoming: IncomingIds): RequestContext {
  return new Proxy<State>({ incoming, context: undefined }, handler) as unknown as RequestContext;
}
