// The storefront's pages against the whole shop running in-process, as a browser without
// JavaScript uses them: plain GETs, form posts carrying the page's CSRF token, redirects read from
// the answers. Every HTML answer is checked against the CSP's rules: no inline script or style.
import assert from 'node:assert/strict';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { adminToken } from '@trio/shop-testing/peers';
import { useTestInfra } from '@trio/testing/infra';
import {
  type BrowserClient,
  type BrowserReply,
  type Storefront,
  startStorefront,
  waitFor,
} from './support/shop.ts';

let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  shop = made.running;
});

const password = 'correct horse battery';
const invoicePolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** An HTML answer's text, after checking what every page must honour. */
function pageHtml(reply: BrowserReply, status = 200): string {
  assert.equal(reply.status, status, reply.text.slice(0, 2000));
  assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
  const policy = reply.headers.get('content-security-policy') ?? '';
  assert.match(policy, /script-src 'self'/, 'the storefront policy is sent');
  assert.doesNotMatch(policy, /unsafe-inline/);
  assert.doesNotMatch(reply.text, /<script(?![^>]*\ssrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(reply.text, /<style[\s>]/i, 'no style element');
  assert.doesNotMatch(reply.text, /\sstyle\s*=/i, 'no style attribute');
  assert.doesNotMatch(reply.text, /\son[a-z]+\s*=/i, 'no inline event handler');
  return reply.text;
}

async function getPage(client: BrowserClient, path: string, status = 200): Promise<string> {
  return pageHtml(await client.get(path), status);
}

function hidden(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(match, `the page has a ${name} field`);
  return match[1]!;
}

function count(html: string, pattern: RegExp): number {
  return html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

function expectRedirect(reply: BrowserReply, location: string | RegExp): string {
  assert.equal(reply.status, 303, reply.text.slice(0, 2000));
  const actual = reply.headers.get('location') ?? '';
  if (typeof location === 'string') assert.equal(actual, location);
  else assert.match(actual, location);
  return actual;
}

async function addToCart(client: BrowserClient, sku: string, qty = '1'): Promise<void> {
  const html = await getPage(client, `/p/${sku}`);
  const reply = await client.request('POST', '/cart/items', {
    form: { _csrf: hidden(html, '_csrf'), sku, qty },
  });
  expectRedirect(reply, '/cart');
}

async function registerThrough(client: BrowserClient, next: string): Promise<string> {
  const email = `pages-${crypto.randomUUID()}@example.com`;
  const html = await getPage(client, `/register?next=${encodeURIComponent(next)}`);
  assert.equal(hidden(html, 'next'), next);
  const reply = await client.request('POST', '/register', {
    form: { _csrf: hidden(html, '_csrf'), next, name: 'Ada Pages', email, password },
  });
  expectRedirect(reply, next);
  return email;
}

function checkoutForm(html: string, cardNumber: string, overrides: Record<string, string> = {}) {
  return {
    _csrf: hidden(html, '_csrf'),
    idempotencyKey: hidden(html, 'idempotencyKey'),
    name: 'Ada Lovelace',
    line1: '12 Test Street',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
    shipping: 'standard',
    cardNumber,
    expMonth: '12',
    expYear: '2099',
    cvc: '123',
    ...overrides,
  };
}

describe('browsing', () => {
  test('the home page has the layout, the categories and featured product cards', async () => {
    const html = await getPage(shop.browserClient(), '/');
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<meta name="viewport"/);
    assert.match(html, /<a class="skip-link" href="#main">Skip to content<\/a>/);
    assert.match(html, /<main id="main"/);
    assert.match(html, /<h1>Trio Shop<\/h1>/);
    assert.match(html, /href="\/c\/kitchen"/);
    assert.match(html, /Featured products/);
    assert.ok(count(html, /<article class="product-card">/) > 0);
    assert.match(html, />Cart \(0\)</);
    assert.match(html, />Log in</);
    assert.match(html, />Register</);
  });

  test('the featured products are the newest of each category, dealt out one category at a time', async () => {
    const html = await getPage(shop.browserClient(), '/');
    const featured = html.slice(html.indexOf('Featured products'));
    const skus = [...featured.matchAll(/class="product-card__name"><a href="\/p\/([A-Z0-9-]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(skus.length, 24);
    const categories = skus.map((sku) => sku.replace(/-[0-9]+$/, ''));
    assert.equal(
      new Set(categories.slice(0, 10)).size,
      10,
      `the first ten come from ten categories: ${skus}`,
    );
    const sku = await shop.peers.product({ name: 'Brand-new featured kettle' });
    await waitFor('the new product to be featured', async () =>
      (await getPage(shop.browserClient(), '/')).includes(`href="/p/${sku}"`),
    );
  });

  test('search shows the matching products; an empty search goes home', async () => {
    const client = shop.browserClient();
    const word = `Quokka${crypto.randomUUID().slice(0, 6)}`;
    const sku = await shop.peers.product({ name: `${word} tumbler`, price: 1999 });
    const html = await getPage(client, `/search?q=${word}`);
    assert.match(html, new RegExp(`<h1>Results for “${word}”</h1>`));
    assert.match(html, new RegExp(`<a href="/p/${sku}">${word} tumbler</a>`));
    assert.match(html, /€19\.99/);
    assert.match(html, new RegExp(`name="q" value="${word}"`), 'the search box keeps the query');
    expectRedirect(await client.get('/search?q=%20'), '/');
  });

  test('a search page is kept until the catalogue changes: a new price shows once product.updated arrives', async () => {
    const client = shop.browserClient();
    const word = `Wombat${crypto.randomUUID().slice(0, 6)}`;
    const sku = await shop.peers.product({ name: `${word} ladle`, price: 1999 });
    assert.match(await getPage(client, `/search?q=${word}`), /€19\.99/);
    const changed = await fetch(`${shop.peers.catalogUrl}/products/${sku}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price: { amount: 2499, currency: 'EUR' } }),
    });
    assert.equal(changed.status, 200, await changed.text());
    await waitFor('the search page to show the new price', async () =>
      /€24\.99/.test(await getPage(client, `/search?q=${word}`)),
    );
  });

  test('the home and category pages are kept per header: 304 on a matching ETag, new bytes when the catalogue changes', async () => {
    const word = `Numbat${crypto.randomUUID().slice(0, 6)}`;
    const paths = ['/', '/c/kitchen?sort=newest'];
    const before = await Promise.all(
      paths.map(async (path) => (await shop.browserClient().get(path)).headers),
    );
    const sku = await shop.peers.product({ name: `${word} whisk`, price: 1999 });
    const etags: string[] = [];
    for (const [index, path] of paths.entries()) {
      await waitFor(`${path} to show the new product`, async () =>
        (await getPage(shop.browserClient(), path)).includes(`href="/p/${sku}"`),
      );
      const first = await shop.browserClient().get(path);
      const again = await shop.browserClient().get(path);
      const etag = first.headers.get('etag') ?? '';
      assert.match(etag, /^W\/"/);
      assert.notEqual(etag, before[index]?.get('etag'), 'new bytes, a new ETag');
      assert.equal(again.text, first.text);
      assert.equal(again.headers.get('etag'), etag);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      // node:http, not fetch: fetch adds `cache-control: no-cache` to a conditional request.
      const fresh = await new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(`${shop.url}${path}`, { headers: { 'if-none-match': etag } }, resolve).on('error', reject),
      );
      fresh.resume();
      assert.equal(fresh.statusCode, 304);
      assert.equal(fresh.headers['content-length'], undefined);
      etags.push(etag);
    }

    // The header is the shopper's: a cart's count, a logged-in shopper's own logout token.
    const carrying = shop.browserClient();
    await addToCart(carrying, sku);
    assert.match(await getPage(carrying, '/'), />Cart \(1\)</);
    assert.match(await getPage(shop.browserClient(), '/'), />Cart \(0\)</);
    const [ada, bob] = [shop.browserClient(), shop.browserClient()];
    await registerThrough(ada, '/');
    await registerThrough(bob, '/');
    const [adaHome, bobHome] = [await getPage(ada, '/'), await getPage(bob, '/')];
    assert.match(adaHome, />Log out</);
    assert.notEqual(hidden(adaHome, '_csrf'), hidden(bobHome, '_csrf'));
    assert.doesNotMatch(await getPage(shop.browserClient(), '/'), />Log out</);

    const changed = await fetch(`${shop.peers.catalogUrl}/products/${sku}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price: { amount: 2499, currency: 'EUR' } }),
    });
    assert.equal(changed.status, 200, await changed.text());
    // (The home page's featured products are kept for their TTL: a new price shows there later.)
    await waitFor('the category page to show the new price', async () => {
      const reply = await shop.browserClient().get(paths[1]!);
      const card = reply.text.slice(reply.text.indexOf(`href="/p/${sku}"`));
      return card.slice(0, 400).includes('€24.99') && reply.headers.get('etag') !== etags[1];
    });
  });

  test('a category page names the category and pages through it; an unknown one is a 404 page', async () => {
    const client = shop.browserClient();
    // The demo catalogue seeds 24 kitchen products, a page's worth: one more makes a second page.
    await shop.peers.product();
    const html = await getPage(client, '/c/kitchen');
    assert.match(html, /<h1>Kitchen<\/h1>/);
    assert.equal(count(html, /<article class="product-card">/), 24);
    assert.match(html, /<nav class="pagination" aria-label="Pagination">/);
    assert.match(html, /aria-current="page">Page 1 of \d+</);
    assert.doesNotMatch(html, />Previous</);
    assert.match(html, /<a href="\/c\/kitchen\?page=2" rel="next">Next<\/a>/);
    const second = await getPage(client, '/c/kitchen?page=2');
    assert.match(second, /<a href="\/c\/kitchen" rel="prev">Previous<\/a>/);
    assert.match(second, /aria-current="page">Page 2 of/);
    assert.ok(count(second, /<article class="product-card">/) > 0);
    assert.match(await getPage(client, '/c/no-such-category', 404), /Page not found/);
    assert.match(await getPage(client, '/c/kitchen?page=zero', 400), /That page number is not valid\./);
  });

  test('a category page filters by price and sorts, keeping the filters across pages', async () => {
    const client = shop.browserClient();
    const cheap = await shop.peers.product({ name: 'Filter test cheap spoon', price: 150 });
    const dear = await shop.peers.product({ name: 'Filter test dear pot', price: 98_900 });
    const html = await getPage(client, '/c/kitchen?min=900&sort=price_desc');
    assert.match(html, /<label for="filter-min">Min price \(€\)<\/label>/);
    assert.match(html, /<option value="price_desc" selected>/);
    assert.ok(html.includes(`/p/${dear}`), 'the dear pot is above the minimum');
    assert.ok(!html.includes(`/p/${cheap}`), 'the cheap spoon is below it');
    const first = html.indexOf('<article class="product-card">');
    assert.ok(
      html.indexOf(`/p/${dear}`) > first && html.indexOf(`/p/${dear}`) < html.indexOf('</article>', first),
      'dearest first',
    );
    const under = await getPage(client, '/c/kitchen?max=2&sort=price_asc');
    assert.ok(under.includes(`/p/${cheap}`));
    assert.ok(!under.includes(`/p/${dear}`));
    assert.match(
      await getPage(client, '/c/kitchen?min=50&max=10', 400),
      /The min price must not be above the max price\./,
    );
    assert.match(await getPage(client, '/c/kitchen?min=ten', 400), /Prices are whole numbers/);
  });

  test('a product page shows the stock line and an add-to-cart form; an unknown sku is a 404 page', async () => {
    const client = shop.browserClient();
    const low = await shop.peers.product({ name: 'Low stock jug', stock: 3, price: 2450 });
    const html = await getPage(client, `/p/${low}`);
    assert.match(html, /<h1>Low stock jug<\/h1>/);
    assert.match(html, /data-testid="stock">Only 3 left</);
    assert.match(html, /€24\.50/);
    assert.match(html, /<img class="product__image" src="\/images\/products\/[^"]+" alt="Low stock jug"/);
    assert.match(html, /<form class="add-to-cart" method="post" action="\/cart\/items"/);
    assert.match(html, /<label for="qty">Quantity<\/label>/);
    assert.match(html, /<input id="qty" name="qty" type="number" value="1"/);
    assert.ok(hidden(html, '_csrf').length > 20, 'the form carries a CSRF token');
    assert.ok(client.cookies.size > 0, 'the page started a session for its token');
    assert.match(html, /<button type="submit" class="button">Add to cart<\/button>/);

    const soldOut = await shop.peers.product({ name: 'Sold out jug', stock: 0 });
    const soldOutHtml = await getPage(client, `/p/${soldOut}`);
    assert.match(soldOutHtml, /data-testid="stock">Out of stock</);
    assert.match(soldOutHtml, /<button type="submit" class="button" disabled>Add to cart<\/button>/);

    const missing = await getPage(client, '/p/NOPE-0000', 404);
    assert.match(missing, /<h1>Page not found<\/h1>/);
    await getPage(client, '/p/not%20a%20sku', 404);
  });

  test('a product named like a script is shown as text on every page', async () => {
    const client = shop.browserClient();
    const word = `Xss${crypto.randomUUID().slice(0, 6)}`;
    const sku = await shop.peers.product({ name: `<script>alert(1)</script> ${word}` });
    const escaped = `&lt;script&gt;alert(1)&lt;/script&gt; ${word}`;
    const product = await getPage(client, `/p/${sku}`);
    assert.ok(product.includes(`<h1>${escaped}</h1>`));
    assert.ok(product.includes(`alt="${escaped}"`));
    assert.ok(!product.includes('<script>alert(1)'));
    const results = await getPage(client, `/search?q=${word}`);
    assert.ok(results.includes(escaped));
    assert.ok(!results.includes('<script>alert(1)'));
    await addToCart(client, sku);
    const cart = await getPage(client, '/cart');
    assert.ok(cart.includes(`Quantity for ${escaped}`));
    assert.ok(!cart.includes('<script>alert(1)'));
  });

  test('an unknown page is an HTML 404; the JSON API keeps its JSON errors', async () => {
    const client = shop.browserClient();
    assert.match(await getPage(client, '/no/such/page', 404), /Page not found/);
    const api = await client.get('/api/no-such-thing');
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
  });
});

describe('the cart', () => {
  test('add, change and remove lines with form posts that redirect back to the cart', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ name: 'Cart test bowl', price: 1250 });
    await addToCart(client, sku, '2');
    let html = await getPage(client, '/cart');
    assert.match(html, /<h1>Your cart<\/h1>/);
    assert.equal(count(html, /data-testid="cart-line"/), 1);
    assert.match(html, />Cart \(2\)</);
    assert.match(html, /<label for="line-[^"]+-qty">Quantity for Cart test bowl<\/label>/);
    assert.match(html, /name="qty" type="number" value="2"/);
    assert.match(html, /€25\.00/);
    assert.match(html, /<a class="button" href="\/checkout">Checkout<\/a>/);
    const token = hidden(html, '_csrf');

    const refused = await client.request('POST', `/cart/items/${sku}`, { form: { _csrf: token, qty: '0' } });
    const refusedHtml = pageHtml(refused, 400);
    assert.match(refusedHtml, /role="alert"/);
    assert.match(refusedHtml, /aria-invalid="true" aria-describedby="line-[^"]+-qty-error"/);
    assert.match(refusedHtml, /Enter a quantity from 1 to 99 for Cart test bowl\./);

    expectRedirect(
      await client.request('POST', `/cart/items/${sku}`, { form: { _csrf: token, qty: '3' } }),
      '/cart',
    );
    html = await getPage(client, '/cart');
    assert.match(html, />Cart \(3\)</);
    assert.match(html, /€37\.50/);

    expectRedirect(
      await client.request('POST', `/cart/items/${sku}/remove`, { form: { _csrf: token } }),
      '/cart',
    );
    html = await getPage(client, '/cart');
    assert.match(html, /Your cart is empty/);
    assert.equal(count(html, /data-testid="cart-line"/), 0);
    assert.doesNotMatch(html, /href="\/checkout"/);
  });

  test('a form post without the page’s token is refused with a 403 page and changes nothing', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product();
    await getPage(client, `/p/${sku}`);
    const without = await client.request('POST', '/cart/items', { form: { sku, qty: '1' } });
    assert.match(pageHtml(without, 403), /This form has expired/);
    const wrong = await client.request('POST', '/cart/items', {
      form: { _csrf: 'x'.repeat(43), sku, qty: '1' },
    });
    pageHtml(wrong, 403);
    const stranger = shop.browserClient();
    const theirs = hidden(await getPage(stranger, `/p/${sku}`), '_csrf');
    pageHtml(await client.request('POST', '/cart/items', { form: { _csrf: theirs, sku, qty: '1' } }), 403);
    assert.match(await getPage(client, '/cart'), /Your cart is empty/);
  });

  test('bad quantities re-render the product form; `next` is followed only to a path on the shop', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ name: 'Quantity test cup' });
    const html = await getPage(client, `/p/${sku}`);
    const token = hidden(html, '_csrf');
    const refused = pageHtml(
      await client.request('POST', '/cart/items', { form: { _csrf: token, sku, qty: 'lots' } }),
      400,
    );
    assert.match(refused, /<h1>Quantity test cup<\/h1>/);
    assert.match(refused, /<p class="field__error" id="qty-error">Enter a quantity from 1 to 99\.<\/p>/);
    assert.match(refused, /value="lots"/);
    assert.match(refused, /<a href="#qty">Enter a quantity from 1 to 99\.<\/a>/);

    const form = { _csrf: token, sku, qty: '1' };
    expectRedirect(
      await client.request('POST', '/cart/items', { form: { ...form, next: `/p/${sku}` } }),
      `/p/${sku}`,
    );
    expectRedirect(
      await client.request('POST', '/cart/items', { form: { ...form, next: '//evil.example' } }),
      '/cart',
    );
    expectRedirect(
      await client.request('POST', '/cart/items', { form: { ...form, next: '/\\evil.example' } }),
      '/cart',
    );
    expectRedirect(
      await client.request('POST', '/cart/items', { form: { ...form, next: 'https://evil.example/' } }),
      '/cart',
    );
    assert.match(await getPage(client, '/cart'), />Cart \(4\)</);
  });
});

describe('accounts', () => {
  test('register, see the account, log out, and log in again', async () => {
    const client = shop.browserClient();
    const form = await getPage(client, '/register?next=/account');
    assert.match(form, /<label for="name">Name<\/label>/);
    assert.match(form, /<label for="email">Email<\/label>/);
    assert.match(form, /<label for="password">Password<\/label>/);
    assert.match(form, />Create account<\/button>/);

    const refused = pageHtml(
      await client.request('POST', '/register', {
        form: { _csrf: hidden(form, '_csrf'), name: 'Ada', email: 'not-an-email', password: 'short' },
      }),
      400,
    );
    assert.match(refused, /<div class="error-summary" role="alert"/);
    assert.match(refused, /Email must be an email address\./);
    assert.match(refused, /Password must be at least 8 characters\./);
    assert.match(refused, /id="email" name="email" type="email" value="not-an-email"/);
    assert.match(
      refused,
      /id="password" name="password" type="password" autocomplete/,
      'no password sent back',
    );
    assert.doesNotMatch(refused, /value="short"/);

    const email = await registerThrough(client, '/account');
    let account = await getPage(client, '/account');
    assert.match(account, /<h1>Your account<\/h1>/);
    assert.ok(account.includes(email));
    assert.match(account, /<a href="\/orders">Your orders<\/a>/);
    assert.match(account, />Account<\/a>/);
    assert.match(account, />Log out<\/button>/);
    assert.doesNotMatch(account, />Log in<\/a>/);

    expectRedirect(
      await client.request('POST', '/logout', { form: { _csrf: hidden(account, '_csrf') } }),
      '/',
    );
    expectRedirect(await client.get('/account'), '/login?next=%2Faccount');

    const login = await getPage(client, '/login?next=/account');
    const wrong = pageHtml(
      await client.request('POST', '/login', {
        form: { _csrf: hidden(login, '_csrf'), next: '/account', email, password: 'not the password' },
      }),
      401,
    );
    assert.match(wrong, /role="alert"[\s\S]*The email or password is not right\./);
    assert.ok(wrong.includes(`value="${email}"`), 'the email is kept');
    assert.doesNotMatch(wrong, /not the password/);
    expectRedirect(
      await client.request('POST', '/login', {
        form: { _csrf: hidden(wrong, '_csrf'), next: '/account', email, password },
      }),
      '/account',
    );
    account = await getPage(client, '/account');
    assert.ok(account.includes(email));

    const again = shop.browserClient();
    const second = await getPage(again, '/register');
    const taken = pageHtml(
      await again.request('POST', '/register', {
        form: { _csrf: hidden(second, '_csrf'), name: 'Ada Again', email, password },
      }),
      409,
    );
    assert.match(taken, /An account with this email already exists\./);
  });
});

describe('checkout', () => {
  test('needs a login and a cart', async () => {
    const client = shop.browserClient();
    expectRedirect(await client.get('/checkout'), '/login?next=%2Fcheckout');
    expectRedirect(await client.get('/orders'), '/login?next=%2Forders');
    await registerThrough(client, '/account');
    expectRedirect(await client.get('/checkout'), '/cart');
  });

  test('the success card: a redirect to the confirmed order, which links its invoice', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ name: 'Checkout kettle', price: 3450, weightGrams: 400 });
    await addToCart(client, sku, '2');
    await registerThrough(client, '/checkout');
    const html = await getPage(client, '/checkout');
    assert.match(html, /<legend>Delivery address<\/legend>/);
    for (const label of [
      'Full name',
      'Address',
      'City',
      'Postal code',
      'Country',
      'Card number',
      'Expiry month',
      'Expiry year',
      'CVC',
    ])
      assert.match(html, new RegExp(`<label for="[A-Za-z0-9]+">${label}</label>`));
    assert.match(html, /<option value="DE" selected>Germany<\/option>/);
    assert.match(html, /<span class="radio__name">Standard<\/span> <span [^>]*>€4\.90<\/span>/);
    assert.match(html, /<span class="radio__name">Express<\/span> <span [^>]*>€9\.90<\/span>/);
    assert.match(
      html,
      /inputmode="numeric" autocomplete="cc-number"|autocomplete="cc-number" inputmode="numeric"/,
    );
    assert.match(html, /formaction="\/checkout\/shipping"[^>]*>Update shipping prices</);
    assert.match(html, />Place order<\/button>/);
    assert.match(html, /Checkout kettle × 2/);
    assert.match(html, /€69\.00/);

    const reply = await client.request('POST', '/checkout', {
      form: checkoutForm(html, '4242 4242 4242 4242'),
    });
    const location = expectRedirect(reply, /^\/orders\/[0-9a-f-]{36}$/);
    const orderId = location.slice('/orders/'.length);
    const order = await getPage(client, location);
    assert.match(order, /<h1>Order confirmed<\/h1>/);
    assert.ok(order.includes(`data-testid="order-id">${orderId}<`));
    assert.match(order, /<dt>Trace id<\/dt><dd><code data-testid="trace-id">[0-9a-f]{32}<\/code><\/dd>/);
    assert.match(order, /Checkout kettle/);
    const invoice = /<a [^>]*href="(\/invoices\/[0-9a-f-]{36})">View invoice<\/a>/.exec(order);
    assert.ok(invoice, 'the confirmation links the invoice');
    assert.match(await getPage(client, '/cart'), /Your cart is empty/);

    const orders = await getPage(client, '/orders');
    assert.match(orders, /<h1>Your orders<\/h1>/);
    assert.ok(orders.includes(`href="/orders/${orderId}"`));
    assert.ok(orders.includes(`href="${invoice[1]}">Invoice</a>`));

    const printable = await client.get(invoice[1]!);
    assert.equal(printable.status, 200);
    assert.equal(printable.headers.get('content-security-policy'), invoicePolicy);
    assert.match(printable.text, /Checkout kettle/);

    await getPage(client, `/orders/${crypto.randomUUID()}`, 404);
    await getPage(client, '/orders/not-an-order', 404);
  });

  test('a declined card re-renders the checkout with the reason, keeps the address and the cart', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ name: 'Declined teapot' });
    await addToCart(client, sku);
    await registerThrough(client, '/checkout');
    const html = await getPage(client, '/checkout');
    const form = checkoutForm(html, '4000000000000002', { shipping: 'express' });
    const declined = pageHtml(await client.request('POST', '/checkout', { form }), 200);
    assert.equal(count(declined, /role="alert"/), 1);
    assert.match(declined, /role="alert"[\s\S]*Your card was declined\./);
    assert.match(declined, /id="name" name="name" type="text" value="Ada Lovelace"/);
    assert.match(declined, /value="express" checked/);
    assert.ok(!declined.includes('4000000000000002'), 'the card number is not sent back');
    assert.notEqual(hidden(declined, 'idempotencyKey'), form.idempotencyKey, 'a new attempt gets a new key');
    const cart = await getPage(client, '/cart');
    assert.equal(count(cart, /data-testid="cart-line"/), 1);
  });

  test('bad input re-renders the form with messages tied to the fields, never the card', async () => {
    const client = shop.browserClient();
    await addToCart(client, await shop.peers.product());
    await registerThrough(client, '/checkout');
    const html = await getPage(client, '/checkout');
    const refused = pageHtml(
      await client.request('POST', '/checkout', {
        form: checkoutForm(html, '4242424242424241', {
          name: ' ',
          expMonth: '13',
          shipping: '',
          country: 'XX',
        }),
      }),
      400,
    );
    assert.match(refused, /<div class="error-summary" role="alert"/);
    assert.match(refused, /<a href="#name">Full name must not be empty\.<\/a>/);
    assert.match(
      refused,
      /id="name" name="name" type="text" value=" "[^>]*aria-invalid="true" aria-describedby="name-error"/,
    );
    assert.match(refused, /Card number is not valid/);
    assert.match(refused, /Enter the expiry month, 1 to 12\./);
    assert.match(refused, /Choose a shipping option\./);
    assert.match(refused, /<a href="#country">Choose a country\.<\/a>/);
    assert.ok(!refused.includes('4242424242424241'));
  });

  test('without script, "Update shipping prices" re-prices for the new country, leaving the card out of the URL', async () => {
    const client = shop.browserClient();
    await addToCart(client, await shop.peers.product({ weightGrams: 400 }));
    await registerThrough(client, '/checkout');
    const html = await getPage(client, '/checkout');
    const reply = await client.request('POST', '/checkout/shipping', {
      form: checkoutForm(html, '4242424242424242', { country: 'FR', postalCode: '75001' }),
    });
    const location = expectRedirect(reply, /^\/checkout\?/);
    assert.doesNotMatch(location, /4242|cardNumber|cvc|_csrf/);
    const repriced = await getPage(client, location);
    assert.match(repriced, /<option value="FR" selected>France<\/option>/);
    assert.match(repriced, /value="75001"/);
    assert.match(repriced, /<span class="radio__name">Standard<\/span> <span [^>]*>€9\.90<\/span>/);
  });
});

// Last: it stops catalog.
describe('when a service is down', () => {
  test('a page answers 503 with a plain message and the request id, and logs the error', async () => {
    const client = shop.browserClient();
    await shop.peers.stopPeer('catalog');
    const reply = await client.get('/');
    const html = pageHtml(reply, 503);
    assert.match(html, /<h1>Service unavailable<\/h1>/);
    const requestId = reply.headers.get('x-request-id');
    assert.ok(
      requestId !== null && html.includes(`<code>${requestId}</code>`),
      'the page quotes the request id',
    );
    assert.doesNotMatch(html, /catalog|stack|Error:/i);
    assert.ok(shop.capture.lines().some((line) => line.includes('page request failed')));
  });
});
