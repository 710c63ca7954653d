-- Live handoff: conversations between a shopper and an agent, their messages
-- and read markers. Messages are stored before they are acknowledged.

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    site_id           TEXT NOT NULL REFERENCES sites(id),
    -- SHA-256 (hex) of the shopper's resume token; the token itself is never stored.
    resume_hash       TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    agent_id          INTEGER REFERENCES agents(id),
    locale            TEXT NOT NULL,
    -- aisle_core::protocol::ChatContext as JSON (never the assist session token).
    context           TEXT NOT NULL DEFAULT '{}',
    priority          TEXT NOT NULL CHECK (priority IN ('vip', 'high_cart', 'pre_sale', 'normal')),
    created_at        INTEGER NOT NULL,
    accepted_at       INTEGER,
    first_response_at INTEGER,
    closed_at         INTEGER,
    closed_by         TEXT CHECK (closed_by IN ('shopper', 'agent', 'system')),
    -- JSON array of the agent's tags.
    tags              TEXT NOT NULL DEFAULT '[]',
    csat              INTEGER CHECK (csat BETWEEN 1 AND 5),
    -- Read markers: highest sequence number each side has read.
    shopper_read_seq  INTEGER NOT NULL DEFAULT 0,
    agent_read_seq    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX conversations_by_state ON conversations (site_id, state, created_at);
CREATE INDEX conversations_by_agent ON conversations (agent_id, state);

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    -- 1, 2, 3, … per conversation, without gaps.
    seq             INTEGER NOT NULL,
    -- The sender's id of the message; a resend with the same id is the same message.
    client_id       TEXT NOT NULL,
    author          TEXT NOT NULL CHECK (author IN ('shopper', 'agent', 'system')),
    agent_id        INTEGER REFERENCES agents(id),
    -- The agent's display name when they wrote it.
    name            TEXT,
    text            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, author, client_id)
);
