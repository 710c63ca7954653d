-- Sites (one per store), their orders, order lines and tracking timeline.
CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    -- JSON array of origins (scheme://host[:port]) allowed to embed the widget.
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL
);

CREATE TABLE orders (
    site_id            TEXT NOT NULL REFERENCES sites(id),
    number             INTEGER NOT NULL,
    -- Normalized (trimmed, lower-cased) so lookups compare exactly.
    email              TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('unfulfilled', 'in_transit', 'delivered', 'cancelled')),
    currency           TEXT NOT NULL,
    total_minor        INTEGER NOT NULL,
    placed_at          INTEGER NOT NULL,
    delivered_at       INTEGER,
    carrier            TEXT,
    tracking_number    TEXT,
    tracking_url       TEXT,
    estimated_delivery INTEGER,
    PRIMARY KEY (site_id, number)
);

CREATE TABLE order_items (
    site_id          TEXT NOT NULL,
    order_number     INTEGER NOT NULL,
    line             INTEGER NOT NULL,
    sku              TEXT NOT NULL,
    title            TEXT NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL,
    final_sale       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, order_number, line),
    FOREIGN KEY (site_id, order_number) REFERENCES orders(site_id, number)
);

CREATE TABLE order_events (
    site_id      TEXT NOT NULL,
    order_number INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    location     TEXT,
    PRIMARY KEY (site_id, order_number, seq),
    FOREIGN KEY (site_id, order_number) REFERENCES orders(site_id, number)
);
