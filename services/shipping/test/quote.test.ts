// Quotes from the rate tables over real ZeroRPC: a price per zone, weight band and service, the
// contract's named errors for a country the shop does not serve and a parcel too heavy, and
// ValidationError for arguments that break the contract before any handler runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Parcel } from '@trio/contracts/shipping';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { remoteError, type ShippingClient, startShipping, type TestShipping } from './support/shipping.ts';

let infra: TestInfra;
let shipping: TestShipping;
let client: ShippingClient;

before(async () => {
  infra = await createTestInfra();
  shipping = await startShipping(infra);
  client = shipping.client;
});

after(async () => {
  await shipping?.stop();
  await infra?.drop();
});

const to = (country: string) => ({ country, postalCode: '12345' });
const grams = (...weights: number[]): Parcel[] => weights.map((weightGrams) => ({ weightGrams }));

describe('quote', () => {
  test('a 1 kg parcel costs more the farther it goes, and express more than standard', async () => {
    const table: Record<string, unknown> = {};
    for (const country of ['DE', 'AT', 'US']) {
      const { options } = await client.call('quote', to(country), grams(1_000));
      table[country] = options.map((option) => [option.service, option.price.amount, option.price.currency]);
    }
    assert.deepEqual(table, {
      DE: [
        ['standard', 490, 'EUR'],
        ['express', 990, 'EUR'],
      ],
      AT: [
        ['standard', 990, 'EUR'],
        ['express', 1_990, 'EUR'],
      ],
      US: [
        ['standard', 1_990, 'EUR'],
        ['express', 3_990, 'EUR'],
      ],
    });
  });

  test('each weight band has its price; a band’s upper bound belongs to it', async () => {
    const standard = async (weight: number) => {
      const { options } = await client.call('quote', to('DE'), grams(weight));
      return options.find((option) => option.service === 'standard')!.price.amount;
    };
    const prices = [];
    for (const weight of [1, 1_000, 1_001, 5_000, 5_001, 10_000, 10_001, 20_000, 20_001, 30_000])
      prices.push(await standard(weight));
    assert.deepEqual(prices, [490, 490, 690, 690, 990, 990, 1_490, 1_490, 1_990, 1_990]);
  });

  test('several parcels are priced one by one and added up', async () => {
    const { options } = await client.call('quote', to('FR'), grams(500, 6_000, 20_000));
    assert.deepEqual(
      options.map((option) => option.price.amount),
      [990 + 2_190 + 3_290, 1_990 + 3_590 + 4_990],
    );
  });

  test('every option says how many days it takes', async () => {
    const { options } = await client.call('quote', to('JP'), grams(100));
    assert.deepEqual(
      options.map((option) => option.estimatedDays),
      [
        { min: 7, max: 14 },
        { min: 3, max: 5 },
      ],
    );
  });

  test('a country outside the zones answers UnsupportedDestination', async () => {
    const error = await remoteError(client.call('quote', to('KP'), grams(100)));
    assert.equal(error.name, 'UnsupportedDestination');
    assert.match(error.message, /KP/);
  });

  test('a parcel above the limit answers ValidationError naming that parcel', async () => {
    const error = await remoteError(client.callRaw('quote', [to('DE'), grams(500, 1_000, 30_001)]));
    assert.equal(error.name, 'ValidationError');
    assert.deepEqual(error.details, {
      issues: [{ path: 'parcels[2].weightGrams', message: 'must be at most 30 kg' }],
    });
  });

  test('arguments that break the contract answer ValidationError', async () => {
    const bad: unknown[][] = [
      [to('de'), grams(100)],
      [to('DE'), []],
      [to('DE'), grams(0)],
      [to('DE'), grams(30_001)],
      [to('DE'), [{ weightGrams: 1.5 }]],
      [{ country: 'DE' }, grams(100)],
      [to('DE')],
    ];
    for (const args of bad) {
      const error = await remoteError(client.callRaw('quote', args));
      assert.equal(error.name, 'ValidationError', JSON.stringify(args));
    }
  });
});
