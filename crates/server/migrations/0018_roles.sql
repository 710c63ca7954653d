-- Roles and the team: an agent is an `admin` (manages the team and the
-- desk's settings) or an `agent`; an account is `active`, `disabled` (cannot
-- log in) or `invited` (has not set a password yet). Every agent who
-- existed before roles becomes an admin, so nobody loses what they could do.
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent'
    CHECK (role IN ('admin', 'agent'));
ALTER TABLE agents ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'disabled', 'invited'));
UPDATE agents SET role = 'admin';

-- Single-use links that let an agent set a password: an invitation, or a
-- password reset. Only the SHA-256 (hex) of the token is kept.
CREATE TABLE agent_links (
    token      TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    site_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX agent_links_agent ON agent_links (agent_id);
CREATE INDEX agent_links_site ON agent_links (site_id, purpose, expires_at);
