-- The site's tag list: what agents pick from when they close a chat (they
-- may still type others). Admins edit it in the console. Conversations keep
-- the tags they were closed with, as text: renaming or deleting a tag here
-- does not rewrite past conversations.
CREATE TABLE site_tags (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX site_tags_name ON site_tags (site_id, name COLLATE NOCASE);
