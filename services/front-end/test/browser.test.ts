// The storefront in a real browser: Debian's Chromium driven by playwright-core, against the whole
// shop running in-process on real infrastructure. Each step leaves a screenshot in
// .test-results/screenshots/ (the test artifacts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, screenshot } from '@trio/testing/browser';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import type { Browser, Locator, Page } from 'playwright-core';
import { type Storefront, startStorefront } from './support/shop.ts';

let infra: TestInfra;
let shop: Storefront;
let browser: Browser;

before(
  async () => {
    infra = await createTestInfra();
    shop = await startStorefront(infra);
    browser = await launchBrowser();
  },
  // Installing Chromium on a fresh machine (see ensureChromium) takes a while.
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  await shop?.stop();
  await infra?.drop();
});

/** What a locator shows, trimmed. */
async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

/** A page in a fresh browser context (its own cookies) that fails the test on any script dialog. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    void dialog.dismiss();
    throw new Error(`a script opened a dialog: ${dialog.message()}`);
  });
  return page;
}

async function register(page: Page, next: string): Promise<string> {
  const email = `browser-${crypto.randomUUID()}@example.com`;
  await page.goto(`${shop.url}/register?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Name').fill('Ada Browser');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === next);
  return email;
}

async function fillCheckout(page: Page, cardNumber: string): Promise<void> {
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address').fill('12 Test Street');
  await page.getByLabel('City').fill('Berlin');
  await page.getByLabel('Postal code').fill('10115');
  await page.getByLabel('Country').selectOption('DE');
  await page.getByLabel(/^Standard/).check();
  await page.getByLabel('Card number').fill(cardNumber);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill('2099');
  await page.getByLabel('CVC').fill('123');
}

describe('the storefront in a browser', () => {
  test('browse, search, add two products, register, check out: the confirmation links the invoice', async () => {
    const word = `Zephyr${crypto.randomUUID().slice(0, 6)}`;
    const kettle = await shop.peers.product({ name: `${word} kettle`, price: 3450, stock: 5 });
    const teapot = await shop.peers.product({ name: `${word} teapot`, price: 2199, stock: 5 });
    const page = await newPage();

    await page.goto(shop.url);
    await page.getByRole('heading', { level: 1, name: 'Trio Shop' }).waitFor();
    await screenshot(page, 'journey-1-home');

    await page.getByLabel('Search products').fill(word);
    await page.getByLabel('Search products').press('Enter');
    await page.waitForURL(/\/search\?/);
    await page.getByRole('link', { name: `${word} kettle` }).waitFor();
    await screenshot(page, 'journey-2-search');

    await page
      .getByRole('link', { name: `${word} kettle` })
      .first()
      .click();
    await page.waitForURL(`**/p/${kettle}`);
    await page.getByRole('heading', { level: 1, name: `${word} kettle` }).waitFor();
    assert.equal(await text(page.getByTestId('stock')), 'Only 5 left');
    await screenshot(page, 'journey-3-product');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');

    await page.goBack();
    await page.goBack();
    await page
      .getByRole('link', { name: `${word} teapot` })
      .first()
      .click();
    await page.waitForURL(`**/p/${teapot}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');
    assert.equal(await page.getByTestId('cart-line').count(), 2);
    await screenshot(page, 'journey-4-cart');

    await register(page, '/checkout');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await fillCheckout(page, '4242424242424242');
    await screenshot(page, 'journey-5-checkout');
    // A double click: the button and the page's idempotency key make it one order.
    await page.getByRole('button', { name: 'Place order' }).dblclick();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
    const orderId = await text(page.getByTestId('order-id'));
    assert.ok(page.url().endsWith(orderId), `the page shows order ${orderId}`);
    await screenshot(page, 'journey-6-confirmation');

    const { rows } = await shop.peers
      .db('billing')
      .query(
        'SELECT count(*)::int AS n FROM orders WHERE user_id = (SELECT user_id FROM orders WHERE id = $1)',
        [orderId],
      );
    assert.equal(rows[0].n, 1, 'the double click placed one order');

    await page.getByRole('link', { name: 'View invoice' }).click();
    await page.waitForURL(/\/invoices\//);
    await page.getByRole('heading', { level: 1, name: /^Invoice \d{4}-\d{6}$/ }).waitFor();
    assert.ok((await page.content()).includes(`${word} kettle`));
    await screenshot(page, 'journey-7-invoice');
  });

  test('a declined card shows the reason and leaves the cart as it was', async () => {
    const sku = await shop.peers.product({ name: 'Declined-card test mug', stock: 5 });
    const page = await newPage();
    await register(page, '/account');
    await page.goto(`${shop.url}/p/${sku}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');
    await page.goto(`${shop.url}/checkout`);
    await fillCheckout(page, '4000000000000002');
    await page.getByRole('button', { name: 'Place order' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await text(alert), /Your card was declined\./);
    assert.equal(await page.getByLabel('Card number').inputValue(), '', 'the card number is not sent back');
    await screenshot(page, 'declined-1-checkout');
    await page.goto(`${shop.url}/cart`);
    assert.equal(await page.getByTestId('cart-line').count(), 1);
    await screenshot(page, 'declined-2-cart');
  });

  test('a product named like a script is shown as text, never run', async () => {
    const name = '<script>alert(1)</script>';
    const sku = await shop.peers.product({ name, stock: 5 });
    const page = await newPage();
    await page.goto(`${shop.url}/p/${sku}`);
    assert.equal(await text(page.getByRole('heading', { level: 1 })), name);
    await page.goto(`${shop.url}/search?q=${encodeURIComponent('script alert')}`);
    await screenshot(page, 'escaped-name');
  });

  // Last: it stops a service.
  test('with recommendations stopped, the product page still renders without the panel', async () => {
    const seen = await shop.peers.product({ name: 'Seen lamp', stock: 20 });
    const sku = await shop.peers.product({ name: 'Lonely lamp', stock: 20 });
    const page = await newPage();
    await page.goto(`${shop.url}/p/${seen}`);
    await page.getByRole('heading', { level: 1, name: 'Seen lamp' }).waitFor();
    const panel = await page.getByTestId('recommendations').count();
    await shop.peers.stopPeer('recommendations');
    // A product viewed before keeps the panel it was given (RECOMMENDATIONS_CACHE_TTL_MS).
    await page.goto(`${shop.url}/p/${seen}`);
    assert.equal(await page.getByTestId('recommendations').count(), panel);
    // One nobody viewed yet renders without it, within the page's budget.
    const started = Date.now();
    const response = await page.goto(`${shop.url}/p/${sku}`);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Lonely lamp' }).waitFor();
    assert.ok(Date.now() - started < 5_000, 'rendered within its budget');
    assert.equal(await page.getByTestId('recommendations').count(), 0);
    assert.equal(await text(page.getByTestId('stock')), 'In stock');
    await screenshot(page, 'recommendations-stopped');
  });
});
