-- Up Migration
CREATE TABLE categories (
  slug text PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE products (
  sku text PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  price_amount bigint NOT NULL CHECK (price_amount >= 0),
  price_currency char(3) NOT NULL,
  category text NOT NULL REFERENCES categories (slug),
  image text NOT NULL,
  attributes jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- A name match outranks a description match: weight A against B in ts_rank.
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, name), 'A')
    || setweight(to_tsvector('english'::regconfig, description), 'B')
  ) STORED
);

CREATE INDEX products_search_idx ON products USING gin (search);
CREATE INDEX products_category_idx ON products (category);
-- The sorts (name, price, newest; each tie-broken on sku) run over a few thousand rows at most,
-- which PostgreSQL sorts in memory; a (column, sku) index per sort pays off only beyond that.

-- Down Migration
DROP TABLE products;
DROP TABLE categories;
