// What each consumer relies on from each provider, recorded once, per scenario of the provider's
// fake: the request the consumer sends and the parts of the answer its code reads. The same list
// is replayed against the fake and against the REAL provider (packages/fakes/test/contracts.test.ts,
// part of `npm test`): both must answer the recorded status, with a body the route's schema
// accepts, holding every relied-on field, with the recorded value where one is given. A provider
// change that breaks a consumer fails that test with a message naming the consumer; a fake that
// drifts from its provider fails it too. (The idea of Pact's consumer-driven contracts, written
// against the contracts package so that it covers ZeroRPC as well as REST; see docs/one-service.md.)
//
// `given` names the provider state an interaction needs; each side provides it its own way (the
// real provider through its API, the fake through its scenario), like Pact's provider states.
import type { ServiceName } from '@trio/contracts/common';

export type ProviderState = 'a customer session' | 'a declined card' | 'an approved card';

/** What a side gives for a provider state: a token, a card number. */
export type States = Readonly<Record<ProviderState, string>>;

export interface RestInteraction {
  kind: 'rest';
  consumer: ServiceName;
  provider: 'catalog' | 'profiles' | 'payment' | 'shipping';
  route: string;
  /** The provider fake's scenario this expectation is recorded for. */
  scenario: string;
  description: string;
  request(
    states: States,
    earlier: (route: string) => Promise<Record<string, unknown>>,
  ): Promise<RestRequest> | RestRequest;
  expect: { status: number; fields: readonly string[]; values?: Readonly<Record<string, unknown>> };
}

export interface RestRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RpcInteraction {
  kind: 'rpc';
  consumer: ServiceName;
  provider: 'inventory' | 'shipping' | 'recommendations';
  method: string;
  scenario: string;
  description: string;
  args(): unknown[];
  /** The result's relied-on fields, or the named error the consumer handles (with its details' fields). */
  expect: { fields: readonly string[]; error?: string; values?: Readonly<Record<string, unknown>> };
}

export type Interaction = RestInteraction | RpcInteraction;

const sku = 'KIT-0001';
const card = (number: string) => ({ number, expMonth: 12, expYear: 2030, cvc: '123' });
const idempotent = () => ({ 'idempotency-key': crypto.randomUUID() });
const authorize = (states: States, state: ProviderState) => ({
  headers: idempotent(),
  body: {
    orderId: crypto.randomUUID(),
    amount: { amount: 2248, currency: 'EUR' },
    owner: 'contract-test-owner',
    source: { type: 'card', card: card(states[state]) },
  },
});

export const interactions: readonly Interaction[] = [
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'catalog',
    route: 'getProduct',
    scenario: 'demo-catalogue',
    description: 'prices a known sku',
    request: () => ({ params: { sku } }),
    expect: {
      status: 200,
      fields: ['sku', 'name', 'price.amount', 'price.currency', 'attributes.weightGrams'],
    },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'catalog',
    route: 'getProduct',
    scenario: 'demo-catalogue',
    description: 'learns that a sku is unknown',
    request: () => ({ params: { sku: 'NO-SUCH-SKU-0' } }),
    expect: { status: 404, fields: ['error.code'], values: { 'error.code': 'not_found' } },
  },
  {
    kind: 'rest',
    consumer: 'front-end',
    provider: 'catalog',
    route: 'listProducts',
    scenario: 'demo-catalogue',
    description: 'lists a page of products',
    request: () => ({ query: { pageSize: '4' } }),
    expect: {
      status: 200,
      fields: ['items.0.sku', 'items.0.name', 'items.0.price.amount', 'items.0.image', 'total', 'page'],
    },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'profiles',
    route: 'getCurrentSession',
    scenario: 'normal',
    description: 'checks a live session',
    request: (states) => ({ headers: { authorization: `Bearer ${states['a customer session']}` } }),
    expect: { status: 200, fields: ['user.id', 'user.email', 'user.name'] },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'profiles',
    route: 'getCurrentSession',
    scenario: 'normal',
    description: 'refuses an unknown session',
    request: () => ({ headers: { authorization: 'Bearer not-a-session-token' } }),
    expect: { status: 401, fields: ['error.code'], values: { 'error.code': 'unauthorized' } },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'payment',
    route: 'authorize',
    scenario: 'approve',
    description: 'authorizes an order’s total',
    request: (states) => authorize(states, 'an approved card'),
    expect: { status: 201, fields: ['id', 'status', 'card.token'], values: { status: 'authorized' } },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'payment',
    route: 'authorize',
    scenario: 'decline',
    description: 'is told the card was declined',
    request: (states) => authorize(states, 'a declined card'),
    expect: { status: 402, fields: ['error.code'], values: { 'error.code': 'card_declined' } },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'payment',
    route: 'capture',
    scenario: 'approve',
    description: 'captures what it authorized',
    request: async (_states, earlier) => ({
      params: { paymentId: String((await earlier('authorize')).id) },
      headers: idempotent(),
      body: {},
    }),
    expect: { status: 200, fields: ['status', 'capturedAmount.amount'], values: { status: 'captured' } },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'payment',
    route: 'void',
    scenario: 'approve',
    description: 'voids an authorization when the saga compensates',
    request: async (_states, earlier) => ({
      params: { paymentId: String((await earlier('authorize')).id) },
      headers: idempotent(),
    }),
    expect: { status: 200, fields: ['status'], values: { status: 'voided' } },
  },
  {
    kind: 'rpc',
    consumer: 'billing',
    provider: 'inventory',
    method: 'reserve',
    scenario: 'in-stock',
    description: 'reserves an order’s lines',
    args: () => [crypto.randomUUID(), [{ sku, qty: 1 }], 60],
    expect: { fields: ['orderId', 'lines.0.sku', 'expiresAt'] },
  },
  {
    kind: 'rpc',
    consumer: 'billing',
    provider: 'inventory',
    method: 'reserve',
    scenario: 'in-stock',
    description: 'is told which skus are short',
    args: () => [crypto.randomUUID(), [{ sku, qty: 999 }], 60],
    expect: { fields: ['skus.0'], error: 'OutOfStock', values: { 'skus.0': sku } },
  },
  {
    kind: 'rpc',
    consumer: 'billing',
    provider: 'inventory',
    method: 'release',
    scenario: 'in-stock',
    description: 'releases an order that holds nothing (a no-op)',
    args: () => [crypto.randomUUID()],
    expect: { fields: ['orderId', 'released'], values: { released: false } },
  },
  {
    kind: 'rpc',
    consumer: 'front-end',
    provider: 'inventory',
    method: 'getStock',
    scenario: 'in-stock',
    description: 'shows stock on a product page',
    args: () => [[sku]],
    expect: { fields: [sku] },
  },
  {
    kind: 'rpc',
    consumer: 'billing',
    provider: 'shipping',
    method: 'quote',
    scenario: 'deliver',
    description: 'prices the chosen shipping service',
    args: () => [{ country: 'DE', postalCode: '10115' }, [{ weightGrams: 1200 }]],
    expect: { fields: ['options.0.service', 'options.0.price.amount', 'options.0.estimatedDays.max'] },
  },
  {
    kind: 'rest',
    consumer: 'billing',
    provider: 'shipping',
    route: 'quote',
    scenario: 'deliver',
    description: 'prices the chosen shipping service over REST (SHIPPING_TRANSPORT=rest)',
    request: () => ({
      body: { destination: { country: 'DE', postalCode: '10115' }, parcels: [{ weightGrams: 1200 }] },
    }),
    expect: {
      status: 200,
      fields: ['options.0.service', 'options.0.price.amount', 'options.0.estimatedDays.max'],
    },
  },
  {
    kind: 'rest',
    consumer: 'front-end',
    provider: 'shipping',
    route: 'quote',
    scenario: 'no-delivery',
    description: 'tells the shopper a country is not shipped to (REST)',
    request: () => ({
      body: { destination: { country: 'AQ', postalCode: '0000' }, parcels: [{ weightGrams: 500 }] },
    }),
    expect: {
      status: 422,
      fields: ['error.code', 'error.message'],
      values: { 'error.code': 'unsupported_destination' },
    },
  },
  {
    kind: 'rpc',
    consumer: 'front-end',
    provider: 'recommendations',
    method: 'forProduct',
    scenario: 'popular',
    description: 'shows “bought together” on a product page',
    args: () => [sku, 4],
    expect: { fields: ['items'] },
  },
];
