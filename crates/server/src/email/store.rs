//! What ticket replies by email read and write in the database: the
//! ticket's shopper and state, its email thread (Message-IDs and messages),
//! and the ticket's state as replies come and go. [`super::replies`] calls
//! these functions only; a second database backend replaces this file.

use crate::db::Db;

/// The shopper's email of ticket `reference` on `site`, if there is one.
pub async fn ticket_email(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT email FROM tickets WHERE site_id = $1 AND reference = $2")
        .bind(site)
        .bind(reference)
        .fetch_optional(db)
        .await
}

/// The Message-IDs of the ticket's thread, oldest first: the emails we sent
/// (not failed) and the shopper's.
pub async fn thread_message_ids(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<Vec<String>> {
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
pub async fn ticket_language(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<Option<String>> {
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
