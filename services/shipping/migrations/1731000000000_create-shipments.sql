-- Up Migration
-- Tracking numbers are `TRIO` and ten digits from this sequence: unique across replicas, never reused.
CREATE SEQUENCE tracking_numbers;

-- One shipment per confirmed order. `next_step_at` is when the ticker moves it on (created →
-- dispatched → delivered); null once delivered. `correlation_id` is the order's, carried into every
-- shipment event so they join the order's trace of events.
CREATE TABLE shipments (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL UNIQUE,
  tracking_number text NOT NULL UNIQUE
    DEFAULT 'TRIO' || lpad(nextval('tracking_numbers')::text, 10, '0'),
  service text NOT NULL CHECK (service IN ('standard', 'express')),
  country text NOT NULL,
  postal_code text NOT NULL,
  weight_grams integer NOT NULL CHECK (weight_grams > 0),
  status text NOT NULL CHECK (status IN ('created', 'dispatched', 'delivered')),
  next_step_at timestamptz,
  correlation_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT shipments_next_step_until_delivered CHECK ((status = 'delivered') = (next_step_at IS NULL))
);

-- What the ticker looks for: shipments due to move on.
CREATE INDEX shipments_due_idx ON shipments (next_step_at) WHERE next_step_at IS NOT NULL;

-- The status history `track` answers: one row per status reached.
CREATE TABLE shipment_history (
  shipment_id uuid NOT NULL REFERENCES shipments (id),
  status text NOT NULL CHECK (status IN ('created', 'dispatched', 'delivered')),
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, status)
);

-- Down Migration
DROP TABLE shipment_history;
DROP TABLE shipments;
DROP SEQUENCE tracking_numbers;
