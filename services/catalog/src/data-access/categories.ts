// SQL for categories. There is no admin API for them: the seed creates them.
import type { Category } from '@trio/contracts/catalog';
import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

export async function findCategories(db: Queryable): Promise<Category[]> {
  const { rows } = await db.query<Category>(
    `SELECT c.slug, c.name, count(p.sku)::int AS "productCount"
     FROM categories c LEFT JOIN products p ON p.category = c.slug
     GROUP BY c.slug, c.name
     ORDER BY c.name COLLATE "und-x-icu", c.slug`,
  );
  return rows;
}

export async function categoryExists(db: Queryable, slug: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM categories WHERE slug = $1', [slug]);
  return rowCount === 1;
}

/** Adds the categories whose slug is new; existing ones are left as they are. */
export async function insertCategories(
  tx: pg.PoolClient,
  categories: readonly { slug: string; name: string }[],
): Promise<void> {
  await tx.query(
    `INSERT INTO categories (slug, name)
     SELECT slug, name FROM jsonb_to_recordset($1::jsonb) AS given (slug text, name text)
     ON CONFLICT (slug) DO NOTHING`,
    [JSON.stringify(categories)],
  );
}
