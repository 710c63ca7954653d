-- Site changes reach every node at once (issue #14): any write to `sites`
-- (`aisle site import`, the console's settings, a campaign push bumping
-- `last_campaign_version`) notifies channel `aisle_sites`; each node
-- LISTENs and re-reads its sites (the 10 s re-read stays as a backstop).
-- PostgreSQL only: a single SQLite node reloads after its own writes, and
-- the schema (tables, columns) does not change.
CREATE FUNCTION aisle_notify_sites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aisle_sites', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER sites_changed AFTER INSERT OR UPDATE OR DELETE ON sites
    FOR EACH STATEMENT EXECUTE PROCEDURE aisle_notify_sites();
