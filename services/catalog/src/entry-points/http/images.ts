// Product pictures, drawn on request from the product (see domain/product-image.ts). Not part of
// the JSON contract: `Product.image` points here.
import { Sku } from '@trio/contracts/common';
import { validate } from '@trio/service-runtime/validate';
import type { Express } from 'express';
import { z } from 'zod';
import { getProductImage } from '../../domain/product-image.ts';
import type { CatalogDeps } from '../../domain/products.ts';

const svgHeaders = {
  'content-type': 'image/svg+xml; charset=utf-8',
  'cache-control': 'public, max-age=300',
  // An SVG opened on its own is a document: no scripts, nothing fetched, whatever it holds.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  // Pictures are for embedding, also by pages of another origin (helmet's default is same-origin).
  'cross-origin-resource-policy': 'cross-origin',
};

export function imageRoutes(app: Express, deps: CatalogDeps): void {
  app.get('/images/products/:sku.svg', validate({ params: z.object({ sku: Sku }) }), async (req, res) => {
    const svg = await getProductImage(deps, req.params.sku); // before any header: a 404 stays JSON
    res.set(svgHeaders).send(svg);
  });
}
