-- Up Migration
-- Customers as profiles announced them (user.registered): the name and email on invoices.
CREATE TABLE customers (
  user_id uuid PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

-- One row per order: the checkout saga's persisted state machine. Every column a later step needs
-- is here, so that any process can resume the saga from the row alone. The card is kept only as
-- the token payment issued for it: never its number.
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  -- HMAC of the request under IDEMPOTENCY_SECRET: the same key with another body is a 422.
  request_fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN (
    'pending', 'stock_reserved', 'shipping_quoted', 'payment_authorized', 'confirmed', 'paid',
    'invoiced', 'compensating', 'failed', 'cancelled')),
  reason text,
  -- The state the saga was in when it failed: what compensation has to undo.
  failed_from text,
  -- The request that placed the order; carried by its events and the logs of every later step.
  correlation_id text NOT NULL,
  currency char(3) NOT NULL,
  lines jsonb NOT NULL,
  weight_grams integer NOT NULL CHECK (weight_grams > 0),
  shipping_service text NOT NULL CHECK (shipping_service IN ('standard', 'express')),
  address jsonb NOT NULL,
  card_token text NOT NULL,
  tax_rate_bp integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  subtotal bigint NOT NULL CHECK (subtotal >= 0),
  -- Known once shipping quoted; tax and total follow from it.
  shipping_amount bigint CHECK (shipping_amount >= 0),
  tax_amount bigint CHECK (tax_amount >= 0),
  total bigint CHECK (total >= 0),
  payment_id uuid,
  shipment_id uuid,
  invoice_id uuid,
  -- Retry bookkeeping of the step in progress: the sweeper leaves the row alone until next_attempt_at.
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  -- Past it, steps before confirmation stop retrying and the saga compensates (reason `timeout`).
  deadline_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key),
  CHECK ((state IN ('failed', 'cancelled')) = (reason IS NOT NULL) OR state = 'compensating')
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
-- What the sweeper scans: only sagas that have not ended.
CREATE INDEX orders_unfinished_idx ON orders (next_attempt_at)
  WHERE state NOT IN ('invoiced', 'failed', 'cancelled');

CREATE TABLE order_history (
  id bigserial PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  state text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_order_idx ON order_history (order_id, id);

-- Gap-free invoice numbers: one counter row per year, incremented in the transaction that inserts
-- the invoice, so a rolled-back invoice gives its number back.
CREATE TABLE invoice_counters (
  year integer PRIMARY KEY,
  last_number integer NOT NULL CHECK (last_number > 0)
);

CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  year integer NOT NULL,
  sequence integer NOT NULL,
  order_id uuid NOT NULL UNIQUE REFERENCES orders (id),
  user_id uuid NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  billing_address jsonb NOT NULL,
  lines jsonb NOT NULL,
  tax_rate_bp integer NOT NULL,
  currency char(3) NOT NULL,
  subtotal bigint NOT NULL,
  shipping_amount bigint NOT NULL,
  tax_amount bigint NOT NULL,
  total bigint NOT NULL,
  UNIQUE (year, sequence)
);
CREATE INDEX invoices_user_idx ON invoices (user_id);

-- payment.* as payment announced them: the audit trail reconciliation starts from.
CREATE TABLE payment_events (
  event_id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  type text NOT NULL,
  payment_id uuid,
  amount bigint NOT NULL,
  currency char(3) NOT NULL,
  detail text,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_events_order_idx ON payment_events (order_id, occurred_at);

-- Down Migration
DROP TABLE payment_events;
DROP TABLE invoices;
DROP TABLE invoice_counters;
DROP TABLE order_history;
DROP TABLE orders;
DROP TABLE customers;
