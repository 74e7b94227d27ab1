// SQL for products. Every value travels as a query parameter; the only SQL text built from input
// is chosen from fixed fragments (the sort orders below), never copied from the request.
import type { Product, ProductAttributes, ProductListQuery } from '@trio/contracts/catalog';
import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

export type ProductSort = NonNullable<ProductListQuery['sort']>;

export interface ProductFilter {
  q?: string | undefined;
  category?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  sort: ProductSort;
  limit: number;
  offset: number;
}

/** What a product is made of, without the timestamps the database keeps. */
export type ProductFields = Omit<Product, 'createdAt' | 'updatedAt'>;

/** A product to insert; the seed sets its creation time, otherwise it is now. */
export type NewProduct = ProductFields & { createdAt?: Date };

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  price_amount: string;
  price_currency: string;
  category: string;
  image: string;
  attributes: ProductAttributes;
  created_at: Date;
  updated_at: Date;
}

const columns =
  'sku, name, description, price_amount, price_currency, category, image, attributes, created_at, updated_at';

// Every order ends in sku, which is unique: rows that tie on the first key keep one order on every
// page, so walking the pages yields each product exactly once. Names sort by ICU's root collation,
// the same on every PostgreSQL whatever the database's default collation.
const sortOrders = {
  relevance: 'rank DESC, sku',
  name: 'name COLLATE "und-x-icu", sku',
  price_asc: 'price_amount, sku',
  price_desc: 'price_amount DESC, sku',
  newest: 'created_at DESC, sku',
} as const satisfies Record<ProductSort, string>;

function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    description: row.description,
    // bigint arrives as text; amounts are validated as safe integers on the way in.
    price: { amount: Number(row.price_amount), currency: row.price_currency },
    category: row.category,
    image: row.image,
    attributes: row.attributes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findProducts(
  db: Queryable,
  filter: ProductFilter,
): Promise<{ products: Product[]; total: number }> {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  let rank = '0';
  if (filter.q !== undefined) {
    const query = `websearch_to_tsquery('english', ${param(filter.q)})`;
    conditions.push(`search @@ ${query}`);
    rank = `ts_rank(search, ${query})`;
  }
  if (filter.category !== undefined) conditions.push(`category = ${param(filter.category)}`);
  if (filter.minPrice !== undefined) conditions.push(`price_amount >= ${param(filter.minPrice)}`);
  if (filter.maxPrice !== undefined) conditions.push(`price_amount <= ${param(filter.maxPrice)}`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';

  const filterParams = [...params];
  const [{ rows: counted }, { rows }] = await Promise.all([
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM products ${where}`, filterParams),
    db.query<ProductRow>(
      `SELECT ${columns}, ${rank} AS rank FROM products ${where}
       ORDER BY ${sortOrders[filter.sort]} LIMIT ${param(filter.limit)} OFFSET ${param(filter.offset)}`,
      params,
    ),
  ]);
  return { products: rows.map(toProduct), total: counted[0]?.total ?? 0 };
}

export async function findProduct(db: Queryable, sku: string): Promise<Product | undefined> {
  const { rows } = await db.query<ProductRow>(`SELECT ${columns} FROM products WHERE sku = $1`, [sku]);
  return rows[0] && toProduct(rows[0]);
}

/** Reads a product and locks its row until the transaction ends, so that updates cannot interleave. */
export async function findProductForUpdate(tx: pg.PoolClient, sku: string): Promise<Product | undefined> {
  const { rows } = await tx.query<ProductRow>(`SELECT ${columns} FROM products WHERE sku = $1 FOR UPDATE`, [
    sku,
  ]);
  return rows[0] && toProduct(rows[0]);
}

/**
 * Inserts the products whose sku is not taken yet and returns those it inserted, in the order
 * given; products whose sku exists are left as they are.
 */
export async function insertProducts(tx: pg.PoolClient, products: readonly NewProduct[]): Promise<Product[]> {
  const records = products.map((product) => ({
    sku: product.sku,
    name: product.name,
    description: product.description,
    price_amount: product.price.amount,
    price_currency: product.price.currency,
    category: product.category,
    image: product.image,
    attributes: product.attributes,
    created_at: product.createdAt ?? null,
  }));
  // One statement for any number of rows: the rows travel as one JSON parameter.
  const { rows } = await tx.query<ProductRow>(
    `INSERT INTO products (sku, name, description, price_amount, price_currency, category, image, attributes,
                           created_at, updated_at)
     SELECT sku, name, description, price_amount, price_currency, category, image, attributes,
            COALESCE(created_at, now()), COALESCE(created_at, now())
     FROM jsonb_to_recordset($1::jsonb) AS given (sku text, name text, description text, price_amount bigint,
       price_currency text, category text, image text, attributes jsonb, created_at timestamptz)
     ON CONFLICT (sku) DO NOTHING
     RETURNING ${columns}`,
    [JSON.stringify(records)],
  );
  const inserted = new Map(rows.map((row) => [row.sku, toProduct(row)]));
  return products.flatMap((product) => inserted.get(product.sku) ?? []);
}

/** Writes every field of an existing product and stamps updated_at. */
export async function saveProduct(tx: pg.PoolClient, product: ProductFields): Promise<Product> {
  const { rows } = await tx.query<ProductRow>(
    `UPDATE products
     SET name = $2, description = $3, price_amount = $4, price_currency = $5, category = $6, image = $7,
         attributes = $8, updated_at = now()
     WHERE sku = $1
     RETURNING ${columns}`,
    [
      product.sku,
      product.name,
      product.description,
      product.price.amount,
      product.price.currency,
      product.category,
      product.image,
      product.attributes,
    ],
  );
  if (rows[0] === undefined) throw new Error(`product ${product.sku} vanished while locked`);
  return toProduct(rows[0]);
}
