-- Up Migration
-- The traceparent of the request that placed the order: the saga's steps are spans of that
-- checkout's trace, also when the sweeper resumes the saga in another process later.
ALTER TABLE orders ADD COLUMN traceparent text;

-- Down Migration
ALTER TABLE orders DROP COLUMN traceparent;
