-- Up Migration
-- The emails profiles would send, kept instead of sent (the shop has no mail server): one per
-- invoice, so that a customer's "your invoice is ready" message can be shown and audited.
CREATE TABLE email_log (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  to_address text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  -- What the email is about, e.g. invoice:<invoice id>: a redelivered event logs no second email.
  about text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_log_user_idx ON email_log (user_id, created_at);

-- Down Migration
DROP TABLE email_log;
