import type { CategoryList } from '@trio/contracts/catalog';
import { findCategories } from '../data-access/categories.ts';
import type { CatalogDeps } from './products.ts';

export async function listCategories({ db }: CatalogDeps): Promise<CategoryList> {
  return { items: await findCategories(db) };
}
