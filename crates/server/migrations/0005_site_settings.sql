-- The key stores sign logged-in customers' emails with (HMAC-SHA256), so the
-- widget can skip the order lookup for them. Generated per site; never exported.
ALTER TABLE sites ADD COLUMN identity_secret TEXT;

-- Flows also record that they started, so deflection is resolved / started.
CREATE TABLE flow_outcomes_new (
    site_id  TEXT NOT NULL REFERENCES sites(id),
    flow     TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('started', 'resolved', 'handoff')),
    at       INTEGER NOT NULL
);
INSERT INTO flow_outcomes_new SELECT site_id, flow, outcome, at FROM flow_outcomes;
DROP TABLE flow_outcomes;
ALTER TABLE flow_outcomes_new RENAME TO flow_outcomes;
