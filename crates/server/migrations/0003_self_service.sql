-- Self-service: the merchant's rules and FAQ, shopper sessions, and what the
-- flows create (return requests, tickets), plus counts of how flows ended.

-- Site configuration as JSON: {"policy": {...}, "faq": [...]} (see sites.rs).
ALTER TABLE sites ADD COLUMN config TEXT NOT NULL DEFAULT '{}';

-- A shopper's self-service session: which email they proved (number + email),
-- a pending step awaiting confirmation, and the steps taken (for agents).
CREATE TABLE assist_sessions (
    token      TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    email      TEXT,
    pending    TEXT,
    steps      TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE return_requests (
    reference    TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL,
    order_number INTEGER NOT NULL,
    email        TEXT NOT NULL,
    -- JSON array of {"sku", "title", "quantity"}.
    items        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'requested',
    created_at   INTEGER NOT NULL,
    FOREIGN KEY (site_id, order_number) REFERENCES orders(site_id, number)
);

-- Tickets routed to agents: reported issues and messages left for the team.
CREATE TABLE tickets (
    reference    TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id),
    kind         TEXT NOT NULL CHECK (kind IN ('issue', 'message')),
    order_number INTEGER,
    email        TEXT NOT NULL,
    issue        TEXT,
    body         TEXT NOT NULL,
    -- JSON array of the self-service steps the shopper took before.
    context      TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL DEFAULT 'open',
    created_at   INTEGER NOT NULL
);

-- "Did this help?" answers to quick responses.
CREATE TABLE faq_feedback (
    site_id  TEXT NOT NULL REFERENCES sites(id),
    faq_id   TEXT NOT NULL,
    helpful  INTEGER NOT NULL,
    at       INTEGER NOT NULL
);

-- How self-service flows ended: 'resolved' (deflected) or 'handoff'.
CREATE TABLE flow_outcomes (
    site_id  TEXT NOT NULL REFERENCES sites(id),
    flow     TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('resolved', 'handoff')),
    at       INTEGER NOT NULL
);
