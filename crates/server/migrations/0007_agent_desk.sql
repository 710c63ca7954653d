-- The agent console's desk: macros (canned replies with {{variables}} the
-- console fills from the conversation), and who marked a ticket or a return
-- request done, and when.

CREATE TABLE macros (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    id         TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    -- Order in the console's picker.
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, id)
);

ALTER TABLE tickets ADD COLUMN done_by INTEGER REFERENCES agents(id);
ALTER TABLE tickets ADD COLUMN done_at INTEGER;
ALTER TABLE return_requests ADD COLUMN done_by INTEGER REFERENCES agents(id);
ALTER TABLE return_requests ADD COLUMN done_at INTEGER;
