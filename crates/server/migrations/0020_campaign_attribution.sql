-- Campaign attribution (issue #12): who pushed each version, the last
-- campaign each visitor interacted with, and purchases counted once per order.

-- The agent's name for a push from the console; NULL: the command line.
ALTER TABLE campaign_versions ADD COLUMN pushed_by TEXT;

-- Per site and visitor (the loader's `Aisle.visitor`), the last campaign
-- they clicked or started a conversation from: one row per visitor, replaced
-- on every such event; rows older than the longest window (90 days) are
-- deleted as new ones come.
CREATE TABLE campaign_touches (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    visitor     TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (site_id, visitor)
);
CREATE INDEX campaign_touches_at ON campaign_touches (site_id, at);

-- Every purchase reported, once per order (the primary key makes a second
-- report of the same order a no-op, however many arrive at once).
-- campaign_id NULL: no campaign touched within the window.
CREATE TABLE campaign_conversions (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    order_ref   TEXT NOT NULL,
    campaign_id TEXT,
    visitor     TEXT NOT NULL,
    -- Thousandths of the currency unit.
    value_milli INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    day         TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (site_id, order_ref)
);
CREATE INDEX campaign_conversions_campaign ON campaign_conversions (site_id, campaign_id, day);
