-- Up Migration
-- What the simulated processor does with a card, kept instead of its number so that a token
-- answers as its card did. Cards stored before this column were always approved (unless expired),
-- which the default keeps.
ALTER TABLE cards
  ADD COLUMN behaviour text NOT NULL DEFAULT 'approve'
    CHECK (behaviour IN ('approve', 'card_declined', 'insufficient_funds', 'processing_error', 'slow'));

-- Down Migration
ALTER TABLE cards DROP COLUMN behaviour;
