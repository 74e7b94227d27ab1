-- Up Migration
-- All that is kept of a card: never its number or CVC.
CREATE TABLE cards (
  token text PRIMARY KEY,
  brand text NOT NULL,
  last4 char(4) NOT NULL,
  exp_month smallint NOT NULL,
  exp_year smallint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  status text NOT NULL
    CHECK (status IN ('authorized', 'captured', 'partially_refunded', 'refunded', 'voided')),
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  captured_amount bigint NOT NULL DEFAULT 0,
  refunded_amount bigint NOT NULL DEFAULT 0,
  card_token text NOT NULL REFERENCES cards (token),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The last line of defence for the state machine's arithmetic.
  CHECK (captured_amount BETWEEN 0 AND amount),
  CHECK (refunded_amount BETWEEN 0 AND captured_amount)
);
CREATE INDEX payments_order_id_idx ON payments (order_id);

CREATE TABLE refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  amount bigint NOT NULL CHECK (amount > 0),
  reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);

-- The first answer to each Idempotency-Key. The primary key is what makes concurrent duplicates
-- safe: the second INSERT of a key waits for the first transaction and then finds its row.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  fingerprint text NOT NULL,
  status smallint NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE cards;
