-- Orders pushed by the merchant's own system (order_source "push",
-- stores/push.rs): POST /api/sites/{site}/orders or `aisle orders import`.
CREATE TABLE pushed_orders (
    site_id    TEXT NOT NULL,
    number     INTEGER NOT NULL,
    -- Normalized, compared on every lookup.
    email      TEXT NOT NULL,
    state      TEXT NOT NULL,
    placed_at  INTEGER NOT NULL,
    -- The order as self-service reads it (StoreOrder as JSON).
    payload    TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, number)
);
CREATE INDEX pushed_orders_by_email ON pushed_orders (site_id, email, placed_at);

-- The push token of each site (`aisle site token SITE`): only its SHA-256.
CREATE TABLE site_tokens (
    site_id    TEXT PRIMARY KEY,
    digest     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Cancel and return requests sent to the merchant's webhook, one per
-- idempotency key. status: sending, done, refused, processing, or failed
-- (a dead letter the console lists and an agent can send again).
CREATE TABLE push_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    order_number INTEGER NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (site_id, key)
);
CREATE INDEX push_deliveries_by_status ON push_deliveries (site_id, status, updated_at);
