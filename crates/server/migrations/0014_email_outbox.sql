-- Emails to shoppers waiting to be sent, sent, or failed (email/mod.rs). A
-- row is written in the request that creates the ticket or return request
-- it is about; the worker sends it, retrying with backoff while the mail
-- server is down, so an outage loses nothing.
CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY,
    site_id         TEXT NOT NULL,
    -- The ticket (T-…) or return request (R-…) it is about.
    reference       TEXT NOT NULL,
    -- ticket_received, return_received, agent_reply.
    kind            TEXT NOT NULL,
    -- The shopper's language (BCP 47), for the replies that follow.
    lang            TEXT NOT NULL DEFAULT 'en',
    -- Envelope sender and recipient (bare addresses).
    sender          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    -- The whole message as sent (RFC 5322); empty when never sendable.
    message         BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds; the worker sends queued rows due by now.
    next_attempt_at INTEGER NOT NULL,
    -- Why the last attempt failed (shown to agents on the ticket).
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER
);

-- One automatic message of each kind per ticket or return, however often a
-- step repeats (agents' replies are many per ticket).
CREATE UNIQUE INDEX email_outbox_automatic ON email_outbox (site_id, reference, kind)
    WHERE kind IN ('ticket_received', 'return_received');
CREATE INDEX email_outbox_message_id ON email_outbox (site_id, message_id);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_recipient ON email_outbox (site_id, recipient, created_at);
