// billing (REST, :3004): orders, the checkout saga that produces them, and invoices. An order
// carries both `status` and `state` on purpose, and only `state` is stored: `status` is
// `orderStatusOf[state]`, the four outcomes a client branches on (pending, confirmed, failed,
// cancelled), while `state` is the saga's step, for display and support, which gains values when the
// saga gains steps. So clients that branch on `status` need not change when the saga does; the
// schema refuses an order whose two fields disagree. Prices on an order come from catalog, never
// from the client.
import { z } from 'zod';
import {
  Address,
  IdempotencyHeaders,
  InvoiceId,
  IsoDateTime,
  LineItem,
  Money,
  OrderId,
  PaymentId,
  pageOf,
  ShipmentId,
  ShippingService,
  Sku,
  TraceId,
  UserId,
} from './common.ts';
import { defineRoute, errorResponses } from './http.ts';
import { PaymentSource } from './payment.ts';
import { pagination, queryObject } from './query.ts';

export const OrderStatus = z
  .enum(['pending', 'confirmed', 'failed', 'cancelled'])
  .meta({ id: 'OrderStatus' });
export type OrderStatus = z.infer<typeof OrderStatus>;

export const SagaState = z
  .enum([
    'pending',
    'stock_reserved',
    'shipping_quoted',
    'payment_authorized',
    'confirmed',
    'paid',
    'invoiced',
    'compensating',
    'failed',
    'cancelled',
  ])
  .meta({ id: 'SagaState', description: 'The checkout saga’s persisted step' });
export type SagaState = z.infer<typeof SagaState>;

/** The status a client sees for each saga state: `status` is always derived from `state` by this. */
export const orderStatusOf = {
  pending: 'pending',
  stock_reserved: 'pending',
  shipping_quoted: 'pending',
  payment_authorized: 'pending',
  compensating: 'pending',
  confirmed: 'confirmed',
  paid: 'confirmed',
  invoiced: 'confirmed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const satisfies Record<SagaState, OrderStatus>;

export const FailureReason = z
  .enum([
    'out_of_stock',
    'unknown_product',
    'shipping_unavailable',
    'payment_declined',
    'insufficient_funds',
    'expired_card',
    'payment_error',
    'timeout',
    'internal_error',
  ])
  .meta({
    id: 'FailureReason',
    description: 'Why an order failed, worded for the customer by the front-end',
  });
export type FailureReason = z.infer<typeof FailureReason>;

export const OrderLine = z
  .object({
    sku: Sku,
    name: z.string(),
    qty: z.int().min(1),
    unitPrice: Money,
    lineTotal: Money,
  })
  .meta({ id: 'OrderLine' });
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderTotals = z
  .object({ subtotal: Money, shipping: Money, tax: Money, total: Money })
  .meta({ id: 'OrderTotals', description: 'total = subtotal + shipping + tax, all in one currency' });
export type OrderTotals = z.infer<typeof OrderTotals>;

export const OrderHistoryEntry = z
  .object({
    state: z.union([SagaState, z.enum(['shipment_created', 'shipment_dispatched', 'shipment_delivered'])]),
    at: IsoDateTime,
  })
  .meta({ id: 'OrderHistoryEntry' });

/** Whether an order's `status` is the one its `state` maps to (`orderStatusOf`). */
export function statusMatchesState(order: { status: OrderStatus; state: SagaState }): boolean {
  return orderStatusOf[order.state] === order.status;
}
/** The issue a `statusMatchesState` refinement reports. */
export const statusFromState = {
  message: '`status` must be the status of `state` (orderStatusOf)',
  path: ['status'],
};

export const Order = z
  .object({
    id: OrderId,
    userId: UserId,
    status: OrderStatus,
    state: SagaState,
    reason: FailureReason.optional(),
    lines: z.array(OrderLine),
    totals: OrderTotals,
    shipping: z.object({ service: ShippingService, address: Address }),
    paymentId: PaymentId.optional(),
    invoiceId: InvoiceId.optional(),
    shipmentId: ShipmentId.optional(),
    history: z.array(OrderHistoryEntry),
    /** The checkout's trace: the request that placed the order and every step of its saga. */
    traceId: TraceId.optional(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .refine(statusMatchesState, statusFromState)
  .meta({
    id: 'Order',
    description:
      'An order. `status` is derived from `state` (several states share one status): branch on ' +
      '`status`; `state` is the saga’s step, for display and support, and gains values when the saga ' +
      'gains steps. `reason` is set when `status` is failed. `traceId` is the checkout’s trace ' +
      '(OpenTelemetry), for support and `npm run trace`; absent for orders placed before it was kept',
  });
export type Order = z.infer<typeof Order>;

export const PlaceOrderRequest = z
  .object({
    lines: z
      .array(LineItem)
      .min(1, 'must hold at least one line')
      .max(50, 'must hold at most 50 lines')
      .refine(
        (lines) => new Set(lines.map((line) => line.sku)).size === lines.length,
        'must not repeat a sku',
      ),
    address: Address,
    shipping: ShippingService,
    payment: PaymentSource,
  })
  .meta({ id: 'PlaceOrderRequest', description: 'What to buy; prices are looked up, never taken from here' });
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const OrderList = pageOf(Order).meta({ id: 'OrderList' });
export type OrderList = z.infer<typeof OrderList>;

export const OrderListQuery = queryObject(pagination(20));
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const InvoiceNumber = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{6}$/, 'must look like 2025-000123')
  .meta({ id: 'InvoiceNumber', description: 'Year, then a gap-free sequence within that year' });

export const Invoice = z
  .object({
    id: InvoiceId,
    number: InvoiceNumber,
    orderId: OrderId,
    userId: UserId,
    issuedAt: IsoDateTime,
    billingAddress: Address,
    lines: z.array(OrderLine),
    taxRateBasisPoints: z.int().min(0).max(10_000).describe('e.g. 1900 = 19 %'),
    totals: OrderTotals,
  })
  .meta({ id: 'Invoice' });
export type Invoice = z.infer<typeof Invoice>;

const OrderParams = z.object({ orderId: OrderId });

export const billingRoutes = {
  placeOrder: defineRoute({
    method: 'post',
    path: '/orders',
    summary: 'Place an order: runs the checkout saga',
    description:
      'Reserves stock, quotes shipping, authorizes payment, confirms, captures and invoices. Answers ' +
      'when the saga ends or its time budget runs out (status pending, the saga goes on). Repeating ' +
      'the request with the same Idempotency-Key returns the same order.',
    auth: 'session',
    callers: ['front-end'],
    headers: IdempotencyHeaders,
    body: PlaceOrderRequest,
    responses: {
      201: { description: 'The order, in whatever state the saga reached', body: Order },
      ...errorResponses(400, 401, 409, 413, 422),
    },
  }),
  listOrders: defineRoute({
    method: 'get',
    path: '/orders',
    summary: 'The caller’s own orders, newest first',
    auth: 'session',
    callers: ['front-end'],
    query: OrderListQuery,
    responses: { 200: { description: 'A page of orders', body: OrderList }, ...errorResponses(400, 401) },
  }),
  getOrder: defineRoute({
    method: 'get',
    path: '/orders/:orderId',
    summary: 'One of the caller’s orders, with its status history',
    auth: 'session',
    callers: ['front-end'],
    params: OrderParams,
    responses: { 200: { description: 'The order', body: Order }, ...errorResponses(400, 401, 404) },
  }),
  getInvoice: defineRoute({
    method: 'get',
    path: '/invoices/:invoiceId',
    summary: 'One of the caller’s invoices, as JSON or as a printable page (Accept: text/html)',
    auth: 'session',
    callers: ['front-end'],
    params: z.object({ invoiceId: InvoiceId }),
    responses: {
      200: { description: 'The invoice', body: Invoice, html: true },
      ...errorResponses(400, 401, 404),
    },
  }),
} as const;

/** Payload of `order.confirmed`: everything inventory, shipping and recommendations act on. */
export const OrderConfirmed = z
  .object({
    orderId: OrderId,
    userId: UserId,
    lines: z.array(z.object({ sku: Sku, qty: z.int().min(1), unitPrice: Money })).min(1),
    totals: OrderTotals,
    shipping: z.object({
      service: ShippingService,
      address: Address,
      weightGrams: z.int().min(1).describe('Total weight of the order'),
    }),
  })
  .meta({ id: 'OrderConfirmed' });
export type OrderConfirmed = z.infer<typeof OrderConfirmed>;

export const CancelReason = z
  .union([FailureReason, z.literal('customer_request')])
  .meta({ id: 'CancelReason' });

/** Payload of `order.cancelled`. */
export const OrderCancelled = z
  .object({ orderId: OrderId, userId: UserId, reason: CancelReason })
  .meta({ id: 'OrderCancelled' });
export type OrderCancelled = z.infer<typeof OrderCancelled>;

/** Payload of `invoice.issued`. */
export const InvoiceIssued = z
  .object({ invoiceId: InvoiceId, number: InvoiceNumber, orderId: OrderId, userId: UserId, total: Money })
  .meta({ id: 'InvoiceIssued' });
export type InvoiceIssued = z.infer<typeof InvoiceIssued>;
