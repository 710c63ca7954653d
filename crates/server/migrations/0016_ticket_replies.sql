-- Replies to tickets by email (email/replies.rs): what agents wrote and what
-- shoppers answered, threaded by Message-ID / In-Reply-To.
ALTER TABLE tickets ADD COLUMN assignee INTEGER REFERENCES agents(id);

CREATE TABLE ticket_messages (
    id          INTEGER PRIMARY KEY,
    site_id     TEXT NOT NULL,
    -- The ticket (T-…).
    reference   TEXT NOT NULL,
    -- agent: sent from the console; shopper: came back by email.
    direction   TEXT NOT NULL CHECK (direction IN ('agent', 'shopper')),
    agent_id    INTEGER REFERENCES agents(id),
    body        TEXT NOT NULL,
    -- The email's Message-ID (ours for agents' replies, the shopper's for answers).
    message_id  TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX ticket_messages_ticket ON ticket_messages (site_id, reference, id);
-- A webhook delivered twice adds the shopper's answer once.
CREATE UNIQUE INDEX ticket_messages_message_id ON ticket_messages (site_id, message_id)
    WHERE message_id IS NOT NULL;
