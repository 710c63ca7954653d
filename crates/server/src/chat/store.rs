//! What live handoff reads and writes in SQLite (`migrations/0006_conversations.sql`):
//! conversations, their messages and read markers.
//!
//! Every state change is one conditional statement (`UPDATE … WHERE state = …`)
//! so racing connections — and nodes sharing one PostgreSQL — cannot both
//! win. A message gets its sequence number in the transaction that stores it:
//! `conversations.last_seq` is bumped with `RETURNING` (which locks the
//! conversation's row until commit, so numbers are gapless and never handed
//! out twice), then the message is inserted; a `client_id` the party stored
//! before (`UNIQUE (conversation_id, author, client_id)`) rolls the bump back
//! and answers the stored number.
//!
//! The JSON context is read with `json_extract` on SQLite and `->>` on
//! PostgreSQL ([`json_text`], [`json_flag`]); everything else is one text.

use crate::db::{Db, is_postgres, now};
use aisle_core::protocol::{
    ChatContext, ChatMessage, ConversationStatus, MAX_MESSAGE_CHARS, Party, Priority, QueueSummary,
    SUMMARY_TEXT_CHARS,
};
use rand::Rng;

/// Recent conversations averaged for the expected wait.
const WAIT_HISTORY: i64 = 20;
/// Only answers this recent predict a wait (last month's pace says little
/// about now), seconds.
const WAIT_WINDOW: i64 = 24 * 3600;

/// A conversation as stored.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Conversation id.
    pub id: String,
    /// Site id.
    pub site: String,
    /// Waiting, active or closed.
    pub state: ConversationStatus,
    /// The agent answering (kept after closing).
    pub agent_id: Option<i64>,
    /// That agent's display name.
    pub agent_name: Option<String>,
    /// What the shopper shared.
    pub context: ChatContext,
    /// When the shopper asked, Unix seconds.
    pub created_at: i64,
    /// Who closed it.
    pub closed_by: Option<Party>,
    /// The shopper's rating.
    pub csat: Option<i64>,
    /// Highest sequence number the shopper has read.
    pub shopper_read: u64,
    /// Highest sequence number the agent has read.
    pub agent_read: u64,
    /// Highest sequence number stored.
    pub last_seq: u64,
}

impl Conversation {
    /// Whether the shopper should be asked for a rating.
    pub fn wants_rating(&self) -> bool {
        self.state == ConversationStatus::Closed && self.agent_id.is_some() && self.csat.is_none()
    }
}

fn status(name: &str) -> ConversationStatus {
    match name {
        "waiting" => ConversationStatus::Waiting,
        "active" => ConversationStatus::Active,
        _ => ConversationStatus::Closed,
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// SQL reading the text at `key` (a top-level key) of the JSON in `column`.
fn json_text(db: &Db, column: &str, key: &str) -> String {
    if is_postgres(db) {
        format!("({column}::jsonb ->> '{key}')")
    } else {
        format!("json_extract({column}, '$.{key}')")
    }
}

/// SQL reading the JSON boolean at `key` of the JSON in `column` as 1 or 0
/// (NULL when absent).
fn json_flag(db: &Db, column: &str, key: &str) -> String {
    if is_postgres(db) {
        format!(
            "(CASE ({column}::jsonb -> '{key}') WHEN 'true'::jsonb THEN 1 WHEN 'false'::jsonb THEN 0 END)"
        )
    } else {
        format!("json_extract({column}, '$.{key}')")
    }
}

fn random_hex() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

/// Fills `context` from the shopper's self-service session (the steps they took,
/// the email they proved and its orders) and drops the session token.
pub async fn enrich_context(db: &Db, site: &str, context: &mut ChatContext) -> anyhow::Result<()> {
    context.verified_orders.clear();
    context.assist_steps.clear();
    context.email_verified = false;
    if let Some(token) = context.assist_session.take() {
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT email, steps FROM assist_sessions WHERE token = $1 AND site_id = $2",
        )
        .bind(&token)
        .bind(site)
        .fetch_optional(db)
        .await?;
        if let Some((email, steps)) = row {
            context.assist_steps = serde_json::from_str(&steps).unwrap_or_default();
            if let Some(email) = email {
                context.verified_orders = crate::records::orders_of(db, site, &email)
                    .await?
                    .into_iter()
                    .map(|(number, _)| number)
                    .collect();
                context.email = Some(email);
                context.email_verified = true;
            }
        }
    }
    context.clip();
    Ok(())
}

/// Creates a waiting conversation; returns its id and the shopper's resume
/// token (`resume`, the widget's own, or a new one).
pub async fn create(
    db: &Db,
    site: &str,
    locale: &str,
    context: &ChatContext,
    resume: Option<&str>,
) -> anyhow::Result<(String, String)> {
    let id = random_hex();
    let resume = resume
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}{}", random_hex(), random_hex()));
    let locale: String = locale.chars().take(35).collect();
    sqlx::query(
        "INSERT INTO conversations (id, site_id, resume_hash, state, locale, context, priority, created_at) \
         VALUES ($1, $2, $3, 'waiting', $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(site)
    .bind(crate::db::digest(&resume))
    .bind(locale)
    .bind(serde_json::to_string(context)?)
    .bind(context.priority().as_str())
    .bind(now())
    .execute(db)
    .await?;
    Ok((id, resume))
}

type ConversationRow = (
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    i64,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    i64,
);

const SELECT_CONVERSATION: &str = "SELECT c.id, c.site_id, c.state, c.agent_id, a.name, c.context, c.created_at, \
     c.closed_by, c.csat, c.shopper_read_seq, c.agent_read_seq, c.last_seq \
     FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id";

fn conversation(row: ConversationRow) -> Conversation {
    let (id, site, state, agent_id, agent_name, context, created_at, closed_by, csat, sr, ar, last) =
        row;
    Conversation {
        id,
        site,
        state: status(&state),
        agent_id,
        agent_name,
        context: serde_json::from_str(&context).unwrap_or_default(),
        created_at,
        closed_by: closed_by.as_deref().and_then(Party::from_name),
        csat,
        shopper_read: to_u64(sr),
        agent_read: to_u64(ar),
        last_seq: to_u64(last),
    }
}

/// The conversation of site `site` the resume `token` opens.
pub async fn by_resume(db: &Db, site: &str, token: &str) -> anyhow::Result<Option<Conversation>> {
    let row: Option<ConversationRow> = sqlx::query_as(&format!(
        "{SELECT_CONVERSATION} WHERE c.resume_hash = $1 AND c.site_id = $2"
    ))
    .bind(crate::db::digest(token))
    .bind(site)
    .fetch_optional(db)
    .await?;
    Ok(row.map(conversation))
}

/// Conversation `id` of site `site`.
pub async fn get(db: &Db, site: &str, id: &str) -> anyhow::Result<Option<Conversation>> {
    let row: Option<ConversationRow> = sqlx::query_as(&format!(
        "{SELECT_CONVERSATION} WHERE c.id = $1 AND c.site_id = $2"
    ))
    .bind(id)
    .bind(site)
    .fetch_optional(db)
    .await?;
    Ok(row.map(conversation))
}

/// The result of [`append`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored now.
    New(ChatMessage),
    /// This `client_id` was stored before, as this sequence number.
    Duplicate(u64),
}

/// Who writes a message.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    /// The shopper.
    Shopper,
    /// Agent (id, display name).
    Agent(i64, &'a str),
}

/// Stores a message with the next sequence number, or finds the earlier copy
/// with the same `client_id` from the same party. One transaction: the
/// conversation's `last_seq` is bumped (its row stays locked until commit, so
/// racing writers — on any node — get consecutive numbers), the message is
/// inserted, and an agent's first reply also sets the first-response time.
/// A duplicate rolls the bump back.
pub async fn append(
    db: &Db,
    conversation: &str,
    writer: Writer<'_>,
    client_id: &str,
    text: &str,
) -> anyhow::Result<Appended> {
    let (author, agent_id, name) = match writer {
        Writer::Shopper => (Party::Shopper, None, None),
        Writer::Agent(id, name) => (Party::Agent, Some(id), Some(name.to_owned())),
    };
    let at = now();
    let mut tx = db.begin().await?;
    let next: Option<(i64,)> = sqlx::query_as(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(conversation)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((seq,)) = next else {
        anyhow::bail!("no conversation {conversation}");
    };
    let stored: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO messages (conversation_id, seq, client_id, author, agent_id, name, text, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (conversation_id, author, client_id) DO NOTHING RETURNING seq",
    )
    .bind(conversation)
    .bind(seq)
    .bind(client_id)
    .bind(author.as_str())
    .bind(agent_id)
    .bind(&name)
    .bind(text)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    if stored.is_none() {
        tx.rollback().await?;
        let seq = seq_of(db, conversation, author, client_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("message {client_id} conflicted but is not stored"))?;
        return Ok(Appended::Duplicate(seq));
    }
    if agent_id.is_some() {
        sqlx::query(
            "UPDATE conversations SET first_response_at = $1 WHERE id = $2 AND first_response_at IS NULL",
        )
        .bind(at)
        .bind(conversation)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Appended::New(ChatMessage {
        seq: to_u64(seq),
        client_id: Some(client_id.to_owned()),
        author,
        name,
        text: text.to_owned(),
        at,
    }))
}

/// The sequence number `author`'s message `client_id` was stored as, if it was.
pub async fn seq_of(
    db: &Db,
    conversation: &str,
    author: Party,
    client_id: &str,
) -> anyhow::Result<Option<u64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT seq FROM messages WHERE conversation_id = $1 AND author = $2 AND client_id = $3",
    )
    .bind(conversation)
    .bind(author.as_str())
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(seq,)| to_u64(seq)))
}

/// Up to `limit` messages after sequence number `after`, in order. `client_id`
/// is set on every message (views hide the other party's).
pub async fn messages_after(
    db: &Db,
    conversation: &str,
    after: u64,
    limit: i64,
) -> anyhow::Result<Vec<ChatMessage>> {
    let rows: Vec<(i64, String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT seq, client_id, author, name, text, at FROM messages \
         WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(conversation)
    .bind(to_i64(after))
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, client_id, author, name, text, at)| ChatMessage {
            seq: to_u64(seq),
            client_id: Some(client_id),
            author: Party::from_name(&author).unwrap_or(Party::System),
            name,
            text,
            at,
        })
        .collect())
}

/// The result of [`accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// This agent has it now.
    Accepted,
    /// It is not waiting any more (another agent was faster, or it ended).
    Taken,
    /// No such conversation on this site.
    NotFound,
}

/// Gives waiting conversation `id` to `agent`: exactly one of racing agents wins.
pub async fn accept(db: &Db, site: &str, id: &str, agent: i64) -> anyhow::Result<Accept> {
    let done = sqlx::query(
        "UPDATE conversations SET state = 'active', agent_id = $1, accepted_at = $2 \
         WHERE id = $3 AND site_id = $4 AND state = 'waiting'",
    )
    .bind(agent)
    .bind(now())
    .bind(id)
    .bind(site)
    .execute(db)
    .await?
    .rows_affected()
        == 1;
    if done {
        return Ok(Accept::Accepted);
    }
    let exists: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM conversations WHERE id = $1 AND site_id = $2")
            .bind(id)
            .bind(site)
            .fetch_optional(db)
            .await?;
    Ok(if exists.is_some() {
        Accept::Taken
    } else {
        Accept::NotFound
    })
}

/// Puts `agent`'s active conversation `id` back in the queue; `false` if it is not theirs.
pub async fn transfer(db: &Db, site: &str, id: &str, agent: i64) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE conversations SET state = 'waiting', agent_id = NULL \
         WHERE id = $1 AND site_id = $2 AND agent_id = $3 AND state = 'active'",
    )
    .bind(id)
    .bind(site)
    .bind(agent)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Closes `agent`'s active conversation `id` with `tags`; `false` if it is not theirs.
pub async fn close_by_agent(
    db: &Db,
    site: &str,
    id: &str,
    agent: i64,
    tags: &[String],
) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE conversations SET state = 'closed', closed_at = $1, closed_by = 'agent', tags = $2 \
         WHERE id = $3 AND site_id = $4 AND agent_id = $5 AND state = 'active'",
    )
    .bind(now())
    .bind(serde_json::to_string(tags)?)
    .bind(id)
    .bind(site)
    .bind(agent)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Active conversations of `site` whose last message is the agent's, sent
/// before `before` (Unix seconds): the shopper left them unanswered.
pub async fn unanswered(db: &Db, site: &str, before: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT c.id FROM conversations c \
         JOIN messages m ON m.conversation_id = c.id \
         AND m.seq = c.last_seq \
         WHERE c.site_id = $1 AND c.state = 'active' AND m.author = 'agent' AND m.at < $2 \
         LIMIT 500",
    )
    .bind(site)
    .bind(before)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Closes active conversation `id` on Aisle's own (`closed_by = 'system'`),
/// adding `tag`; `false` if it was not active any more.
pub async fn close_by_system(db: &Db, id: &str, tag: &str) -> anyhow::Result<bool> {
    let add = if is_postgres(db) {
        "(tags::jsonb || jsonb_build_array($2::text))::text"
    } else {
        "json_insert(tags, '$[#]', $2)"
    };
    Ok(sqlx::query(&format!(
        "UPDATE conversations SET state = 'closed', closed_at = $1, closed_by = 'system', \
         tags = {add} WHERE id = $3 AND state = 'active'"
    ))
    .bind(now())
    .bind(tag)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Closes conversation `id` for the shopper; `false` if it was closed already.
pub async fn close_by_shopper(db: &Db, id: &str) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE conversations SET state = 'closed', closed_at = $1, closed_by = 'shopper' \
         WHERE id = $2 AND state <> 'closed'",
    )
    .bind(now())
    .bind(id)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Stores the shopper's rating of a closed conversation an agent answered;
/// `false` when there is nothing to rate.
pub async fn rate(db: &Db, id: &str, score: u8) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE conversations SET csat = $1 WHERE id = $2 AND state = 'closed' AND agent_id IS NOT NULL",
    )
    .bind(i64::from(score))
    .bind(id)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Moves `reader`'s read marker of `id` up to `seq` (never down, never past the
/// last message); returns the marker.
pub async fn mark_read(db: &Db, id: &str, reader: Party, seq: u64) -> anyhow::Result<u64> {
    let column = match reader {
        Party::Agent => "agent_read_seq",
        _ => "shopper_read_seq",
    };
    // max(marker, min(seq, last_seq)), in SQL both dialects read.
    let (marker,): (i64,) = sqlx::query_as(&format!(
        "UPDATE conversations SET {column} = CASE \
         WHEN (CASE WHEN $1 < last_seq THEN $1 ELSE last_seq END) > {column} \
         THEN (CASE WHEN $1 < last_seq THEN $1 ELSE last_seq END) ELSE {column} END \
         WHERE id = $2 RETURNING {column}"
    ))
    .bind(to_i64(seq))
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(to_u64(marker))
}

/// Answering order of waiting conversations: priority, then waiting time.
const QUEUE_ORDER: &str = "ORDER BY CASE priority WHEN 'vip' THEN 0 WHEN 'high_cart' THEN 1 \
     WHEN 'pre_sale' THEN 2 ELSE 3 END, created_at, rowid";

/// The site's waiting conversations in answering order (priority, then
/// waiting time): id, since when, priority. No context is read.
pub async fn queue(db: &Db, site: &str) -> anyhow::Result<Vec<(String, i64, Priority)>> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(&format!(
        "SELECT id, created_at, priority FROM conversations \
         WHERE site_id = $1 AND state = 'waiting' {QUEUE_ORDER}"
    ))
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, since, priority)| {
            let priority = Priority::from_name(&priority).unwrap_or(Priority::Normal);
            (id, since, priority)
        })
        .collect())
}

/// The queue summary of conversation `id`, read out of its context by
/// SQLite (only the summary's fields, already clipped).
pub async fn summary(db: &Db, id: &str) -> anyhow::Result<Option<QueueSummary>> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
    );
    let short = |key: &str| {
        format!(
            "substr({}, 1, {SUMMARY_TEXT_CHARS})",
            json_text(db, "context", key)
        )
    };
    let (value, currency, items, orders) = if is_postgres(db) {
        (
            "(context::jsonb #>> '{cart,value_minor}')::bigint",
            "substr(context::jsonb #>> '{cart,currency}', 1, 8)",
            "(CASE jsonb_typeof(context::jsonb #> '{cart,items}') WHEN 'array' \
             THEN jsonb_array_length(context::jsonb #> '{cart,items}') END)",
            "substr(context::jsonb #>> '{verified_orders}', 1, 200)",
        )
    } else {
        (
            "json_extract(context, '$.cart.value_minor')",
            "substr(json_extract(context, '$.cart.currency'), 1, 8)",
            "json_array_length(context, '$.cart.items')",
            "substr(json_extract(context, '$.verified_orders'), 1, 200)",
        )
    };
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {email}, {page_url}, {page_title}, {value}, {currency}, {items}, {orders}, \
         {campaign}, {locale}, {verified}, \
         (SELECT substr(text, 1, 400) FROM messages WHERE conversation_id = conversations.id \
          AND author = 'shopper' ORDER BY seq DESC LIMIT 1) \
         FROM conversations WHERE id = $1",
        email = short("email"),
        page_url = short("page_url"),
        page_title = short("page_title"),
        campaign = short("campaign"),
        locale = short("locale"),
        verified = json_flag(db, "context", "email_verified"),
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(
            email,
            page_url,
            page_title,
            value,
            currency,
            items,
            orders,
            campaign,
            locale,
            verified,
            last,
        )| {
            let value = value.map_or(0, to_u64);
            let cart = (value > 0 || items.unwrap_or(0) > 0)
                .then(|| (value, currency.unwrap_or_default()));
            // A clipped list of numbers: the first few are whole.
            let verified_orders = orders
                .unwrap_or_default()
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .take(3)
                .collect();
            QueueSummary {
                email,
                email_verified: verified == Some(1),
                page_url,
                page_title,
                cart,
                verified_orders,
                campaign,
                locale,
                last_message: last.as_deref().map(aisle_core::protocol::preview),
            }
        },
    ))
}

/// Ids of all the site's waiting conversations, in answering order.
pub async fn waiting_ids(db: &Db, site: &str) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM conversations WHERE site_id = $1 AND state = 'waiting' {QUEUE_ORDER}"
    ))
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// (id, site) of every waiting conversation (once, at start).
pub async fn all_waiting(db: &Db) -> anyhow::Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT id, site_id FROM conversations WHERE state = 'waiting'")
            .fetch_all(db)
            .await?,
    )
}

/// Closes conversation `id` for Aisle if it is still waiting (its shopper
/// left, or nobody came to answer); `false` otherwise.
pub async fn close_waiting(db: &Db, site: &str, id: &str) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE conversations SET state = 'closed', closed_at = $1, closed_by = 'system' \
         WHERE id = $2 AND site_id = $3 AND state = 'waiting'",
    )
    .bind(now())
    .bind(id)
    .bind(site)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// What the shopper wrote in conversation `id`, one message a line, at most
/// [`MAX_MESSAGE_CHARS`] characters (the message form's limit); `None` if nothing.
pub async fn shopper_text(db: &Db, id: &str) -> anyhow::Result<Option<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT text FROM messages WHERE conversation_id = $1 AND author = 'shopper' \
         ORDER BY seq LIMIT $2",
    )
    .bind(id)
    .bind(to_i64(MAX_MESSAGE_CHARS as u64))
    .fetch_all(db)
    .await?;
    let text: String = rows
        .into_iter()
        .map(|(t,)| t)
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .collect();
    Ok(Some(text).filter(|t| !t.trim().is_empty()))
}

/// Up to `limit` messages before sequence number `before` (the latest ones
/// with `u64::MAX`), in order, and whether there are earlier ones.
pub async fn messages_before(
    db: &Db,
    conversation: &str,
    before: u64,
    limit: u32,
) -> anyhow::Result<(Vec<ChatMessage>, bool)> {
    let rows: Vec<(i64, String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT seq, client_id, author, name, text, at FROM messages \
         WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(conversation)
    .bind(to_i64(before))
    .bind(i64::from(limit) + 1)
    .fetch_all(db)
    .await?;
    let more = rows.len() > limit as usize;
    let mut messages: Vec<ChatMessage> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(seq, client_id, author, name, text, at)| ChatMessage {
            seq: to_u64(seq),
            client_id: Some(client_id),
            author: Party::from_name(&author).unwrap_or(Party::System),
            name,
            text,
            at,
        })
        .collect();
    messages.reverse();
    Ok((messages, more))
}

/// Average seconds from asking to an agent's first reply over the site's recent
/// conversations; `None` without history.
pub async fn average_first_response(db: &Db, site: &str) -> anyhow::Result<Option<f64>> {
    let (average,): (Option<f64>,) = sqlx::query_as(
        "SELECT CAST(AVG(first_response_at - created_at) AS DOUBLE PRECISION) \
         FROM (SELECT first_response_at, created_at \
         FROM conversations WHERE site_id = $1 AND first_response_at > $2 \
         ORDER BY first_response_at DESC LIMIT $3) AS recent",
    )
    .bind(site)
    .bind(crate::db::now() - WAIT_WINDOW)
    .bind(WAIT_HISTORY)
    .fetch_one(db)
    .await?;
    Ok(average)
}

/// Ids of `agent`'s active conversations, oldest first.
pub async fn active_of(db: &Db, site: &str, agent: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM conversations WHERE site_id = $1 AND agent_id = $2 AND state = 'active' \
         ORDER BY created_at",
    )
    .bind(site)
    .bind(agent)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// What the "you left before the answer" email needs of conversation `id`
/// of `site`: the shopper's email (from the context), their locale, the last
/// sequence number they read, and the name of the agent who took it.
pub async fn missed_reply_facts(
    db: &Db,
    site: &str,
    id: &str,
) -> anyhow::Result<Option<(Option<String>, String, i64, Option<String>)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {email}, c.locale, c.shopper_read_seq, a.name \
         FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id \
         WHERE c.id = $1 AND c.site_id = $2",
        email = json_text(db, "c.context", "email")
    ))
    .bind(id)
    .bind(site)
    .fetch_optional(db)
    .await?)
}

/// The agent's lines in conversation `id` after sequence number `seq`, oldest first, at most `limit`.
pub async fn agent_lines_after(
    db: &Db,
    id: &str,
    seq: i64,
    limit: i64,
) -> anyhow::Result<Vec<String>> {
    let lines: Vec<(String,)> = sqlx::query_as(
        "SELECT text FROM messages WHERE conversation_id = $1 AND author = 'agent' AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(id)
    .bind(seq)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(lines.into_iter().map(|(t,)| t).collect())
}

/// The shopper's email in conversation `id` of `site` (from its context)
/// and whether it was proven (`email_verified`: 1); `None` without such a
/// conversation.
pub async fn customer_email(
    db: &Db,
    site: &str,
    id: &str,
) -> anyhow::Result<Option<(Option<String>, Option<i64>)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {email}, {verified} FROM conversations WHERE id = $1 AND site_id = $2",
        email = json_text(db, "context", "email"),
        verified = json_flag(db, "context", "email_verified")
    ))
    .bind(id)
    .bind(site)
    .fetch_optional(db)
    .await?)
}

/// An earlier conversation of a customer: id, created_at, state, agent's
/// name, CSAT, tags (JSON), the shopper's first message (400 characters).
pub type PastConversationRow = (
    String,
    i64,
    String,
    Option<String>,
    Option<i64>,
    String,
    Option<String>,
);

/// `site`'s other conversations (not `except`) whose proven email is
/// `email`, newest first, at most `limit`.
pub async fn past_conversations(
    db: &Db,
    site: &str,
    except: &str,
    email: &str,
    limit: i64,
) -> anyhow::Result<Vec<PastConversationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT c.id, c.created_at, c.state, a.name, c.csat, c.tags, \
         (SELECT substr(text, 1, 400) FROM messages m WHERE m.conversation_id = c.id \
          AND m.author = 'shopper' ORDER BY m.seq LIMIT 1) \
         FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id \
         WHERE c.site_id = $1 AND c.id != $2 AND {email} = $3 AND {verified} = 1 \
         ORDER BY c.created_at DESC LIMIT $4",
        email = json_text(db, "c.context", "email"),
        verified = json_flag(db, "c.context", "email_verified")
    ))
    .bind(site)
    .bind(except)
    .bind(email)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// A conversation's times for the insights: created, first response,
/// accepted, closed, CSAT and the agent's name.
pub type ConversationTimes = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// `site`'s conversations created in [`start`, `end`), oldest first, at most `limit`.
pub async fn conversation_times(
    db: &Db,
    site: &str,
    start: i64,
    end: i64,
    limit: i64,
) -> anyhow::Result<Vec<ConversationTimes>> {
    Ok(sqlx::query_as(
        "SELECT c.created_at, c.first_response_at, c.accepted_at, c.closed_at, c.csat, a.name \
         FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id \
         WHERE c.site_id = $1 AND c.created_at >= $2 AND c.created_at < $3 \
         ORDER BY c.created_at LIMIT $4",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
