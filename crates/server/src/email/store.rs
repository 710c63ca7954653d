//! What ticket replies by email read and write in the database: the
//! ticket's shopper and state, its email thread (Message-IDs and messages),
//! and the ticket's state as replies come and go. [`super::replies`] calls
//! these functions only; a second database backend replaces this file.

use crate::db::Db;

/// The shopper's email of ticket `reference` on `site`, if there is one.
pub async fn ticket_email(db: &Db, site: &str, reference: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT email FROM tickets WHERE site_id = $1 AND reference = $2")
        .bind(site)
        .bind(reference)
        .fetch_optional(db)
        .await
}

/// The Message-IDs of the ticket's thread, oldest first: the emails we sent
/// (not failed) and the shopper's.
pub async fn thread_message_ids(db: &Db, site: &str, reference: &str) -> sqlx::Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT message_id FROM (
             SELECT message_id, created_at, 0 AS side, id FROM email_outbox
              WHERE site_id = $1 AND reference = $2 AND message_id != '' AND status != 'failed'
             UNION ALL
             SELECT message_id, created_at, 1 AS side, id FROM ticket_messages
              WHERE site_id = $1 AND reference = $2 AND direction = 'shopper' AND message_id IS NOT NULL) AS thread
         ORDER BY created_at, side, id",
    )
    .bind(site)
    .bind(reference)
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// The language the "ticket received" email of the ticket went out in.
pub async fn ticket_language(db: &Db, site: &str, reference: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT lang FROM email_outbox WHERE site_id = $1 AND reference = $2 AND kind = 'ticket_received'",
    )
    .bind(site)
    .bind(reference)
    .fetch_optional(db)
    .await
}

/// How many messages the ticket's thread holds.
pub async fn message_count(db: &Db, site: &str, reference: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ticket_messages WHERE site_id = $1 AND reference = $2")
        .bind(site)
        .bind(reference)
        .fetch_one(db)
        .await
}

/// Adds agent `agent`'s reply `body` (sent as `message_id`) to the thread.
pub async fn add_agent_reply(
    db: &Db,
    site: &str,
    reference: &str,
    agent: i64,
    body: &str,
    message_id: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ticket_messages (site_id, reference, direction, agent_id, body, message_id, created_at)
         VALUES ($1, $2, 'agent', $3, $4, $5, $6)",
    )
    .bind(site)
    .bind(reference)
    .bind(agent)
    .bind(body)
    .bind(message_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets the ticket's state; the first agent to touch it (`agent`) becomes its
/// assignee. Whether the site has the ticket.
pub async fn set_ticket_state(
    db: &Db,
    site: &str,
    reference: &str,
    state: &str,
    agent: i64,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE tickets SET status = $1, assignee = COALESCE(assignee, $2)
         WHERE site_id = $3 AND reference = $4",
    )
    .bind(state)
    .bind(agent)
    .bind(site)
    .bind(reference)
    .execute(db)
    .await?
    .rows_affected();
    Ok(updated > 0)
}

/// The ticket's state and its assignee's name; `None` when the site has no such ticket.
pub async fn ticket_state(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<Option<(String, Option<String>)>> {
    sqlx::query_as(
        "SELECT t.status, a.name FROM tickets t LEFT JOIN agents a ON a.id = t.assignee
         WHERE t.site_id = $1 AND t.reference = $2",
    )
    .bind(site)
    .bind(reference)
    .fetch_optional(db)
    .await
}

/// One message of a ticket's thread: direction, agent's name, body,
/// created_at, and for an agent's reply its email's status, attempts and error.
pub type ThreadMessage = (
    String,
    Option<String>,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// The ticket's thread, oldest first.
pub async fn thread_messages(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<Vec<ThreadMessage>> {
    sqlx::query_as(
        "SELECT m.direction, a.name, m.body, m.created_at, o.status, o.attempts, o.last_error
         FROM ticket_messages m
         LEFT JOIN agents a ON a.id = m.agent_id
         LEFT JOIN email_outbox o ON o.site_id = m.site_id AND o.message_id = m.message_id
              AND m.direction = 'agent'
         WHERE m.site_id = $1 AND m.reference = $2 ORDER BY m.id",
    )
    .bind(site)
    .bind(reference)
    .fetch_all(db)
    .await
}

/// The ticket whose thread holds Message-ID `message_id` (ours or the shopper's).
pub async fn ticket_of_message(
    db: &Db,
    site: &str,
    message_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT reference FROM email_outbox WHERE site_id = $1 AND message_id = $2
         UNION SELECT reference FROM ticket_messages WHERE site_id = $3 AND message_id = $4",
    )
    .bind(site)
    .bind(message_id)
    .bind(site)
    .bind(message_id)
    .fetch_optional(db)
    .await
}

/// Adds the shopper's emailed `text` to the thread (once per Message-ID) and
/// opens the ticket again.
pub async fn add_shopper_reply(
    db: &Db,
    site: &str,
    reference: &str,
    text: &str,
    message_id: Option<&str>,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ticket_messages (site_id, reference, direction, body, message_id, created_at)
         VALUES ($1, $2, 'shopper', $3, $4, $5)
         ON CONFLICT (site_id, message_id) WHERE message_id IS NOT NULL DO NOTHING",
    )
    .bind(site)
    .bind(reference)
    .bind(text)
    .bind(message_id)
    .bind(at)
    .execute(db)
    .await?;
    sqlx::query("UPDATE tickets SET status = 'open' WHERE site_id = $1 AND reference = $2")
        .bind(site)
        .bind(reference)
        .execute(db)
        .await?;
    Ok(())
}

// ------------------------------------------------------------- the outbox

/// For the outbox's bounds: automatic emails to `recipient` from `site`
/// created after `since`, and `site`'s messages waiting to be sent.
pub async fn outbox_load(
    db: &Db,
    site: &str,
    recipient: &str,
    since: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT
             (SELECT COUNT(*) FROM email_outbox WHERE site_id = $1 AND recipient = $2 AND created_at > $3
                 AND kind != 'agent_reply'),
             (SELECT COUNT(*) FROM email_outbox WHERE site_id = $1 AND status = 'queued')",
    )
    .bind(site)
    .bind(recipient)
    .bind(since)
    .fetch_one(db)
    .await
}

/// A message for the outbox.
#[derive(Debug, Clone, Copy)]
pub struct OutboxRow<'a> {
    /// `email_outbox.kind`.
    pub kind: &'a str,
    /// The ticket, return request or conversation it is about.
    pub reference: &'a str,
    /// Envelope sender.
    pub sender: &'a str,
    /// Envelope recipient.
    pub recipient: &'a str,
    /// `Message-ID`.
    pub message_id: &'a str,
    /// The whole message (empty when it is never sent).
    pub bytes: &'a [u8],
    /// The shopper's language.
    pub lang: &'a str,
}

/// Queues `row` of `site` to be sent from `at` (an automatic message that
/// exists for its reference already is not queued twice).
pub async fn enqueue(db: &Db, site: &str, row: &OutboxRow<'_>, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO email_outbox
             (site_id, reference, kind, sender, recipient, message_id, message, status,
              attempts, next_attempt_at, last_error, created_at, updated_at, lang)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, NULL, $9, $10, $11)
         ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(row.reference)
    .bind(row.kind)
    .bind(row.sender)
    .bind(row.recipient)
    .bind(row.message_id)
    .bind(row.bytes)
    .bind(at)
    .bind(at)
    .bind(at)
    .bind(row.lang)
    .execute(db)
    .await?;
    Ok(())
}

/// Stores `row` of `site` as failed for `why` (never sent; its bytes are not kept).
pub async fn record_failed(
    db: &Db,
    site: &str,
    row: &OutboxRow<'_>,
    why: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO email_outbox
             (site_id, reference, kind, sender, recipient, message_id, message, status,
              attempts, next_attempt_at, last_error, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $11, 'failed', 0, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(row.reference)
    .bind(row.kind)
    .bind(row.sender)
    .bind(row.recipient)
    .bind(row.message_id)
    .bind(at)
    .bind(why)
    .bind(at)
    .bind(at)
    .bind(Vec::<u8>::new())
    .execute(db)
    .await?;
    Ok(())
}

/// The latest "received" email of each of `references` on `site`:
/// (reference, kind, status, attempts, last error, updated_at), oldest first.
pub type OutboxStatus = (String, String, String, i64, Option<String>, i64);

/// See [`OutboxStatus`].
pub async fn statuses(db: &Db, site: &str, references: &[&str]) -> sqlx::Result<Vec<OutboxStatus>> {
    if references.is_empty() {
        return Ok(Vec::new());
    }
    // $1 is the site; the references follow.
    let marks = (2..references.len() + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT reference, kind, status, attempts, last_error, updated_at FROM email_outbox
         WHERE site_id = $1 AND reference IN ({marks})
             AND kind IN ('ticket_received', 'return_received') ORDER BY id"
    );
    let mut query = sqlx::query_as::<_, OutboxStatus>(&sql).bind(site);
    for r in references {
        query = query.bind(*r);
    }
    query.fetch_all(db).await
}

/// When the earliest queued message is due (Unix seconds), if any.
pub async fn next_due(db: &Db) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM email_outbox WHERE status = 'queued'")
        .fetch_one(db)
        .await
}

/// A queued message due: id, site, sender, recipient, bytes, attempts, created_at.
pub type DueMessage = (i64, String, String, String, Vec<u8>, i64, i64);

/// Up to `limit` queued messages due at `now`, earliest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<DueMessage>> {
    sqlx::query_as(
        "SELECT id, site_id, sender, recipient, message, attempts, created_at FROM email_outbox
         WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks message `id` sent after `attempts` attempts, at `at`.
pub async fn mark_sent(db: &Db, id: i64, attempts: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE email_outbox SET status = 'sent', attempts = $1, last_error = NULL,
             sent_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(attempts)
    .bind(at)
    .bind(at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records attempt `attempts` of message `id` failing with `why`; it is
/// tried again at `retry_at`.
pub async fn mark_retry(
    db: &Db,
    id: i64,
    attempts: i64,
    why: &str,
    retry_at: i64,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE email_outbox SET attempts = $1, last_error = $2, next_attempt_at = $3,
             updated_at = $4 WHERE id = $5",
    )
    .bind(attempts)
    .bind(why)
    .bind(retry_at)
    .bind(at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks message `id` failed for good after `attempts` attempts, for `why`.
pub async fn mark_failed(db: &Db, id: i64, attempts: i64, why: &str, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE email_outbox SET status = 'failed', attempts = $1, last_error = $2,
             updated_at = $3 WHERE id = $4",
    )
    .bind(attempts)
    .bind(why)
    .bind(at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Empties the stored bytes of messages sent or failed before `before`; how many.
pub async fn drop_old_bytes(db: &Db, before: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE email_outbox SET message = $2 WHERE status != 'queued' AND updated_at < $1
             AND length(message) > 0",
    )
    .bind(before)
    .bind(Vec::<u8>::new())
    .execute(db)
    .await?
    .rows_affected())
}

/// Transcript emails conversation `id` of `site` asked for so far (sent,
/// waiting or failed).
pub async fn transcripts_of(db: &Db, site: &str, id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE site_id = $1 AND reference = $2 AND kind = 'transcript'",
    )
    .bind(site)
    .bind(id)
    .fetch_one(db)
    .await
}
