import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxParcelGrams, maxParcelsPerQuote, Parcel, shippingRpc, splitIntoParcels } from './shipping.ts';

const weights = (grams: number) => splitIntoParcels(grams)?.map((parcel) => parcel.weightGrams);

describe('splitting a cart into parcels', () => {
  test('a cart of exactly the limit is one parcel', () => {
    assert.deepEqual(weights(maxParcelGrams), [maxParcelGrams]);
  });

  test('one gram over the limit is a full parcel and a 1 g parcel', () => {
    assert.deepEqual(weights(maxParcelGrams + 1), [maxParcelGrams, 1]);
  });

  test('three 8.9 kg dumbbells (26.8 kg) are one parcel, 45 kg are two', () => {
    assert.deepEqual(weights(3 * 8_934), [26_802]);
    assert.deepEqual(weights(45_000), [maxParcelGrams, 15_000]);
  });

  test('a single item heavier than the limit goes out in several parcels, like any weight', () => {
    assert.deepEqual(weights(35_000), [maxParcelGrams, 5_000]);
  });

  test('a weightless cart is one 1 g parcel', () => {
    assert.deepEqual(weights(0), [1]);
  });

  test('the heaviest cart that ships fills every parcel of a quote; one gram more does not ship', () => {
    assert.equal(weights(maxParcelGrams * maxParcelsPerQuote)?.length, maxParcelsPerQuote);
    assert.equal(splitIntoParcels(maxParcelGrams * maxParcelsPerQuote + 1), undefined);
  });

  test('every parcel of a split is one the quote contract accepts', () => {
    for (const grams of [
      1,
      999,
      maxParcelGrams,
      maxParcelGrams + 1,
      123_456,
      maxParcelGrams * maxParcelsPerQuote,
    ]) {
      const parcels = splitIntoParcels(grams)!;
      assert.equal(
        parcels.reduce((sum, parcel) => sum + parcel.weightGrams, 0),
        grams,
      );
      assert.ok(
        shippingRpc.methods.quote.args.safeParse([{ country: 'DE', postalCode: '10115' }, parcels]).success,
        `${grams} g`,
      );
    }
  });

  test('a parcel above the limit is refused by the contract, naming the limit', () => {
    const result = Parcel.safeParse({ weightGrams: maxParcelGrams + 1 });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['weightGrams', 'must be at most 30 kg']],
    );
  });
});
