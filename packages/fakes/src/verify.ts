// Replays the consumers' recorded expectations (expectations.ts) against one side: a provider's
// fake or the real provider. Every broken expectation comes back as a sentence naming the consumer,
// the provider, the route or method and the scenario.
import { ErrorBody } from '@trio/contracts/common';
import type { RouteDefinition } from '@trio/contracts/http';
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { createRpcClient } from '@trio/rpc/client';
import type { CurveClientKeys } from '@trio/rpc/curve';
import { RemoteError } from '@trio/rpc/errors';
import {
  type Interaction,
  interactions,
  type RestInteraction,
  type RestRequest,
  type RpcInteraction,
  type States,
} from './expectations.ts';
import { restFakes, rpcFakes } from './start.ts';

export interface Side {
  name: string;
  /** Base URL of each REST provider. */
  urls: Readonly<Record<string, string>>;
  /** Endpoint of each ZeroRPC provider. */
  endpoints: Readonly<Record<string, string>>;
  /** The CURVE keys to call each ZeroRPC provider with, where its port has them. */
  curve?: Readonly<Record<string, CurveClientKeys | undefined>>;
  states: States;
  /** The `Trio-Caller` header `consumer` sends to `provider`. */
  callerHeaders(consumer: string, provider: string): Promise<Record<string, string>>;
  /** A fake switches to the interaction's scenario first; a real provider has none. */
  scenario?(provider: string, scenario: string): void;
}

const at = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      value,
    );

function fieldProblems(
  body: unknown,
  expect: { fields: readonly string[]; values?: Readonly<Record<string, unknown>> },
): string[] {
  const missing = expect.fields
    .filter((field) => at(body, field) === undefined)
    .map((field) => `no ${field}`);
  const wrong = Object.entries(expect.values ?? {})
    .filter(([field, value]) => JSON.stringify(at(body, field)) !== JSON.stringify(value))
    .map(([field, value]) => `${field} is ${JSON.stringify(at(body, field))}, not ${JSON.stringify(value)}`);
  return [...missing, ...wrong];
}

async function send(side: Side, interaction: RestInteraction, route: RouteDefinition, request: RestRequest) {
  let path = route.path;
  for (const [name, value] of Object.entries(request.params ?? {}))
    path = path.replace(`:${name}`, encodeURIComponent(value));
  const query = new URLSearchParams(request.query ?? {}).toString();
  const response = await fetch(
    `${side.urls[interaction.provider]}${path}${query === '' ? '' : `?${query}`}`,
    {
      method: route.method.toUpperCase(),
      headers: {
        ...(await side.callerHeaders(interaction.consumer, interaction.provider)),
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    },
  );
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function restProblems(side: Side, interaction: RestInteraction): Promise<string[]> {
  const routes = restFakes[interaction.provider]?.routes ?? {};
  const route = routes[interaction.route];
  if (route === undefined) return [`${interaction.provider} has no route ${interaction.route} any more`];
  const earlier = async (name: string) => {
    const first = interactions.find(
      (other): other is RestInteraction =>
        other.kind === 'rest' && other.provider === interaction.provider && other.route === name,
    );
    if (first === undefined || routes[name] === undefined)
      throw new Error(`no recorded ${name} to start from`);
    return (await send(side, first, routes[name], await first.request(side.states, earlier))).body as Record<
      string,
      unknown
    >;
  };
  const answer = await send(side, interaction, route, await interaction.request(side.states, earlier));
  if (answer.status !== interaction.expect.status) {
    return [
      `answered ${answer.status}, not ${interaction.expect.status}: ${JSON.stringify(answer.body).slice(0, 300)}`,
    ];
  }
  const declared = route.responses[answer.status];
  const schema = declared?.body ?? (answer.status >= 400 ? ErrorBody : undefined);
  const parsed = schema?.safeParse(answer.body);
  const schemaProblems =
    parsed?.success === false
      ? parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      : [];
  return [...schemaProblems, ...fieldProblems(answer.body, interaction.expect)];
}

async function rpcProblems(side: Side, interaction: RpcInteraction): Promise<string[]> {
  const service = rpcFakes[interaction.provider]?.service as RpcServiceDefinition;
  const client = createRpcClient({
    service,
    endpoints: side.endpoints[interaction.provider] ?? '',
    retry: false,
    timeoutMs: 10_000,
    ...(side.curve?.[interaction.provider] === undefined ? {} : { curve: side.curve[interaction.provider] }),
  });
  try {
    const result = await (client.call as (method: string, ...args: unknown[]) => Promise<unknown>)(
      interaction.method,
      ...interaction.args(),
    );
    if (interaction.expect.error !== undefined) return [`answered a result, not ${interaction.expect.error}`];
    return fieldProblems(result, interaction.expect);
  } catch (error) {
    if (!(error instanceof RemoteError)) return [`failed: ${(error as Error).message}`];
    if (error.name !== interaction.expect.error)
      return [
        `answered ${error.name} (${error.message})${interaction.expect.error === undefined ? '' : `, not ${interaction.expect.error}`}`,
      ];
    return fieldProblems(error.details, interaction.expect);
  } finally {
    await client.close();
  }
}

/** Every broken expectation of `list` on `side`, one sentence each. */
export async function verify(side: Side, list: readonly Interaction[] = interactions): Promise<string[]> {
  const failures: string[] = [];
  for (const interaction of list) {
    side.scenario?.(interaction.provider, interaction.scenario);
    const what = interaction.kind === 'rest' ? interaction.route : interaction.method;
    const problems =
      interaction.kind === 'rest'
        ? await restProblems(side, interaction)
        : await rpcProblems(side, interaction);
    for (const problem of problems) {
      failures.push(
        `${interaction.consumer} relies on ${interaction.provider} ${what} (${interaction.scenario}: ${interaction.description}), ` +
          `but ${side.name} ${problem}`,
      );
    }
  }
  return failures;
}
