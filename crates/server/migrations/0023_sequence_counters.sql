-- Sequence numbers from counters (issue #14): a message's number comes from
-- bumping its conversation's `last_seq` in the transaction that stores it,
-- and a campaign version from bumping the site's `last_campaign_version`, so
-- writers racing on one PostgreSQL (and here) get consecutive numbers, never
-- the same one twice. Filled from what is stored.
ALTER TABLE conversations ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET last_seq =
    (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = conversations.id);
ALTER TABLE sites ADD COLUMN last_campaign_version INTEGER NOT NULL DEFAULT 0;
UPDATE sites SET last_campaign_version =
    (SELECT COALESCE(MAX(version), 0) FROM campaign_versions WHERE site_id = sites.id);
