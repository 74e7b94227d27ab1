// The catalogue's pages: home, a category, search results and a product with its stock line,
// add-to-cart form and "Bought together" panel.
import type { Category, Product, ProductList } from '@trio/contracts/catalog';
import type { ApiProductDetail } from '@trio/contracts/front-end';
import { formatMoney, stockText } from './format.ts';
import { csrfField, errorSummary, type FormErrors, inputField, noErrors } from './forms.ts';
import { html, type SafeHtml } from './html.ts';
import { siteName } from './layout.ts';

export function productPath(sku: string): string {
  return `/p/${encodeURIComponent(sku)}`;
}

export function productImage(product: { image: string; name: string }, className = ''): SafeHtml {
  return html`<img class="${className}" src="${product.image}" alt="${product.name}" width="400" height="300">`;
}

/** `level` is the heading level of the product's name, one below the section holding the cards. */
export function productCard(product: Product, level: 2 | 3 = 2): SafeHtml {
  const name = html`<a href="${productPath(product.sku)}">${product.name}</a>`;
  return html`<article class="product-card">
  ${productImage(product, 'product-card__image')}
  ${level === 2 ? html`<h2 class="product-card__name">${name}</h2>` : html`<h3 class="product-card__name">${name}</h3>`}
  <p class="product-card__price">${formatMoney(product.price)}</p>
</article>`;
}

export function productGrid(products: readonly Product[], level: 2 | 3 = 2): SafeHtml {
  return html`<div class="product-grid">${products.map((product) => productCard(product, level))}</div>`;
}

/** Previous / current / next; `href` builds a page's address. */
export function pagination(list: ProductList, href: (page: number) => string): SafeHtml | '' {
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
  if (pages <= 1 && list.page <= 1) return '';
  return html`<nav class="pagination" aria-label="Pagination">
  <ul>
    ${list.page > 1 && html`<li><a href="${href(Math.min(list.page - 1, pages))}" rel="prev">Previous</a></li>`}
    <li><span aria-current="page">Page ${list.page} of ${pages}</span></li>
    ${list.page < pages && html`<li><a href="${href(list.page + 1)}" rel="next">Next</a></li>`}
  </ul>
</nav>`;
}

export function homePage(categories: readonly Category[], featured: readonly Product[]): SafeHtml {
  return html`<h1>${siteName}</h1>
<section class="categories" aria-labelledby="categories-title">
  <h2 id="categories-title">Categories</h2>
  <ul class="category-list">${categories.map(
    (category) =>
      html`<li><a href="/c/${encodeURIComponent(category.slug)}">${category.name}</a> <span class="muted">(${category.productCount})</span></li>`,
  )}</ul>
</section>
<section aria-labelledby="featured-title">
  <h2 id="featured-title">Featured products</h2>
  ${featured.length === 0 ? html`<p>No products yet.</p>` : productGrid(featured, 3)}
</section>`;
}

/** A category or search results: a heading, a count, the cards and the pages. */
export function listingPage(
  title: string,
  list: ProductList,
  href: (page: number) => string,
  filters?: SafeHtml,
): SafeHtml {
  const count = html`<p class="muted">${list.total} product${list.total === 1 ? '' : 's'}</p>`;
  return html`<h1>${title}</h1>
${filters ?? ''}
${count}
${
  list.items.length === 0
    ? html`<p>${list.total === 0 ? 'No products found.' : 'There are no products on this page.'}</p>`
    : productGrid(list.items)
}
${pagination(list, href)}`;
}

export function productPage(
  detail: ApiProductDetail,
  form: { csrf: string; qty: string; errors: FormErrors },
): SafeHtml {
  const { product, stock, recommendations } = detail;
  const soldOut = stock.status === 'out_of_stock';
  const errors = form.errors ?? noErrors;
  return html`<article class="product">
  <div class="product__media">${productImage(product, 'product__image')}</div>
  <div class="product__info">
    <h1>${product.name}</h1>
    <p class="product__price">${formatMoney(product.price)}</p>
    <p class="stock stock--${stock.status}" data-testid="stock">${stockText(stock)}</p>
    ${errorSummary(errors)}
    <form class="add-to-cart" method="post" action="/cart/items" novalidate>
      ${csrfField(form.csrf)}
      <input type="hidden" name="sku" value="${product.sku}">
      ${inputField({
        name: 'qty',
        id: 'qty',
        label: 'Quantity',
        type: 'number',
        value: form.qty,
        min: 1,
        max: 99,
        inputmode: 'numeric',
        required: true,
        disabled: soldOut,
        error: errors.fields.qty,
        className: 'field--short',
      })}
      <button type="submit" class="button"${soldOut && html` disabled`}>Add to cart</button>
    </form>
    <div class="product__description">${product.description
      .split(/\n{2,}/)
      .filter((paragraph) => paragraph.trim() !== '')
      .map((paragraph) => html`<p>${paragraph}</p>`)}</div>
  </div>
</article>
${
  recommendations !== undefined &&
  recommendations.length > 0 &&
  html`<section class="recommendations" data-testid="recommendations" aria-labelledby="recommendations-title">
  <h2 id="recommendations-title">Bought together</h2>
  ${productGrid(recommendations, 3)}
</section>`
}`;
}

export interface CategoryFilters {
  /** As typed, in whole euros (or other currency units): '' when not set. */
  min: string;
  max: string;
  sort: string;
}

const sortOptions: [value: string, label: string][] = [
  ['name', 'Name'],
  ['price_asc', 'Price, low to high'],
  ['price_desc', 'Price, high to low'],
  ['newest', 'Newest'],
];

/** The category page's filter form: a price range and the order. A plain GET form: no script needed. */
export function categoryFilters(action: string, filters: CategoryFilters, error?: string): SafeHtml {
  return html`<form class="filters" method="get" action="${action}" aria-labelledby="filters-title">
  <h2 id="filters-title" class="visually-hidden">Filter products</h2>
  ${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
  <div class="field-row">
    <label for="filter-min">Min price (€)</label>
    <input id="filter-min" name="min" inputmode="numeric" pattern="[0-9]*" size="6" value="${filters.min}">
  </div>
  <div class="field-row">
    <label for="filter-max">Max price (€)</label>
    <input id="filter-max" name="max" inputmode="numeric" pattern="[0-9]*" size="6" value="${filters.max}">
  </div>
  <div class="field-row">
    <label for="filter-sort">Sort by</label>
    <select id="filter-sort" name="sort">
      ${sortOptions.map(
        ([value, label]) =>
          html`<option value="${value}"${value === filters.sort ? html` selected` : ''}>${label}</option>`,
      )}
    </select>
  </div>
  <button type="submit" class="button secondary">Apply</button>
</form>`;
}
