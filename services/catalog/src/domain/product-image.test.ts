import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoCatalogue } from '@trio/demo-data/catalogue';
import { escapeXml, productImagePath, renderProductImage } from './product-image.ts';

test('every demo product points at the picture the catalog serves for it', () => {
  for (const { sku, image } of generateDemoCatalogue().products) assert.equal(image, productImagePath(sku));
});

test('the same product always gets the same picture, another product another one', () => {
  const mug = { sku: 'MUG-0001', name: 'Enamel mug' };
  assert.equal(renderProductImage(mug), renderProductImage(mug));
  assert.notEqual(renderProductImage(mug), renderProductImage({ ...mug, sku: 'MUG-0002' }));
});

test('markup in a name is printed as text, never interpreted', () => {
  const svg = renderProductImage({ sku: 'XSS-0001', name: '<script>alert("x")</script> & <b onload=1>' });
  assert.doesNotMatch(svg, /<script|<b /);
  assert.match(svg, /&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62; &#38;/);
});

test('escapeXml escapes the five characters that matter in XML and drops control characters', () => {
  assert.equal(escapeXml(`<a href='x'>"&"</a>`), '&#60;a href=&#39;x&#39;&#62;&#34;&#38;&#34;&#60;/a&#62;');
  assert.equal(escapeXml('bell\u0007 and tab\t'), 'bell and tab');
});

test('a long name is cut to two lines with an ellipsis', () => {
  const svg = renderProductImage({ sku: 'LONG-0001', name: 'word '.repeat(40).trim() });
  assert.equal(svg.match(/<tspan/g)?.length, 2);
  assert.match(svg, /…<\/tspan>/);
});
