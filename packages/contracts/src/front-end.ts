// front-end (HTTP, :8080): the public JSON API under /api that the pages' scripts and the load
// generator use. Sessions are cookies. The bodies below are promised to clients (issue 7); the
// front-end translates them to the internal services' contracts. Schemas only this API has are
// prefixed `Api` so their names stay unique in the generated documents.
import { z } from 'zod';
import {
  FailureReason,
  OrderLine,
  OrderStatus,
  OrderTotals,
  SagaState,
  statusFromState,
  statusMatchesState,
} from './billing.ts';
import { CategoryList, CategorySlug, ImagePath, Product, ProductList } from './catalog.ts';
import {
  Address,
  Email,
  IdempotencyHeaders,
  InvoiceId,
  IsoDateTime,
  Money,
  OrderId,
  ShippingDestination,
  ShippingService,
  Sku,
  TraceId,
  text,
  UserId,
  wholeNumberBetween,
} from './common.ts';
import { defineRoute, errorResponses } from './http.ts';
import { CardInput } from './payment.ts';
import { LoginRequest, RegisterRequest } from './profiles.ts';
import { pagination, queryObject, queryParam } from './query.ts';
import { ShippingQuote } from './shipping.ts';

/** Name of the cookie that carries the storefront session (HttpOnly, SameSite=Lax). */
export const sessionCookieName = 'trio_session';

export const ApiProductListQuery = queryObject({
  q: queryParam(text(200).optional()).describe('Full-text search'),
  category: queryParam(CategorySlug.optional()),
  page: pagination(24).page,
});
export type ApiProductListQuery = z.infer<typeof ApiProductListQuery>;

export const StockStatus = z
  .enum(['in_stock', 'low_stock', 'out_of_stock', 'unknown'])
  .meta({ id: 'StockStatus', description: '"unknown" when inventory did not answer in time' });
export type StockStatus = z.infer<typeof StockStatus>;

export const ApiProductDetail = z
  .object({
    product: Product,
    stock: z.object({ status: StockStatus, available: z.int().nonnegative().optional() }),
    recommendations: z
      .array(Product)
      .optional()
      .describe('Omitted when recommendations did not answer in time'),
  })
  .meta({ id: 'ApiProductDetail' });
export type ApiProductDetail = z.infer<typeof ApiProductDetail>;

export const ApiCartLineInput = z
  .object({ sku: Sku, qty: wholeNumberBetween(1, 99) })
  .meta({ id: 'ApiCartLineInput' });
export type ApiCartLineInput = z.infer<typeof ApiCartLineInput>;

export const ApiCartLineUpdate = z
  .object({ qty: wholeNumberBetween(1, 99) })
  .meta({ id: 'ApiCartLineUpdate' });
export type ApiCartLineUpdate = z.infer<typeof ApiCartLineUpdate>;

export const ApiCart = z
  .object({
    lines: z.array(
      z.object({
        sku: Sku,
        name: z.string(),
        image: ImagePath,
        qty: z.int().min(1),
        unitPrice: Money,
        lineTotal: Money,
      }),
    ),
    itemCount: z.int().nonnegative(),
    subtotal: Money,
  })
  .meta({ id: 'ApiCart' });
export type ApiCart = z.infer<typeof ApiCart>;

/** The BFF forwards these bodies to profiles unchanged. */
export const ApiRegisterRequest = RegisterRequest;
export type ApiRegisterRequest = RegisterRequest;
export const ApiLoginRequest = LoginRequest;
export type ApiLoginRequest = LoginRequest;

export const ApiUser = z.object({ id: UserId, email: Email, name: z.string() }).meta({ id: 'ApiUser' });
export type ApiUser = z.infer<typeof ApiUser>;

export const ApiShippingQuoteRequest = z
  .object({ destination: ShippingDestination })
  .meta({ id: 'ApiShippingQuoteRequest', description: 'Quotes are for the current cart' });
export type ApiShippingQuoteRequest = z.infer<typeof ApiShippingQuoteRequest>;

export const ApiCheckoutRequest = z
  .object({
    address: Address.pick({ name: true, line1: true, city: true, postalCode: true, country: true }),
    shipping: ShippingService,
    card: CardInput,
  })
  .meta({ id: 'ApiCheckoutRequest', description: 'Buys the current cart' });
export type ApiCheckoutRequest = z.infer<typeof ApiCheckoutRequest>;

export const ApiCheckoutResponse = z
  .object({ orderId: OrderId, status: OrderStatus })
  .meta({ id: 'ApiCheckoutResponse' });
export type ApiCheckoutResponse = z.infer<typeof ApiCheckoutResponse>;

export const ApiOrder = z
  .object({
    id: OrderId,
    status: OrderStatus,
    state: SagaState,
    reason: FailureReason.optional(),
    lines: z.array(OrderLine),
    totals: OrderTotals,
    invoiceId: InvoiceId.optional(),
    /** The checkout's trace id, as billing keeps it. */
    traceId: TraceId.optional(),
    createdAt: IsoDateTime,
  })
  .refine(statusMatchesState, statusFromState)
  .meta({
    id: 'ApiOrder',
    description:
      '`status` is derived from `state`, the finer saga step (for display); branch on `status`. ' +
      '`traceId` is the checkout’s trace (OpenTelemetry), to quote to support or for `npm run trace`',
  });
export type ApiOrder = z.infer<typeof ApiOrder>;

export const ApiOrderList = z.object({ items: z.array(ApiOrder) }).meta({ id: 'ApiOrderList' });
export type ApiOrderList = z.infer<typeof ApiOrderList>;

const SkuParams = z.object({ sku: Sku });

export const frontEndRoutes = {
  listProducts: defineRoute({
    method: 'get',
    path: '/api/products',
    summary: 'Search and list products',
    auth: 'none',
    callers: ['public'],
    query: ApiProductListQuery,
    responses: { 200: { description: 'A page of products', body: ProductList }, ...errorResponses(400, 503) },
  }),
  getProduct: defineRoute({
    method: 'get',
    path: '/api/products/:sku',
    summary: 'A product with its stock status and recommendations',
    auth: 'none',
    callers: ['public'],
    params: SkuParams,
    responses: {
      200: { description: 'The product', body: ApiProductDetail },
      ...errorResponses(400, 404, 503),
    },
  }),
  listCategories: defineRoute({
    method: 'get',
    path: '/api/categories',
    summary: 'All categories',
    auth: 'none',
    callers: ['public'],
    responses: { 200: { description: 'Every category', body: CategoryList }, ...errorResponses(503) },
  }),
  getCart: defineRoute({
    method: 'get',
    path: '/api/cart',
    summary: 'The session’s cart (anonymous or logged in)',
    auth: 'sessionCookie',
    callers: ['public'],
    responses: { 200: { description: 'The cart', body: ApiCart } },
  }),
  addCartItem: defineRoute({
    method: 'post',
    path: '/api/cart/items',
    summary: 'Add units of a product to the cart',
    auth: 'sessionCookie',
    callers: ['public'],
    body: ApiCartLineInput,
    responses: {
      200: { description: 'The cart after the change', body: ApiCart },
      ...errorResponses(400, 404),
    },
  }),
  updateCartItem: defineRoute({
    method: 'patch',
    path: '/api/cart/items/:sku',
    summary: 'Set the quantity of a cart line',
    auth: 'sessionCookie',
    callers: ['public'],
    params: SkuParams,
    body: ApiCartLineUpdate,
    responses: {
      200: { description: 'The cart after the change', body: ApiCart },
      ...errorResponses(400, 404),
    },
  }),
  removeCartItem: defineRoute({
    method: 'delete',
    path: '/api/cart/items/:sku',
    summary: 'Remove a line from the cart',
    auth: 'sessionCookie',
    callers: ['public'],
    params: SkuParams,
    responses: {
      200: { description: 'The cart after the change', body: ApiCart },
      ...errorResponses(400, 404),
    },
  }),
  register: defineRoute({
    method: 'post',
    path: '/api/users',
    summary: 'Register and log in (sets the session cookie)',
    description: 'Registrations are limited per shopper address: past the limit, 429 with Retry-After.',
    auth: 'none',
    callers: ['public'],
    body: ApiRegisterRequest,
    responses: { 201: { description: 'The new user', body: ApiUser }, ...errorResponses(400, 409, 429) },
  }),
  login: defineRoute({
    method: 'post',
    path: '/api/session',
    summary: 'Log in (sets the session cookie; an anonymous cart is merged)',
    auth: 'none',
    callers: ['public'],
    body: ApiLoginRequest,
    responses: { 200: { description: 'The user', body: ApiUser }, ...errorResponses(400, 401, 429) },
  }),
  logout: defineRoute({
    method: 'delete',
    path: '/api/session',
    summary: 'Log out (clears the session cookie)',
    auth: 'sessionCookie',
    callers: ['public'],
    responses: { 204: { description: 'Logged out' } },
  }),
  quoteShipping: defineRoute({
    method: 'post',
    path: '/api/checkout/quote',
    summary: 'Live shipping options and prices for the cart',
    auth: 'sessionCookie',
    callers: ['public'],
    body: ApiShippingQuoteRequest,
    responses: {
      200: { description: 'The options', body: ShippingQuote },
      ...errorResponses(400, 409, 503),
    },
  }),
  checkout: defineRoute({
    method: 'post',
    path: '/api/checkout',
    summary: 'Buy the cart',
    description: 'A double submit with the same Idempotency-Key creates one order.',
    auth: 'sessionCookie',
    callers: ['public'],
    headers: IdempotencyHeaders,
    body: ApiCheckoutRequest,
    responses: {
      201: { description: 'The order id and where it stands', body: ApiCheckoutResponse },
      ...errorResponses(400, 401, 409, 422, 503),
    },
  }),
  listOrders: defineRoute({
    method: 'get',
    path: '/api/orders',
    summary: 'The user’s orders, newest first',
    auth: 'sessionCookie',
    callers: ['public'],
    responses: { 200: { description: 'The orders', body: ApiOrderList }, ...errorResponses(401) },
  }),
  getOrder: defineRoute({
    method: 'get',
    path: '/api/orders/:id',
    summary: 'One of the user’s orders',
    auth: 'sessionCookie',
    callers: ['public'],
    params: z.object({ id: OrderId }),
    responses: { 200: { description: 'The order', body: ApiOrder }, ...errorResponses(400, 401, 404) },
  }),
} as const;
