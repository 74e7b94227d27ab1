// reserve, commit, release and restock as billing and an admin use them, and what each leaves in
// the database: all or nothing, safe to repeat, and stock that comes back when a hold lapses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  type InventoryClient,
  newOrderId,
  newSku,
  openDatabase,
  remoteError,
  reservationStatus,
  startInventory,
  stockRow,
  type TestInventory,
  waitFor,
} from './support/inventory.ts';

let infra: TestInfra;
let inventory: TestInventory;
let client: InventoryClient;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  // No sweeps here (the first would run in an hour): the expiry tests decide who sweeps.
  inventory = await startInventory(infra, {
    SEED_ON_START: 'false',
    RESERVATION_SWEEP_INTERVAL_MS: '3600000',
  });
  client = inventory.client;
  db = openDatabase(infra);
});

after(async () => {
  await inventory?.stop();
  await db?.end();
  await infra?.drop();
});

/** A new sku holding `units`. */
async function stocked(units: number): Promise<string> {
  const sku = newSku();
  await client.call('restock', sku, units);
  return sku;
}

describe('getStock and restock', () => {
  test('a sku inventory has never seen has 0 units available', async () => {
    assert.deepEqual(await client.call('getStock', ['NEVER-SEEN']), { 'NEVER-SEEN': 0 });
  });

  test('restock adds units each time it is called, and getStock shows what is available', async () => {
    const sku = newSku();
    assert.deepEqual(await client.call('restock', sku, 5), { sku, available: 5 });
    assert.deepEqual(await client.call('restock', sku, 3), { sku, available: 8 });
    await client.call('reserve', newOrderId(), [{ sku, qty: 2 }], 60);
    assert.deepEqual(await client.call('getStock', [sku, 'NEVER-SEEN']), { [sku]: 6, 'NEVER-SEEN': 0 });
  });
});

describe('reserve', () => {
  test('holds every line and says when the hold lapses', async () => {
    const [a, b] = [await stocked(5), await stocked(5)];
    const orderId = newOrderId();
    const lines = [
      { sku: a, qty: 2 },
      { sku: b, qty: 5 },
    ];
    const reservation = await client.call('reserve', orderId, lines, 600);
    assert.equal(reservation.orderId, orderId);
    assert.deepEqual(reservation.lines, lines);
    const lapsesIn = Date.parse(reservation.expiresAt) - Date.now();
    assert.ok(lapsesIn > 590_000 && lapsesIn <= 600_000, `lapses in ${lapsesIn} ms`);
    assert.deepEqual(await client.call('getStock', [a, b]), { [a]: 3, [b]: 0 });
  });

  test('when one line is short, nothing is reserved and the error names exactly the short skus', async () => {
    const [plenty, few, none] = [await stocked(10), await stocked(1), newSku()];
    const orderId = newOrderId();
    const error = await remoteError(
      client.call(
        'reserve',
        orderId,
        [
          { sku: plenty, qty: 2 },
          { sku: few, qty: 2 },
          { sku: none, qty: 1 },
        ],
        60,
      ),
    );
    assert.equal(error.name, 'OutOfStock');
    assert.deepEqual(error.details, { skus: [few, none].sort() });
    assert.deepEqual(await client.call('getStock', [plenty, few, none]), {
      [plenty]: 10,
      [few]: 1,
      [none]: 0,
    });
    assert.equal(await reservationStatus(db, orderId), undefined);
  });

  test('repeating it for the same order and lines answers the first reservation and holds nothing more', async () => {
    const [a, b] = [await stocked(10), await stocked(10)];
    const orderId = newOrderId();
    const lines = [
      { sku: a, qty: 1 },
      { sku: b, qty: 2 },
    ];
    const first = await client.call('reserve', orderId, lines, 60);
    assert.deepEqual(await client.call('reserve', orderId, lines, 60), first);
    // The same lines in another order are the same reservation.
    assert.deepEqual(await client.call('reserve', orderId, lines.toReversed(), 60), first);
    assert.deepEqual(await client.call('getStock', [a, b]), { [a]: 9, [b]: 8 });
  });

  test('the same order with other lines is refused by name and changes nothing', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    const first = await client.call('reserve', orderId, [{ sku, qty: 1 }], 60);
    const error = await remoteError(client.call('reserve', orderId, [{ sku, qty: 3 }], 60));
    assert.equal(error.name, 'ReservationConflict');
    assert.match(error.message, new RegExp(orderId));
    assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 9 });
    assert.deepEqual(await client.call('reserve', orderId, [{ sku, qty: 1 }], 60), first);
  });
});

describe('commit', () => {
  test('turns the hold into a sale: on hand and reserved both drop, availability stays', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    assert.deepEqual(await client.call('commit', orderId), { orderId, status: 'committed' });
    assert.deepEqual(await stockRow(db, sku), { onHand: 6, reserved: 0 });
    assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 6 });
    assert.equal(await reservationStatus(db, orderId), 'committed');
  });

  test('committing twice is a no-op, and a repeated reserve of the sold order answers as before', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    const reservation = await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    await client.call('commit', orderId);
    assert.deepEqual(await client.call('commit', orderId), { orderId, status: 'committed' });
    assert.deepEqual(await client.call('reserve', orderId, [{ sku, qty: 4 }], 60), reservation);
    assert.deepEqual(await stockRow(db, sku), { onHand: 6, reserved: 0 });
  });

  test('an order without a reservation, or whose reservation was released, answers NotFound', async () => {
    assert.equal((await remoteError(client.call('commit', newOrderId()))).name, 'NotFound');
    const sku = await stocked(10);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    await client.call('release', orderId);
    const error = await remoteError(client.call('commit', orderId));
    assert.equal(error.name, 'NotFound');
    assert.match(error.message, /released/);
    assert.deepEqual(await stockRow(db, sku), { onHand: 10, reserved: 0 });
  });
});

describe('release', () => {
  test('gives the stock back once; a second release and an unknown order release nothing', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    assert.deepEqual(await client.call('release', orderId), { orderId, released: true });
    assert.deepEqual(await client.call('release', orderId), { orderId, released: false });
    const unknown = newOrderId();
    assert.deepEqual(await client.call('release', unknown), { orderId: unknown, released: false });
    assert.deepEqual(await stockRow(db, sku), { onHand: 10, reserved: 0 });
    assert.equal(await reservationStatus(db, orderId), 'released');
  });

  test('does not undo a sale', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    await client.call('commit', orderId);
    assert.deepEqual(await client.call('release', orderId), { orderId, released: false });
    assert.deepEqual(await stockRow(db, sku), { onHand: 6, reserved: 0 });
  });

  test('a released order can reserve again: it holds the stock afresh', async () => {
    const sku = await stocked(10);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 4 }], 60);
    await client.call('release', orderId);
    await client.call('reserve', orderId, [{ sku, qty: 2 }], 60);
    assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 8 });
    assert.equal(await reservationStatus(db, orderId), 'held');
  });
});

describe('expiry', () => {
  test('a hold past its TTL is expired by the sweeper and its stock goes back on sale', async () => {
    const sweeping = await startInventory(infra, {
      SEED_ON_START: 'false',
      RESERVATION_SWEEP_INTERVAL_MS: '100',
    });
    try {
      const sku = await stocked(5);
      const orderId = newOrderId();
      await client.call('reserve', orderId, [{ sku, qty: 5 }], 1);
      assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 0 });
      await waitFor(
        'the sweeper to expire the hold',
        async () => (await reservationStatus(db, orderId)) === 'expired',
      );
      assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 5 });
      assert.deepEqual(await stockRow(db, sku), { onHand: 5, reserved: 0 });
      assert.ok(sweeping.logs().some((line) => String(line.msg).startsWith('lapsed reservations expired')));
      // Too late to sell it; reserving again holds the stock anew.
      assert.equal((await remoteError(client.call('commit', orderId))).name, 'ReservationExpired');
      const again = await client.call('reserve', orderId, [{ sku, qty: 5 }], 60);
      assert.ok(Date.parse(again.expiresAt) > Date.now() + 50_000);
      assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 0 });
    } finally {
      await sweeping.stop();
    }
  });

  test('a commit after the TTL fails even before any sweep, and gives the stock back', async () => {
    const sku = await stocked(5);
    const orderId = newOrderId();
    await client.call('reserve', orderId, [{ sku, qty: 2 }], 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(await reservationStatus(db, orderId), 'held');
    assert.equal((await remoteError(client.call('commit', orderId))).name, 'ReservationExpired');
    assert.deepEqual(await stockRow(db, sku), { onHand: 5, reserved: 0 });
    assert.equal(await reservationStatus(db, orderId), 'expired');
  });

  test('a reserve repeated after the TTL, before any sweep, holds the stock afresh instead of answering a lapsed hold', async () => {
    const sku = await stocked(5);
    const orderId = newOrderId();
    const first = await client.call('reserve', orderId, [{ sku, qty: 2 }], 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const again = await client.call('reserve', orderId, [{ sku, qty: 2 }], 60);
    assert.ok(Date.parse(again.expiresAt) > Date.parse(first.expiresAt));
    assert.deepEqual(await stockRow(db, sku), { onHand: 5, reserved: 2 });
  });
});
