// Valid example values, one per important shape, shared by the tests. Each is the plain JSON a
// client would send or receive.
import type { EventPayloadInput, EventType } from '../src/events.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const address = {
  name: 'Ada Lovelace',
  line1: '12 St James’s Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};
const orderLine = { sku: 'MUG-0001', name: 'Enamel mug', qty: 2, unitPrice: eur(1250), lineTotal: eur(2500) };
const totals = { subtotal: eur(2500), shipping: eur(495), tax: eur(475), total: eur(3470) };
const ids = {
  user: '0b9c2f2e-7a4b-4a43-9b59-3f7f3c3a9d11',
  order: '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69',
  payment: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  invoice: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
};

const product: EventPayloadInput<'product.created'> = {
  sku: 'MUG-0001',
  name: 'Enamel mug',
  description: 'A mug that survives a campfire.',
  price: eur(1250),
  category: 'kitchen',
  image: '/images/products/mug-0001.svg',
  attributes: { weightGrams: 320, colour: 'blue', dishwasherSafe: true },
  createdAt: '2025-01-31T12:00:00Z',
  updatedAt: '2025-02-01T08:30:00.123Z',
};

const orderConfirmed: EventPayloadInput<'order.confirmed'> = {
  orderId: ids.order,
  userId: ids.user,
  lines: [{ sku: 'MUG-0001', qty: 2, unitPrice: eur(1250) }],
  totals,
  shipping: { service: 'standard', address, weightGrams: 640 },
};

export const samples = {
  ids,
  product,
  checkout: {
    address: {
      name: 'Ada Lovelace',
      line1: '12 St James’s Square',
      city: 'London',
      postalCode: 'SW1Y 4JH',
      country: 'GB',
    },
    shipping: 'standard',
    card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
  },
  placeOrder: {
    lines: [{ sku: 'MUG-0001', qty: 2 }],
    address,
    shipping: 'express',
    payment: { type: 'token', token: 'tok_4f8a0c1e2b3d' },
  },
  order: {
    id: ids.order,
    userId: ids.user,
    status: 'confirmed',
    state: 'invoiced',
    lines: [orderLine],
    totals,
    shipping: { service: 'standard', address },
    paymentId: ids.payment,
    invoiceId: ids.invoice,
    history: [
      { state: 'pending', at: '2025-01-31T12:00:00Z' },
      { state: 'invoiced', at: '2025-01-31T12:00:02Z' },
    ],
    createdAt: '2025-01-31T12:00:00Z',
    updatedAt: '2025-01-31T12:00:02Z',
  },
  apiOrder: {
    id: ids.order,
    status: 'failed',
    state: 'failed',
    reason: 'payment_declined',
    lines: [orderLine],
    totals,
    createdAt: '2025-01-31T12:00:00+01:00',
  },
  invoice: {
    id: ids.invoice,
    number: '2025-000042',
    orderId: ids.order,
    userId: ids.user,
    issuedAt: '2025-01-31T12:00:02Z',
    billingAddress: address,
    lines: [orderLine],
    taxRateBasisPoints: 1900,
    totals,
  },
  payment: {
    id: ids.payment,
    orderId: ids.order,
    status: 'captured',
    amount: eur(3470),
    capturedAmount: eur(3470),
    refundedAmount: eur(0),
    card: { token: 'tok_4f8a0c1e2b3d', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
    createdAt: '2025-01-31T12:00:01Z',
    updatedAt: '2025-01-31T12:00:02Z',
  },
  orderConfirmed,
  errorBody: {
    error: {
      code: 'validation_failed',
      message: 'The request is invalid',
      details: [{ path: 'address.postalCode', message: 'must not be empty' }],
    },
  },
};

const shipment = {
  shipmentId: '7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098',
  orderId: ids.order,
  trackingNumber: 'TRIO0000123456',
};

/** One valid payload per event type; the type makes sure no event is forgotten. */
export const eventPayloads: { readonly [K in EventType]: EventPayloadInput<K> } = {
  'product.created': samples.product,
  'product.updated': { ...samples.product, price: eur(1100) },
  'user.registered': { userId: ids.user, email: 'ada@example.com', name: 'Ada Lovelace' },
  'order.confirmed': samples.orderConfirmed,
  'order.cancelled': { orderId: ids.order, userId: ids.user, reason: 'customer_request' },
  'payment.authorized': {
    paymentId: ids.payment,
    orderId: ids.order,
    amount: eur(3470),
    card: { brand: 'visa', last4: '4242' },
  },
  'payment.captured': { paymentId: ids.payment, orderId: ids.order, amount: eur(3470) },
  'payment.failed': {
    orderId: ids.order,
    amount: eur(3470),
    code: 'card_declined',
    message: 'Your card was declined',
  },
  'payment.refunded': {
    paymentId: ids.payment,
    orderId: ids.order,
    amount: eur(500),
    refundedTotal: eur(500),
  },
  'invoice.issued': {
    invoiceId: ids.invoice,
    number: '2025-000042',
    orderId: ids.order,
    userId: ids.user,
    total: eur(3470),
  },
  'shipment.created': { ...shipment, service: 'standard' },
  'shipment.dispatched': shipment,
  'shipment.delivered': shipment,
  'stock.low': { sku: 'MUG-0001', available: 3, threshold: 5 },
  'stock.depleted': { sku: 'MUG-0001' },
};
