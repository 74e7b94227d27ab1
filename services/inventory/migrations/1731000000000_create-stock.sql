-- Up Migration
-- One row per sku. Available = on_hand - reserved. The CHECKs are the last line of defence against
-- overselling: a bug that tried to reserve more than is on hand fails its transaction here.
CREATE TABLE stock (
  sku text PRIMARY KEY,
  on_hand integer NOT NULL CHECK (on_hand >= 0),
  reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand)
);

-- One reservation per order: `lines` are the [{sku, qty}] it holds (while held) or sold (committed).
CREATE TABLE reservations (
  order_id uuid PRIMARY KEY,
  lines jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('held', 'committed', 'released', 'expired')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the sweeper looks for: held reservations past their time.
CREATE INDEX reservations_held_expiry_idx ON reservations (expires_at) WHERE status = 'held';

-- Down Migration
DROP TABLE reservations;
DROP TABLE stock;
