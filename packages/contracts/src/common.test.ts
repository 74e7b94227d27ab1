import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  Address,
  CurrencyCode,
  Email,
  ErrorBody,
  formatPath,
  Money,
  PositiveMoney,
  Quantity,
  Sku,
  TraceId,
  toFieldIssues,
} from './common.ts';

const messagesOf = (result: { success: boolean; error?: z.ZodError }) =>
  result.error ? toFieldIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`) : [];

describe('Money', () => {
  test('when an amount is whole minor units with an ISO currency, the schema accepts it', () => {
    assert.deepEqual(Money.parse({ amount: 1999, currency: 'EUR' }), { amount: 1999, currency: 'EUR' });
    assert.ok(Money.safeParse({ amount: 0, currency: 'JPY' }).success);
  });

  test('when a money amount is fractional, the schema rejects it and says minor units', () => {
    const result = Money.safeParse({ amount: 19.99, currency: 'EUR' });
    assert.deepEqual(messagesOf(result), [
      'amount: must be an integer number of minor units (cents), not a decimal',
    ]);
  });

  test('when a money amount is negative, the schema rejects it', () => {
    assert.deepEqual(messagesOf(Money.safeParse({ amount: -1, currency: 'EUR' })), [
      'amount: must not be negative',
    ]);
  });

  test('when a money amount is beyond the safe integer range, the schema rejects it', () => {
    assert.equal(Money.safeParse({ amount: 2 ** 60, currency: 'EUR' }).success, false);
  });

  test('when a money amount arrives as a string, the schema rejects it rather than guessing', () => {
    assert.equal(Money.safeParse({ amount: '1999', currency: 'EUR' }).success, false);
  });

  test('when the currency is lower-case, too long or not in ISO 4217, the schema rejects it', () => {
    for (const currency of ['eur', 'EURO', 'XYZ', '']) {
      assert.equal(CurrencyCode.safeParse(currency).success, false, currency);
    }
    assert.deepEqual(messagesOf(Money.safeParse({ amount: 1, currency: 'XYZ' })), [
      'currency: is not an ISO 4217 currency code',
    ]);
  });

  test('when a positive amount is zero, PositiveMoney rejects it', () => {
    assert.deepEqual(messagesOf(PositiveMoney.safeParse({ amount: 0, currency: 'EUR' })), [
      'amount: must be greater than 0',
    ]);
  });
});

describe('Sku and Address', () => {
  test('when a sku has lower-case letters or spaces, the schema rejects it', () => {
    assert.ok(Sku.safeParse('MUG-0001').success);
    for (const sku of ['mug-0001', 'MUG 0001', 'M', '-MUG'])
      assert.equal(Sku.safeParse(sku).success, false, sku);
  });

  test('when an address has blank fields, every one of them is named', () => {
    const result = Address.safeParse({
      name: ' ',
      line1: '1 Main St',
      city: '',
      postalCode: '1000',
      country: 'de',
    });
    assert.deepEqual(messagesOf(result), [
      'name: must not be empty',
      'city: must not be empty',
      'country: must be a two-letter upper-case ISO 3166-1 code such as "DE"',
    ]);
  });
});

describe('field issues for error bodies', () => {
  test('when a nested array item fails, the path reads like the client wrote it', () => {
    assert.equal(formatPath(['lines', 0, 'sku']), 'lines[0].sku');
    assert.equal(formatPath([]), '');
  });

  test('when a strict object gets unknown keys, each key is reported at its own path', () => {
    const result = z.strictObject({ page: z.number().optional() }).safeParse({ sortt: 'x', colour: 'red' });
    assert.deepEqual(messagesOf(result), ['sortt: unknown field', 'colour: unknown field']);
  });

  test('when issues are turned into an error body, the body matches the ErrorBody contract', () => {
    const result = Money.safeParse({ amount: 1.5, currency: 'EUR' });
    assert.ok(result.error);
    const body = {
      error: { code: 'validation_failed', message: 'invalid body', details: toFieldIssues(result.error) },
    };
    assert.ok(ErrorBody.safeParse(body).success);
  });
});

describe('control characters in text', () => {
  const address = { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
  const controls = ['\u0000', '\u0007', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u009f'];

  for (const control of controls) {
    const shown = JSON.stringify(control);
    test(`when an address line holds ${shown}, the schema names the field`, () => {
      const result = Address.safeParse({ ...address, line1: `1 Main${control}St` });
      assert.deepEqual(messagesOf(result), [
        'line1: must not contain control characters (NUL, line breaks, tabs…)',
      ]);
    });
  }

  test('when a name, city or postal code holds NUL, each is named', () => {
    const result = Address.safeParse({ ...address, name: 'A\u0000', city: 'B\u0000', postalCode: '1\u0000' });
    assert.deepEqual(
      messagesOf(result).map((message) => message.split(':')[0]),
      ['name', 'city', 'postalCode'],
    );
  });

  test('when text is accented, non-Latin or has emoji, the schema accepts it', () => {
    const named = { ...address, name: 'Zoë Ångström 王小明 🙂', city: 'São Paulo' };
    assert.deepEqual(Address.parse(named), named);
  });

  test('when an email holds NUL, the schema rejects it', () => {
    assert.equal(Email.safeParse('ada\u0000@example.com').success, false);
  });
});

describe('Quantity', () => {
  for (const qty of [0, 1000, 2.5]) {
    test(`when qty is ${qty}, the message gives the range`, () => {
      assert.deepEqual(messagesOf(Quantity.safeParse(qty)), [': must be a whole number between 1 and 999']);
    });
  }
});

describe('TraceId', () => {
  test('when a trace id is 32 lowercase hex digits, the schema accepts it', () => {
    assert.ok(TraceId.safeParse('4bf92f3577b34da6a3ce929d0e0e4736').success);
  });

  test('when a trace id is all zeros, upper case, a traceparent or too short, the schema rejects it', () => {
    for (const bad of [
      '0'.repeat(32),
      '4BF92F3577B34DA6A3CE929D0E0E4736',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '4bf92f35',
    ])
      assert.equal(TraceId.safeParse(bad).success, false, bad);
  });
});
