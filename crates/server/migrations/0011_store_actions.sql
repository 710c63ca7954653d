-- Cancels and returns sent to a merchant's store (Shopify), claimed under an
-- idempotency key before they are sent, so a double click or a retry after a
-- timeout never makes two. status: sent, processing (the store's background
-- job is still running; detail = job id), done (detail = job id or the
-- return's reference), refused (detail = the store's reason), failed (the
-- store could not be reached; a retry may take the key over).
CREATE TABLE store_actions (
    site_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('cancel', 'return')),
    order_number INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sent', 'processing', 'done', 'refused', 'failed')),
    detail       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (site_id, key)
);

-- Return requests may be about orders that live in the merchant's store, not
-- in the demo `orders` table: the table is rebuilt without that foreign key.
CREATE TABLE return_requests_rebuilt (
    reference    TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id),
    order_number INTEGER NOT NULL,
    email        TEXT NOT NULL,
    -- JSON array of {"sku", "title", "quantity"}.
    items        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'requested',
    created_at   INTEGER NOT NULL,
    done_by      INTEGER REFERENCES agents(id),
    done_at      INTEGER
);
INSERT INTO return_requests_rebuilt
    (reference, site_id, order_number, email, items, reason, comment, status, created_at, done_by, done_at)
    SELECT reference, site_id, order_number, email, items, reason, comment, status, created_at, done_by, done_at
    FROM return_requests;
DROP TABLE return_requests;
ALTER TABLE return_requests_rebuilt RENAME TO return_requests;
