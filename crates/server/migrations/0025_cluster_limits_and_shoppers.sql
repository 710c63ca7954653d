-- Several nodes, continued (issue #14). Failure limits counted in the database: nodes sharing one
-- PostgreSQL count order-lookup and login failures together, so spreading
-- attempts over the nodes gains nothing. One row per failure slot, kept
-- until `expires_at` (Unix milliseconds). The table exists in both
-- dialects; a single SQLite node counts in memory and leaves it empty.
CREATE TABLE limit_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    client INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX limit_failures_key ON limit_failures (key, expires_at);
CREATE INDEX limit_failures_expiry ON limit_failures (expires_at);

-- Shoppers as data (issue #14), written by nodes with a bus only: per
-- node, the conversations whose shopper it holds (`connected` 1 while a
-- socket is open, 0 during the shopper's grace), synced every heartbeat.
-- The "missed reply" email looks here for a socket on another node.
CREATE TABLE shopper_presence (
    node TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    connected INTEGER NOT NULL,
    PRIMARY KEY (node, conversation_id)
);
CREATE INDEX shopper_presence_conversation ON shopper_presence (conversation_id);
-- Waiting conversations no live node holds (their node died), since when
-- (Unix ms). After the shopper grace one node's `DELETE … RETURNING` takes
-- the row and expires the conversation, as its own node would have.
CREATE TABLE shoppers_away (
    conversation_id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    since INTEGER NOT NULL
);
