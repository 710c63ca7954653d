-- A/B variants (issue #12): events per variant, and the variant of the
-- touch a purchase is attributed to.
CREATE TABLE campaign_variant_events (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    campaign_id TEXT NOT NULL,
    variant     TEXT NOT NULL,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (site_id, campaign_id, variant, day, kind)
);
ALTER TABLE campaign_touches ADD COLUMN variant TEXT;
ALTER TABLE campaign_conversions ADD COLUMN variant TEXT;
