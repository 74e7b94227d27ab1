import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toFieldIssues } from './common.ts';
import {
  ApiCartLineInput,
  ApiCheckoutRequest,
  ApiOrder,
  ApiProductListQuery,
  frontEndRoutes,
} from './front-end.ts';

const checkout = {
  address: {
    name: 'Ada Lovelace',
    line1: '12 St James’s Square',
    city: 'London',
    postalCode: 'SW1Y 4JH',
    country: 'GB',
  },
  shipping: 'standard',
  card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
};
const problems = (body: unknown) => {
  const result = ApiCheckoutRequest.safeParse(body);
  return result.error ? toFieldIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`) : [];
};

describe('checkout body (issue 7)', () => {
  test('when the body has exactly the documented fields, it is accepted unchanged', () => {
    assert.deepEqual(ApiCheckoutRequest.parse(checkout), checkout);
  });

  test('when the body carries extra fields, they are dropped rather than passed on', () => {
    const parsed = ApiCheckoutRequest.parse({
      ...checkout,
      price: 1,
      address: { ...checkout.address, line2: 'x' },
    });
    assert.deepEqual(parsed, checkout);
  });

  test('when address fields are missing, each missing field is named by its path', () => {
    const { postalCode: _postalCode, country: _country, ...address } = checkout.address;
    assert.deepEqual(problems({ ...checkout, address }), [
      'address.postalCode: Invalid input: expected string, received undefined',
      'address.country: Invalid input: expected string, received undefined',
    ]);
  });

  test('when the shipping option is not standard or express, it is rejected', () => {
    assert.deepEqual(problems({ ...checkout, shipping: 'overnight' }), [
      'shipping: Invalid option: expected one of "standard"|"express"',
    ]);
  });

  test('when the card number fails the Luhn check, the card number is named', () => {
    assert.deepEqual(problems({ ...checkout, card: { ...checkout.card, number: '4242424242424241' } }), [
      'card.number: is not a valid card number (Luhn check failed)',
    ]);
  });

  test('when the card has spaces, a bad month and a short cvc, every problem is listed', () => {
    const card = { number: '4242 4242 4242 4242', expMonth: 13, expYear: 2030, cvc: '12' };
    assert.deepEqual(problems({ ...checkout, card }), [
      'card.number: must be 12-19 digits without spaces',
      'card.expMonth: must be 1-12',
      'card.cvc: must be 3 or 4 digits',
    ]);
  });
});

describe('public API shapes', () => {
  test('when the query is the issue’s own example `?q=&category=&page=`, it means the first page', () => {
    assert.deepEqual(ApiProductListQuery.parse({ q: '', category: '', page: '' }), {
      q: undefined,
      category: undefined,
      page: 1,
    });
  });

  test('when a cart line asks for zero or a fraction of units, it is rejected', () => {
    assert.ok(ApiCartLineInput.safeParse({ sku: 'MUG-0001', qty: 1 }).success);
    assert.equal(ApiCartLineInput.safeParse({ sku: 'MUG-0001', qty: 0 }).success, false);
    assert.equal(ApiCartLineInput.safeParse({ sku: 'MUG-0001', qty: 1.5 }).success, false);
  });

  test('when an order is shown, its status is one of the four coarse ones', () => {
    assert.deepEqual(ApiOrder.shape.status.options, ['pending', 'confirmed', 'failed', 'cancelled']);
  });

  test('when checkout is called, an Idempotency-Key header is required', () => {
    const headers = frontEndRoutes.checkout.headers;
    assert.equal(headers.safeParse({}).success, false);
    assert.ok(headers.safeParse({ 'idempotency-key': crypto.randomUUID(), 'user-agent': 'x' }).success);
  });
});
