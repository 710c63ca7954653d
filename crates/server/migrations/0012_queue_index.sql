-- The queue (a site's waiting conversations in answering order) is read on
-- every queue change. Its columns come after the large `context` column, so
-- without an index covering them SQLite reads every waiting shopper's whole
-- context (~15 KB) each time: 30 ms at 1,000 waiting. Same for the expected
-- wait (recent first-response times).
CREATE INDEX conversations_queue ON conversations (site_id, state, priority, created_at, id);
CREATE INDEX conversations_first_response ON conversations (site_id, first_response_at, created_at);
