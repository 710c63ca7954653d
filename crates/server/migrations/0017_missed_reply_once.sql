-- "You left before we answered" emails are automatic too: one per
-- conversation (its id is the reference), however often an agent writes.
DROP INDEX email_outbox_automatic;
CREATE UNIQUE INDEX email_outbox_automatic ON email_outbox (site_id, reference, kind)
    WHERE kind IN ('ticket_received', 'return_received', 'missed_reply');
