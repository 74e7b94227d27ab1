// The product routes of the contract's table: validate, call one use case, answer.
import { catalogRoutes } from '@trio/contracts/catalog';
import { validate } from '@trio/service-runtime/validate';
import type { Express, RequestHandler } from 'express';
import {
  type CatalogDeps,
  createProduct,
  getProduct,
  listProducts,
  updateProduct,
} from '../../domain/products.ts';

const { listProducts: list, getProduct: get, createProduct: create, updateProduct: update } = catalogRoutes;

export function productRoutes(app: Express, deps: CatalogDeps, admin: RequestHandler): void {
  app.get(list.path, validate({ query: list.query }), async (req, res) => {
    res.json(await listProducts(deps, req.query));
  });
  app.get(get.path, validate({ params: get.params }), async (req, res) => {
    res.json(await getProduct(deps, req.params.sku));
  });
  // The token is checked before the body: a caller without it learns nothing from validation errors.
  app.post(create.path, admin, validate({ body: create.body }), async (req, res) => {
    const product = await createProduct(deps, req.body);
    res.status(201).location(`/products/${product.sku}`).json(product);
  });
  app.patch(update.path, admin, validate({ params: update.params, body: update.body }), async (req, res) => {
    res.json(await updateProduct(deps, req.params.sku, req.body));
  });
}
