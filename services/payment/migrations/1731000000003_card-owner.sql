-- Up Migration
-- Whose card it is: a token charges only for the owner it was stored for. Cards stored before
-- this column have no owner and stay NULL. They keep backing the payments made with them
-- (capture, void and refund go by payment id), but no token request can match a NULL owner, so
-- they can never be charged again: whose they were cannot be known now, and guessing (or letting
-- the first caller claim one) would hand a card to whoever holds its token. Their customers type
-- the card once more.
ALTER TABLE cards ADD COLUMN owner text;

-- Down Migration
ALTER TABLE cards DROP COLUMN owner;
