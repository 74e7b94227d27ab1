-- Up Migration
-- Everything here is learnt from events and can be rebuilt by consuming them again (README).

-- One row per sku seen in a product event or an order. `category` is NULL while the sku is known
-- only from orders (its product.created has not arrived yet): it is counted, never recommended.
CREATE TABLE products (
  sku text PRIMARY KEY,
  category text,
  -- The catalog's updatedAt of the version stored: an older event arriving later changes nothing.
  product_updated_at timestamptz,
  -- Confirmed orders holding the sku, and units sold: the popularity ranking.
  orders integer NOT NULL DEFAULT 0,
  units integer NOT NULL DEFAULT 0
);
-- The fallbacks: the products of a category, and every known product in popularity order.
CREATE INDEX products_popular_in_category_idx ON products (category, orders DESC, units DESC, sku);
CREATE INDEX products_popular_idx ON products (orders DESC, units DESC, sku) WHERE category IS NOT NULL;

-- How many confirmed orders held both skus. Both directions are stored, so "bought with X" is one
-- range of the index below, already in rank order.
CREATE TABLE pairs (
  sku text NOT NULL,
  other_sku text NOT NULL,
  orders integer NOT NULL,
  PRIMARY KEY (sku, other_sku),
  CHECK (sku <> other_sku)
);
CREATE INDEX pairs_rank_idx ON pairs (sku, orders DESC, other_sku);

-- What each user bought: how many of their confirmed orders held the sku.
CREATE TABLE purchases (
  user_id uuid NOT NULL,
  sku text NOT NULL,
  orders integer NOT NULL,
  PRIMARY KEY (user_id, sku)
);

-- Down Migration
DROP TABLE purchases;
DROP TABLE pairs;
DROP TABLE products;
