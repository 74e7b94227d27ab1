// The rate tables: which zone a country is in, and the price of one parcel per zone, service and
// weight band. Data in code, so a quote is deterministic and a price change is a reviewed commit.
// A quote prices each parcel on its own and adds them up.
import type { ShippingDestination, ShippingService } from '@trio/contracts/common';
import {
  maxParcelGrams,
  type Parcel,
  type ShippingOption,
  type ShippingQuote,
} from '@trio/contracts/shipping';
import { unsupportedDestination } from './errors.ts';

export type Zone = 'domestic' | 'eu' | 'world';

/** The shop ships from Germany. */
const domestic = new Set(['DE']);
const eu = new Set(
  'AT BE BG CY CZ DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '),
);
/** Outside the EU the shop ships to these countries only; anywhere else is UnsupportedDestination. */
const world = new Set('AU CA CH GB IS JP LI NO NZ SG US'.split(' '));

export function zoneOf(country: string): Zone | undefined {
  if (domestic.has(country)) return 'domestic';
  if (eu.has(country)) return 'eu';
  if (world.has(country)) return 'world';
  return undefined;
}

/**
 * Upper bounds of the weight bands, in grams (inclusive). The last is the contract's parcel limit,
 * so every parcel the contract lets through has a band and nothing heavier reaches a quote.
 */
export const weightBands = [1_000, 5_000, 10_000, 20_000, maxParcelGrams] as const;

/** One price per weight band: a band added without its prices does not compile. */
type PerBand<Bands extends readonly number[]> = { readonly [band in keyof Bands]: number };
type BandPrices = PerBand<typeof weightBands>;

export const currency = 'EUR';

/** Price of one parcel in euro cents, per weight band (same order as `weightBands`). */
const prices: Record<Zone, Record<ShippingService, BandPrices>> = {
  domestic: { standard: [490, 690, 990, 1_490, 1_990], express: [990, 1_290, 1_690, 2_490, 3_290] },
  eu: { standard: [990, 1_490, 2_190, 3_290, 4_290], express: [1_990, 2_690, 3_590, 4_990, 6_490] },
  world: {
    standard: [1_990, 2_990, 4_490, 6_990, 8_990],
    express: [3_990, 5_490, 7_990, 11_990, 15_490],
  },
};

/** Business days from dispatch to delivery. */
const estimatedDays: Record<Zone, Record<ShippingService, { min: number; max: number }>> = {
  domestic: { standard: { min: 1, max: 3 }, express: { min: 1, max: 1 } },
  eu: { standard: { min: 3, max: 6 }, express: { min: 1, max: 3 } },
  world: { standard: { min: 7, max: 14 }, express: { min: 3, max: 5 } },
};

const services: readonly ShippingService[] = ['standard', 'express'];

function bandOf(weightGrams: number): number {
  const band = weightBands.findIndex((limit) => weightGrams <= limit);
  // The contract's `Parcel` stops heavier parcels before a quote runs: this is a caller's bug.
  if (band === -1) throw new RangeError(`a parcel of ${weightGrams} g is above ${maxParcelGrams} g`);
  return band;
}

/** Every service to `destination`, cheapest first. The postal code does not change the price. */
export function quote(destination: ShippingDestination, parcels: readonly Parcel[]): ShippingQuote {
  const zone = zoneOf(destination.country);
  if (zone === undefined) throw unsupportedDestination(destination.country);
  const bands = parcels.map((parcel) => bandOf(parcel.weightGrams));
  const options = services.map(
    (service): ShippingOption => ({
      service,
      price: { amount: bands.reduce((sum, band) => sum + prices[zone][service][band]!, 0), currency },
      estimatedDays: estimatedDays[zone][service],
    }),
  );
  return { options };
}
