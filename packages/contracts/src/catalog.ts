// catalog (REST, :3001): products, categories and the admin API that changes them. Prices here
// are the authoritative ones; billing asks catalog, never the client.
import { z } from 'zod';
import { IsoDateTime, Money, pageOf, Sku, text } from './common.ts';
import { defineRoute, errorResponses } from './http.ts';
import { pagination, queryInt, queryObject, queryParam } from './query.ts';

export const CategorySlug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by dashes, e.g. "kitchen-tools"')
  .max(64)
  .meta({ id: 'CategorySlug', examples: ['kitchen'] });
export type CategorySlug = z.infer<typeof CategorySlug>;

export const Category = z
  .object({ slug: CategorySlug, name: z.string().min(1).max(100), productCount: z.int().nonnegative() })
  .meta({ id: 'Category' });
export type Category = z.infer<typeof Category>;

export const CategoryList = z.object({ items: z.array(Category) }).meta({ id: 'CategoryList' });
export type CategoryList = z.infer<typeof CategoryList>;

// The shop serves its own images; a path on the shop rules out external URLs by construction.
export const ImagePath = z
  .string()
  .regex(/^\/(?!\/)[A-Za-z0-9._~\-/]+$/, 'must be a path on the shop such as "/images/products/mug-0001.svg"')
  .max(300)
  .meta({ id: 'ImagePath', description: 'Path of an image the shop serves itself' });

// Shipping needs the weight; everything else is free-form so the catalogue can grow new facets
// without a contract change.
export const ProductAttributes = z
  .object({
    weightGrams: z.int().min(1).max(100_000).describe('Shipping weight of one unit'),
    colour: z.string().min(1).max(50).optional(),
    size: z.string().min(1).max(20).optional(),
  })
  .catchall(z.union([z.string().max(200), z.number(), z.boolean()]))
  .meta({ id: 'ProductAttributes' });
export type ProductAttributes = z.infer<typeof ProductAttributes>;

const productFields = {
  sku: Sku,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000),
  price: Money,
  category: CategorySlug,
  image: ImagePath,
  attributes: ProductAttributes,
};

export const Product = z
  .object({ ...productFields, createdAt: IsoDateTime, updatedAt: IsoDateTime })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

export const ProductSort = z
  .enum(['relevance', 'name', 'price_asc', 'price_desc', 'newest'])
  .meta({ id: 'ProductSort', description: 'Defaults to relevance when `q` is given, otherwise name' });

export const ProductListQuery = queryObject({
  q: queryParam(text(200).optional()).describe('Full-text search'),
  category: queryParam(CategorySlug.optional()),
  minPrice: queryParam(queryInt(0, Number.MAX_SAFE_INTEGER).optional()).describe('Inclusive, minor units'),
  maxPrice: queryParam(queryInt(0, Number.MAX_SAFE_INTEGER).optional()).describe('Inclusive, minor units'),
  sort: queryParam(ProductSort.optional()),
  ...pagination(24),
}).refine(
  (query) => query.minPrice === undefined || query.maxPrice === undefined || query.minPrice <= query.maxPrice,
  {
    message: 'must not be below minPrice',
    path: ['maxPrice'],
  },
);
export type ProductListQuery = z.infer<typeof ProductListQuery>;

export const ProductList = pageOf(Product).meta({ id: 'ProductList' });
export type ProductList = z.infer<typeof ProductList>;

export const CreateProductRequest = z.object(productFields).meta({ id: 'CreateProductRequest' });
export type CreateProductRequest = z.infer<typeof CreateProductRequest>;

export const UpdateProductRequest = z
  .object(productFields)
  .omit({ sku: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateProductRequest', description: 'The fields to change; the sku never changes' });
export type UpdateProductRequest = z.infer<typeof UpdateProductRequest>;

const SkuParams = z.object({ sku: Sku });

export const catalogRoutes = {
  listProducts: defineRoute({
    method: 'get',
    path: '/products',
    summary: 'Search and list products',
    description: 'Ranked full-text search with filters; the order is stable across pages.',
    auth: 'none',
    callers: ['public', 'front-end', 'billing'],
    query: ProductListQuery,
    responses: { 200: { description: 'A page of products', body: ProductList }, ...errorResponses(400) },
  }),
  getProduct: defineRoute({
    method: 'get',
    path: '/products/:sku',
    summary: 'One product',
    auth: 'none',
    callers: ['public', 'front-end', 'billing'],
    params: SkuParams,
    responses: { 200: { description: 'The product', body: Product }, ...errorResponses(400, 404) },
  }),
  listCategories: defineRoute({
    method: 'get',
    path: '/categories',
    summary: 'All categories with their product counts',
    auth: 'none',
    callers: ['public', 'front-end', 'billing'],
    responses: { 200: { description: 'Every category', body: CategoryList } },
  }),
  createProduct: defineRoute({
    method: 'post',
    path: '/products',
    summary: 'Add a product (admin); publishes product.created',
    auth: 'admin',
    callers: ['operator'],
    body: CreateProductRequest,
    responses: {
      201: { description: 'The new product', body: Product },
      ...errorResponses(400, 401, 409, 413),
    },
  }),
  updateProduct: defineRoute({
    method: 'patch',
    path: '/products/:sku',
    summary: 'Change a product or its price (admin); publishes product.updated',
    auth: 'admin',
    callers: ['operator'],
    params: SkuParams,
    body: UpdateProductRequest,
    responses: {
      200: { description: 'The product after the change', body: Product },
      ...errorResponses(400, 401, 404, 413),
    },
  }),
} as const;
