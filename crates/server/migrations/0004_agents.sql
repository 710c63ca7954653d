-- Agents who answer a site's shoppers, and their login sessions.
CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites(id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- Argon2id PHC string; never the password.
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE agent_sessions (
    token      TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
