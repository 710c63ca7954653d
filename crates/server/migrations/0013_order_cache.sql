-- Orders fetched from a merchant's store, kept a short while so the steps of
-- one self-service flow do not each call the store (stores/cache.rs). A
-- webhook from the store, or a cancel or return sent by Aisle, drops the
-- order so the next lookup fetches it fresh.
CREATE TABLE order_cache (
    site_id    TEXT NOT NULL,
    number     INTEGER NOT NULL,
    -- The email it was placed with (normalized), compared on every read as
    -- on a live lookup.
    email      TEXT NOT NULL,
    -- The StoreOrder as JSON.
    payload    TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, number)
);

-- Webhook deliveries already handled, by the id the store gives each one
-- (X-Shopify-Webhook-Id, X-WC-Webhook-Delivery-ID): a replay is ignored.
CREATE TABLE webhook_deliveries (
    site_id     TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, delivery_id)
);
