// The billing fake, for the front-end: orders in memory, priced from the demo catalogue, each
// answered at once in its final state (the real saga's outcome, without the saga).
// Scenarios: `confirm` (every order is confirmed), `decline` (every order fails with
// payment_declined), `out-of-stock` (every order fails with out_of_stock), plus `slow` and `down`.
// The real test cards keep their meaning under `confirm`: 4000000000000002 fails payment_declined.
import type { billingRoutes, Order } from '@trio/contracts/billing';
import { demoProducts } from './catalog.ts';
import { errorAnswer, type RestHandlers } from './rest.ts';
import type { FakeScenarios } from './scenarios.ts';
import type { SessionBook } from './sessions.ts';

export const billingScenarios: FakeScenarios = {
  fake: 'billing',
  scenarios: {
    confirm: 'every order is confirmed at once (test card 4000000000000002 still fails payment_declined)',
    decline: 'every order fails with payment_declined',
    'out-of-stock': 'every order fails with out_of_stock',
  },
};

interface PlaceOrder {
  lines: { sku: string; qty: number }[];
  address: Order['shipping']['address'];
  shipping: Order['shipping']['service'];
  payment: { type: 'card'; card: { number: string } } | { type: 'token'; token: string };
}

export function billingHandlers(_sessions: SessionBook): RestHandlers<typeof billingRoutes> {
  const prices = new Map(demoProducts().map((product) => [product.sku, product]));
  const orders = new Map<string, Order>();
  const reason = (scenario: string, request: PlaceOrder) => {
    if (scenario === 'decline') return 'payment_declined' as const;
    if (scenario === 'out-of-stock') return 'out_of_stock' as const;
    if (request.lines.some((line) => !prices.has(line.sku))) return 'unknown_product' as const;
    if (request.payment.type === 'card' && request.payment.card.number === '4000000000000002')
      return 'payment_declined' as const;
    return undefined;
  };
  return {
    placeOrder: ({ body, scenario, userId }) => {
      const request = body as PlaceOrder;
      const now = new Date().toISOString();
      const money = (amount: number) => ({ amount, currency: 'EUR' });
      const lines = request.lines.map((line) => {
        const product = prices.get(line.sku);
        const unit = product?.price.amount ?? 0;
        return {
          sku: line.sku,
          name: product?.name ?? line.sku,
          qty: line.qty,
          unitPrice: money(unit),
          lineTotal: money(unit * line.qty),
        };
      });
      const subtotal = lines.reduce((sum, line) => sum + line.lineTotal.amount, 0);
      const shipping = request.shipping === 'express' ? 1290 : 490;
      const tax = Math.round(subtotal * 0.19);
      const failed = reason(scenario, request);
      const state = failed === undefined ? 'confirmed' : 'failed';
      const order: Order = {
        id: crypto.randomUUID(),
        userId: userId ?? '',
        status: state,
        state,
        ...(failed === undefined ? {} : { reason: failed }),
        lines,
        totals: {
          subtotal: money(subtotal),
          shipping: money(shipping),
          tax: money(tax),
          total: money(subtotal + shipping + tax),
        },
        shipping: { service: request.shipping, address: request.address },
        history: [
          { state: 'pending', at: now },
          { state, at: now },
        ],
        createdAt: now,
        updatedAt: now,
      };
      orders.set(order.id, order);
      return { status: 201, body: order };
    },
    listOrders: ({ query, userId }) => {
      const { page = 1, pageSize = 20 } = query as { page?: number; pageSize?: number };
      const mine = [...orders.values()].filter((order) => order.userId === userId).reverse();
      return {
        status: 200,
        body: {
          items: mine.slice((page - 1) * pageSize, page * pageSize),
          total: mine.length,
          page,
          pageSize,
        },
      };
    },
    getOrder: ({ params, userId }) => {
      const order = orders.get(String(params.orderId));
      return order === undefined || order.userId !== userId
        ? errorAnswer(404, 'not_found', 'No such order')
        : { status: 200, body: order };
    },
  };
}
