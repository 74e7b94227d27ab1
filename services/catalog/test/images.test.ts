// Product pictures: served by the catalog itself as SVG, the same every time, with the product's
// name printed as text even when the name holds markup.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Product } from '@trio/contracts/catalog';
import { ErrorBody } from '@trio/contracts/common';
import { useTestInfra } from '@trio/testing/infra';
import { adminToken, newProduct, startCatalog, type TestCatalog } from './support/catalog.ts';

let catalog: TestCatalog;
useTestInfra(startCatalog, (made) => {
  catalog = made.running;
});

describe('product images', () => {
  test("a product's image path answers an SVG that cannot run scripts", async () => {
    const product = Product.parse((await catalog.get('/products/ELE-0001')).body);
    const reply = await catalog.get(product.image);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(String(reply.body), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>[\s\S]*<\/svg>$/);
    assert.ok(String(reply.body).includes(`<title>${product.name}</title>`));
  });

  test('the same sku gets the same picture every time, another sku another one', async () => {
    const [a, again, b] = await Promise.all(
      ['ELE-0002', 'ELE-0002', 'ELE-0003'].map((sku) => catalog.get(`/images/products/${sku}.svg`)),
    );
    assert.equal(a!.body, again!.body);
    assert.notEqual(a!.body, b!.body);
  });

  test('a name with markup is escaped: the picture holds no script element', async () => {
    const name = '<script>alert(document.cookie)</script> "Mug" & co';
    const created = await catalog.request('POST', '/products', {
      token: adminToken,
      body: newProduct('XSS-0001', { name }),
    });
    assert.equal(created.status, 201);
    const svg = String((await catalog.get('/images/products/XSS-0001.svg')).body);
    assert.doesNotMatch(svg, /<script/i);
    assert.ok(svg.includes('&#60;script&#62;alert(document.cookie)&#60;/script&#62; &#34;Mug&#34; &#38; co'));
  });

  test('an unknown sku answers 404 JSON, a malformed one 400', async () => {
    const missing = await catalog.get('/images/products/NOPE-0001.svg');
    assert.equal(missing.status, 404);
    assert.equal(ErrorBody.parse(missing.body).error.code, 'not_found');
    assert.equal((await catalog.get('/images/products/lower-case.svg')).status, 400);
  });
});
