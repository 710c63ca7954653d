-- Campaign files per site, every pushed version kept; the newest is live.
CREATE TABLE campaign_versions (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    version    INTEGER NOT NULL,
    -- The file as the marketer wrote it (already validated).
    source     TEXT NOT NULL,
    pushed_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, version)
);

-- What campaigns did, counted per day (UTC).
CREATE TABLE campaign_events (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    campaign_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('shown', 'clicked', 'dismissed', 'conversation_started')),
    count       INTEGER NOT NULL,
    PRIMARY KEY (site_id, campaign_id, day, kind)
);
