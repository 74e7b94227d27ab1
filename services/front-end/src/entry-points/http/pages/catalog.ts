// The catalogue's pages: home, a category with its price filters and sorting, search results and
// the product page (which the cart's add form re-renders with its errors).
import {
  type Category,
  type CategoryList,
  CategorySlug,
  type Product,
  type ProductList,
} from '@trio/contracts/catalog';
import { Sku } from '@trio/contracts/common';
import { ApiProductListQuery } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import type { Response, Router } from 'express';
import { listCategories, listProducts, productDetail } from '../../../domain/catalog.ts';
import { categoryFilters, homePage, listingPage, productPage } from '../../../views/catalog.ts';
import { type FormErrors, noErrors } from '../../../views/forms.ts';
import type { SafeHtml } from '../../../views/html.ts';
import { siteName } from '../../../views/layout.ts';
import { ensureSession } from '../session.ts';
import { queryText } from './form-input.ts';
import { keptPerObject } from './kept.ts';
import type { PageKit } from './kit.ts';

export async function renderProduct(
  { deps, cookie, send }: PageKit,
  res: Response,
  sku: string,
  form: { qty: string; errors: FormErrors; status?: number },
): Promise<void> {
  const session = await ensureSession(res, deps.sessions, cookie);
  const detail = await productDetail(deps, sku);
  await send(res, {
    title: detail.product.name,
    status: form.status ?? 200,
    main: productPage(detail, {
      csrf: deps.sessions.csrfToken(session),
      qty: form.qty,
      errors: form.errors,
    }),
  });
}

/** A category page's content: its heading, filters form, cards and pages. */
function categoryMain(
  category: Category,
  list: ProductList,
  filters: { min: string; max: string },
  sort: string | undefined,
  filterError: string | undefined,
): SafeHtml {
  const base = `/c/${encodeURIComponent(category.slug)}`;
  const kept = new URLSearchParams(
    Object.entries({ min: filters.min, max: filters.max, sort: sort ?? '' }).filter(
      ([, value]) => value !== '',
    ),
  );
  const href = (page: number) => {
    const params = new URLSearchParams(kept);
    if (page > 1) params.set('page', String(page));
    const text = params.toString();
    return text === '' ? base : `${base}?${text}`;
  };
  return listingPage(
    category.name,
    list,
    href,
    categoryFilters(base, { ...filters, sort: sort ?? 'name' }, filterError),
  );
}

export function catalogPages(router: Router, kit: PageKit): void {
  const { deps, send } = kit;
  const listingMains = keptPerObject<ProductList, SafeHtml>(64);

  // The home page's content changes only with the catalogue: both lists come from caches that
  // answer the same objects until the catalogue changes, so it is rendered once per pair.
  let home: { categories: CategoryList; featured: Product[]; main: SafeHtml } | undefined;
  router.get('/', async (_req, res) => {
    const categories = await listCategories(deps);
    const featured = await deps.featured.pick(categories.items);
    if (home?.categories !== categories || home.featured !== featured) {
      home = { categories, featured, main: homePage(categories.items, featured) };
    }
    await send(res, { title: siteName, main: home.main, kept: true });
  });

  router.get('/c/:slug', async (req, res) => {
    const slug = CategorySlug.safeParse(req.params.slug);
    if (!slug.success) throw new AppError('not_found', 'There is no such category', { status: 404 });
    const query = ApiProductListQuery.safeParse({ category: slug.data, page: queryText(req, 'page') });
    if (!query.success)
      throw new AppError('validation_failed', 'That page number is not valid', { status: 400 });
    // Filters in whole currency units, as a shopper types them; catalog takes minor units.
    const filters = {
      min: queryText(req, 'min').trim(),
      max: queryText(req, 'max').trim(),
      sort: queryText(req, 'sort'),
    };
    const whole = (text: string) => (/^\d{1,7}$/.test(text) ? Number(text) * 100 : undefined);
    const minPrice = whole(filters.min);
    const maxPrice = whole(filters.max);
    let filterError: string | undefined;
    if ((filters.min !== '' && minPrice === undefined) || (filters.max !== '' && maxPrice === undefined)) {
      filterError = 'Prices are whole numbers, such as 20.';
    } else if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
      filterError = 'The min price must not be above the max price.';
    }
    const sort = (['name', 'price_asc', 'price_desc', 'newest'] as const).find(
      (value) => value === filters.sort,
    );
    const [categories, list] = await Promise.all([
      listCategories(deps),
      listProducts(deps, {
        ...query.data,
        ...(filterError === undefined ? { minPrice, maxPrice } : {}),
        sort,
      }),
    ]);
    const category = categories.items.find((candidate) => candidate.slug === slug.data);
    if (category === undefined) throw new AppError('not_found', 'There is no such category', { status: 404 });
    // The list is the same object until the catalogue changes: its page is rendered once per
    // filter text (the form shows it back) and category name, and sent from its bytes after that.
    const key = JSON.stringify([category.slug, category.name, filters.min, filters.max, sort, filterError]);
    const main = listingMains(list, key, () => categoryMain(category, list, filters, sort, filterError));
    await send(res, {
      title: category.name,
      status: filterError === undefined ? 200 : 400,
      main,
      kept: true,
    });
  });

  router.get('/search', async (req, res) => {
    const q = queryText(req, 'q').trim();
    if (q === '') return res.redirect(303, '/');
    const query = ApiProductListQuery.safeParse({ q, page: queryText(req, 'page') });
    if (!query.success) {
      throw new AppError('validation_failed', 'Search for at most 200 characters, on a page from 1', {
        status: 400,
      });
    }
    const list = await listProducts(deps, query.data);
    const base = `/search?q=${encodeURIComponent(q)}`;
    const title = `Results for “${q}”`;
    await send(res, {
      title,
      q,
      main: listingPage(title, list, (page) => (page === 1 ? base : `${base}&page=${page}`)),
    });
  });
  router.get('/p/:sku', async (req, res) => {
    const sku = Sku.safeParse(req.params.sku);
    if (!sku.success) throw new AppError('not_found', 'There is no such product', { status: 404 });
    await renderProduct(kit, res, sku.data, { qty: '1', errors: noErrors });
  });
}
