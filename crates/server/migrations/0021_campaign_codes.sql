-- Discount codes (issue #12): the pool of single-use codes a marketer uploads
-- per campaign (`aisle campaigns codes add SITE CAMPAIGN FILE`), each handed
-- out to at most one visitor and each visitor given at most one per campaign.
CREATE TABLE campaign_codes (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    campaign_id TEXT NOT NULL,
    code        TEXT NOT NULL,
    -- The loader's visitor id it was handed to; NULL: still free.
    visitor     TEXT,
    handed_at   INTEGER,
    PRIMARY KEY (site_id, campaign_id, code)
);
-- One code per visitor and campaign, however many requests race.
CREATE UNIQUE INDEX campaign_codes_visitor
    ON campaign_codes (site_id, campaign_id, visitor) WHERE visitor IS NOT NULL;
-- Finding a free code without scanning handed-out ones.
CREATE INDEX campaign_codes_free
    ON campaign_codes (site_id, campaign_id) WHERE visitor IS NULL;
