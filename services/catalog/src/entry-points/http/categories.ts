import { catalogRoutes } from '@trio/contracts/catalog';
import type { Express } from 'express';
import { listCategories } from '../../domain/categories.ts';
import type { CatalogDeps } from '../../domain/products.ts';

export function categoryRoutes(app: Express, deps: CatalogDeps): void {
  app.get(catalogRoutes.listCategories.path, async (_req, res) => {
    res.json(await listCategories(deps));
  });
}
