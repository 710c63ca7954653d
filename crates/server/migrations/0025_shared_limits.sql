-- Failure limits counted in the database (issue #14): nodes sharing one
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
