import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthorizeRequest, isLuhnValid, PaymentAuthorized, PaymentSource, StoredCard } from './payment.ts';

const orderId = '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69';

describe('cards', () => {
  test('when a documented test card is checked, it passes the Luhn check', () => {
    for (const number of [
      '4242424242424242',
      '4000000000000002',
      '4000000000009995',
      '4000000000000119',
      '4000000000003220',
    ]) {
      assert.ok(isLuhnValid(number), number);
    }
  });

  test('when one digit of a card number is changed, the Luhn check fails', () => {
    assert.equal(isLuhnValid('4242424242424243'), false);
    assert.equal(isLuhnValid('79927398710'), false);
    assert.ok(isLuhnValid('79927398713'));
  });

  test('when a payment source is a card or a token, the discriminator says which', () => {
    const card = {
      type: 'card',
      card: { number: '4242424242424242', expMonth: 1, expYear: 2031, cvc: '999' },
    };
    assert.ok(PaymentSource.safeParse(card).success);
    assert.ok(PaymentSource.safeParse({ type: 'token', token: 'tok_4f8a0c1e2b3d' }).success);
    assert.equal(PaymentSource.safeParse({ type: 'token', card: card.card }).success, false);
  });

  test('when an authorization asks for zero, it is rejected', () => {
    const body = {
      orderId,
      amount: { amount: 0, currency: 'EUR' },
      source: { type: 'token', token: 'tok_4f8a0c1e2b3d' },
    };
    assert.equal(AuthorizeRequest.safeParse(body).success, false);
  });
});

describe('what leaves payment', () => {
  test('when a stored card or an event is parsed, a full card number or cvc is not carried along', () => {
    const stored = StoredCard.parse({
      token: 'tok_4f8a0c1e2b3d',
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
      number: '4242424242424242',
      cvc: '123',
    });
    assert.deepEqual(Object.keys(stored).sort(), ['brand', 'expMonth', 'expYear', 'last4', 'token']);
    const event = PaymentAuthorized.parse({
      paymentId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      orderId,
      amount: { amount: 3470, currency: 'EUR' },
      card: { brand: 'visa', last4: '4242', number: '4242424242424242' },
    });
    assert.deepEqual(event.card, { brand: 'visa', last4: '4242' });
  });
});
