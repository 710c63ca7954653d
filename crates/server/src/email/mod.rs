//! Email to shoppers: the site file's `email` block, a durable outbox and the
//! worker that sends it over SMTP (lettre, rustls; no OpenSSL).
//!
//! Nothing is sent while a request waits: a flow that creates a ticket or a
//! return request composes the message ([`compose`]) and stores it in the
//! `email_outbox` table ([`queue`]); the worker ([`run_worker`], spawned by
//! [`crate::run`]) sends what is due, retries with exponential backoff when
//! the mail server is down or answers 4xx, and marks the row failed on a
//! permanent (5xx) answer or after [`RETRY_FOR`]. Agents see each ticket's
//! email state in `GET /api/agent/tickets` (`email_status`).
//!
//! Sites without an `email` block send nothing. The SMTP password is read
//! from the environment variable the block names, when the message is sent.

pub mod compose;
pub mod replies;
pub mod store;

use crate::db::Db;
use crate::db::now;
use crate::sites::SiteRegistry;
pub use crate::sites::email_settings::{EmailConfig, SmtpConfig, SmtpTls, is_loopback};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// What a message is about (`email_outbox.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// "We received your request T-…".
    TicketReceived,
    /// "We received your return request R-…".
    ReturnReceived,
    /// An agent's answer to a ticket.
    AgentReply,
    /// The agent answered in a live chat after the shopper had left.
    MissedReply,
    /// An invitation to join the site's team (to an agent, not a shopper).
    AgentInvite,
    /// A link to set a new password (to an agent).
    PasswordReset,
    /// A copy of a live chat the shopper asked for.
    Transcript,
}

impl Kind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TicketReceived => "ticket_received",
            Kind::ReturnReceived => "return_received",
            Kind::AgentReply => "agent_reply",
            Kind::MissedReply => "missed_reply",
            Kind::AgentInvite => "agent_invite",
            Kind::PasswordReset => "password_reset",
            Kind::Transcript => "transcript",
        }
    }
}

/// Automatic emails to one address from one site in a day at most: a form
/// that takes any address must not become a way to flood someone's inbox.
pub const MAX_PER_RECIPIENT_PER_DAY: i64 = 10;
/// Unsent messages one site may have waiting; past it new ones are refused
/// (and shown failed on their ticket) until the mail server catches up.
pub const MAX_QUEUED_PER_SITE: i64 = 5_000;
/// Largest message stored and sent, bytes (the shopper's text in it is
/// already cut to [`compose::MAX_QUOTED_CHARS`]).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// How long a message is retried before it is marked failed.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 3600);
/// Longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Messages sent per pass of the worker.
const BATCH: i64 = 20;
/// Time allowed for each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Wakes the worker when a message is queued (so it goes out at once).
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    /// Tells the worker there is something to send.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// A composed message ready to be queued.
#[derive(Debug, Clone)]
pub struct Composed {
    /// `Message-ID` (with angle brackets).
    pub message_id: String,
    /// The envelope sender (the `from` address).
    pub sender: String,
    /// The recipient address.
    pub recipient: String,
    /// The whole message (RFC 5322, CRLF line ends).
    pub bytes: Vec<u8>,
    /// The recipient's language (BCP 47 tag).
    pub lang: &'static str,
}

/// Stores `message` about `reference` in the outbox and wakes the worker.
/// Over a bound (per recipient and day, per site) the row is stored as failed
/// with the reason, so the ticket shows why no email went out.
pub async fn queue(
    db: &Db,
    outbox: &Outbox,
    site: &str,
    kind: Kind,
    reference: &str,
    message: &Composed,
) -> anyhow::Result<()> {
    let now = now();
    let (to_recipient, waiting) =
        store::outbox_load(db, site, &message.recipient, now - 86_400).await?;
    let automatic = kind != Kind::AgentReply;
    let refused = if automatic && to_recipient >= MAX_PER_RECIPIENT_PER_DAY {
        Some(format!(
            "not sent: {MAX_PER_RECIPIENT_PER_DAY} automatic emails to this address in 24 hours already"
        ))
    } else if waiting >= MAX_QUEUED_PER_SITE {
        Some(format!(
            "not sent: {MAX_QUEUED_PER_SITE} emails are already waiting for the mail server"
        ))
    } else if message.bytes.len() > MAX_MESSAGE_BYTES {
        Some(format!("not sent: larger than {MAX_MESSAGE_BYTES} bytes"))
    } else {
        None
    };
    if let Some(why) = &refused {
        tracing::warn!(site, reference, why, "automatic email refused");
        return record_failed(db, site, kind, reference, message, why).await;
    }
    store::enqueue(db, site, &row(kind, reference, message), now).await?;
    outbox.wake();
    Ok(())
}

/// Queues "we received your request" for a ticket a shopper created, if
/// the site sends email. Never fails the shopper's request: a message that
/// cannot be composed is recorded failed (and shown on the ticket).
pub async fn ticket_received(
    state: &crate::AppState,
    site: &crate::sites::Site,
    lang: aisle_core::locale::Locale,
    reference: &str,
    recipient: &str,
    said: Option<&str>,
) {
    let Some(config) = &site.config.email else {
        return;
    };
    if recipient.trim().is_empty() {
        return;
    }
    let composed = compose::ticket_received(site, config, lang, reference, recipient, said);
    finish(
        state,
        &site.id,
        Kind::TicketReceived,
        reference,
        recipient,
        composed,
    )
    .await;
}

/// Queues "we received your return request" (see [`ticket_received`]).
pub async fn return_received(
    state: &crate::AppState,
    site: &crate::sites::Site,
    lang: aisle_core::locale::Locale,
    reference: &str,
    recipient: &str,
    request: compose::ReturnRequest<'_>,
) {
    let Some(config) = &site.config.email else {
        return;
    };
    if recipient.trim().is_empty() {
        return;
    }
    let composed = compose::return_received(site, config, lang, reference, recipient, request);
    finish(
        state,
        &site.id,
        Kind::ReturnReceived,
        reference,
        recipient,
        composed,
    )
    .await;
}

/// Queues "you left before {agent} answered: here is the reply" for live chat
/// `conversation` (its id is the outbox reference: one such email per chat).
#[allow(clippy::too_many_arguments)]
pub async fn missed_reply(
    state: &crate::AppState,
    site: &crate::sites::Site,
    lang: aisle_core::locale::Locale,
    conversation: &str,
    recipient: &str,
    agent: &str,
    lines: &[String],
) {
    let Some(config) = &site.config.email else {
        return;
    };
    if recipient.trim().is_empty() || lines.is_empty() {
        return;
    }
    let composed = compose::missed_reply(site, config, lang, conversation, recipient, agent, lines);
    finish(
        state,
        &site.id,
        Kind::MissedReply,
        conversation,
        recipient,
        composed,
    )
    .await;
}

/// Queues the copy of conversation `conversation` its shopper asked for (a
/// site without an `email` block sends nothing: the caller checks first).
pub async fn transcript(
    state: &crate::AppState,
    site: &crate::sites::Site,
    lang: aisle_core::locale::Locale,
    conversation: &str,
    recipient: &str,
    lines: &[compose::TranscriptLine],
    older: bool,
) {
    let Some(config) = &site.config.email else {
        return;
    };
    let composed = compose::transcript(site, config, lang, conversation, recipient, lines, older);
    finish(
        state,
        &site.id,
        Kind::Transcript,
        conversation,
        recipient,
        composed,
    )
    .await;
}

/// Queues a composed message, or records why it could not be composed.
async fn finish(
    state: &crate::AppState,
    site: &str,
    kind: Kind,
    reference: &str,
    recipient: &str,
    composed: anyhow::Result<Composed>,
) {
    let result = match composed {
        Ok(message) => queue(&state.db, &state.outbox, site, kind, reference, &message).await,
        Err(e) => {
            tracing::warn!(site, reference, error = %e, "automatic email not composed");
            let failed = Composed {
                message_id: String::new(),
                sender: String::new(),
                recipient: recipient.chars().take(320).collect(),
                bytes: Vec::new(),
                lang: "en",
            };
            record_failed(
                &state.db,
                site,
                kind,
                reference,
                &failed,
                &format!("not sent: {e}"),
            )
            .await
        }
    };
    if let Err(e) = result {
        tracing::error!(site, reference, error = %e, "queueing an automatic email failed");
    }
}

/// `message` about `reference` as the outbox stores it.
fn row<'a>(kind: Kind, reference: &'a str, message: &'a Composed) -> store::OutboxRow<'a> {
    store::OutboxRow {
        kind: kind.name(),
        reference,
        sender: &message.sender,
        recipient: &message.recipient,
        message_id: &message.message_id,
        bytes: &message.bytes,
        lang: message.lang,
    }
}

/// Stores `message` as failed for `why` (it is never sent).
async fn record_failed(
    db: &Db,
    site: &str,
    kind: Kind,
    reference: &str,
    message: &Composed,
    why: &str,
) -> anyhow::Result<()> {
    store::record_failed(db, site, &row(kind, reference, message), &cut(why), now()).await?;
    Ok(())
}

/// The email state of each of `references` on `site`, for the agents' lists:
/// reference → its [`EmailStatus`](aisle_core::agent_api::EmailStatus)
/// (`state` `queued`, `sent` or `failed`; the latest message about it).
pub async fn status_of(
    db: &Db,
    site: &str,
    references: &[&str],
) -> anyhow::Result<std::collections::HashMap<String, aisle_core::agent_api::EmailStatus>> {
    let mut out = std::collections::HashMap::new();
    for (reference, kind, state, attempts, error, at) in
        store::statuses(db, site, references).await?
    {
        let status = aisle_core::agent_api::EmailStatus {
            kind,
            state,
            attempts,
            error,
            updated_at: Some(at),
        };
        out.insert(reference, status);
    }
    Ok(out)
}

/// How one attempt ended.
#[derive(Debug)]
enum Attempt {
    Sent,
    /// Worth trying again later (server down, 4xx, TLS or config to fix).
    Retry(String),
    /// The server refused for good (5xx).
    Failed(String),
}

/// Sends due messages until `stop` is cancelled: at once when woken by
/// [`queue`], otherwise when the earliest retry is due.
pub async fn run_worker(db: Db, sites: SiteRegistry, outbox: Outbox, stop: CancellationToken) {
    loop {
        let due = store::next_due(&db).await;
        let wait = match due {
            Ok(Some(at)) => Duration::from_secs(u64::try_from(at - now()).unwrap_or(0).min(60)),
            Ok(None) => Duration::from_secs(60),
            Err(e) => {
                tracing::warn!(error = %e, "reading the email outbox failed");
                Duration::from_secs(5)
            }
        };
        if !wait.is_zero() {
            tokio::select! {
                () = stop.cancelled() => break,
                () = outbox.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        if stop.is_cancelled() {
            break;
        }
        tokio::select! {
            () = stop.cancelled() => break,
            result = send_due(&db, &sites) => {
                if let Err(e) = result {
                    tracing::warn!(error = %e, "sending email failed");
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }
}

/// Sends the messages due now, a batch at a time.
async fn send_due(db: &Db, sites: &SiteRegistry) -> anyhow::Result<()> {
    let rows = store::due(db, now(), BATCH).await?;
    for (id, site, sender, recipient, bytes, attempts, created_at) in rows {
        let config = sites.get(&site).and_then(|s| s.config.email.clone());
        let attempt = match config {
            Some(config) => send(&config, &sender, &recipient, &bytes).await,
            None => Attempt::Retry("the site has no email settings (\"email\" block)".into()),
        };
        let now = now();
        let attempts = attempts + 1;
        match attempt {
            Attempt::Sent => {
                tracing::info!(site, id, attempts, "email sent");
                store::mark_sent(db, id, attempts, now).await?;
            }
            Attempt::Retry(why)
                if now - created_at < i64::try_from(RETRY_FOR.as_secs()).unwrap_or(i64::MAX) =>
            {
                let backoff = backoff(attempts);
                tracing::warn!(site, id, attempts, error = why, retry_in = ?backoff, "email not sent; will retry");
                let retry_at = now + i64::try_from(backoff.as_secs()).unwrap_or(600);
                store::mark_retry(db, id, attempts, &cut(&why), retry_at, now).await?;
            }
            Attempt::Retry(why) | Attempt::Failed(why) => {
                tracing::warn!(site, id, attempts, error = why, "email failed for good");
                store::mark_failed(db, id, attempts, &cut(&why), now).await?;
            }
        }
    }
    Ok(())
}

/// How long a sent or failed message keeps its bytes (its row, and so the
/// ticket's email state, stays).
pub const KEEP_BYTES: i64 = 30 * 86_400;

/// Empties the stored bytes of messages sent or failed over [`KEEP_BYTES`]
/// ago; returns how many.
pub async fn purge(db: &Db, now: i64) -> anyhow::Result<u64> {
    Ok(store::drop_old_bytes(db, now - KEEP_BYTES).await?)
}

/// Wait before attempt `attempts + 1`: 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`].
pub fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    Duration::from_secs(2u64.pow(exponent)).min(MAX_BACKOFF)
}

/// An error as stored: one line, at most 500 characters.
fn cut(why: &str) -> String {
    why.replace(['\r', '\n'], " ").chars().take(500).collect()
}

/// One SMTP delivery of `bytes` from `sender` to `recipient`.
async fn send(config: &EmailConfig, sender: &str, recipient: &str, bytes: &[u8]) -> Attempt {
    let smtp = &config.smtp;
    let builder = match smtp.tls {
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
        SmtpTls::None if is_loopback(&smtp.host) => Ok(
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        ),
        SmtpTls::None => {
            return Attempt::Retry("tls \"none\" is allowed only for a loopback host".into());
        }
    };
    let mut builder = match builder {
        Ok(b) => b.port(smtp.port).timeout(Some(SMTP_TIMEOUT)),
        Err(e) => return Attempt::Retry(format!("TLS setup for {}: {e}", smtp.host)),
    };
    if let (Some(user), Some(env)) = (&smtp.username, &smtp.password_env) {
        let Some(password) = crate::stores::env_value(env) else {
            return Attempt::Retry(format!(
                "the SMTP password variable {env} is not set where aisle runs"
            ));
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    let envelope = match (sender.parse(), recipient.parse()) {
        (Ok(from), Ok(to)) => match Envelope::new(Some(from), vec![to]) {
            Ok(e) => e,
            Err(e) => return Attempt::Failed(format!("bad envelope: {e}")),
        },
        _ => return Attempt::Failed(format!("bad address: {sender} → {recipient}")),
    };
    match transport.send_raw(&envelope, bytes).await {
        Ok(_) => Attempt::Sent,
        Err(e) if e.is_permanent() => Attempt::Failed(format!("the mail server refused: {e}")),
        Err(e) => Attempt::Retry(format!("{}:{}: {e}", smtp.host, smtp.port)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, tls: SmtpTls) -> EmailConfig {
        EmailConfig {
            from: "Northwind Outfitters <help@northwind.example>".into(),
            reply_to: None,
            inbound_secret_env: None,
            smtp: SmtpConfig {
                host: host.into(),
                port: 587,
                tls,
                username: None,
                password_env: None,
            },
        }
    }

    #[test]
    fn plain_text_smtp_only_to_this_machine() {
        assert!(config("127.0.0.1", SmtpTls::None).problems().is_empty());
        assert!(config("localhost", SmtpTls::None).problems().is_empty());
        assert!(config("::1", SmtpTls::None).problems().is_empty());
        let p = config("smtp.example", SmtpTls::None).problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, ["smtp", "tls"]);
        assert!(
            config("smtp.example", SmtpTls::Starttls)
                .problems()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn old_sent_messages_lose_their_bytes_but_queued_ones_never_do() {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        for (reference, status) in [("T-1", "sent"), ("T-2", "queued"), ("T-3", "failed")] {
            sqlx::query(
                "INSERT INTO email_outbox (site_id, reference, kind, sender, recipient, message_id,
                     message, status, next_attempt_at, created_at, updated_at)
                 VALUES ('demo', $1, 'ticket_received', 'a@b.example', 'c@d.example', '<x>',
                     x'414243', $2, 0, 0, 0)",
            )
            .bind(reference)
            .bind(status)
            .execute(&db)
            .await
            .unwrap();
        }
        assert_eq!(
            purge(&db, KEEP_BYTES - 1).await.unwrap(),
            0,
            "not old enough"
        );
        assert_eq!(purge(&db, KEEP_BYTES + 1).await.unwrap(), 2);
        let kept: Vec<(String, i64)> = sqlx::query_as(
            "SELECT reference, length(message) FROM email_outbox ORDER BY reference",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert_eq!(
            kept,
            [("T-1".into(), 0), ("T-2".into(), 3), ("T-3".into(), 0)]
        );
    }

    #[tokio::test]
    async fn a_site_with_too_much_unsent_mail_records_new_messages_as_failed() {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO email_outbox (site_id, reference, kind, sender, recipient, message_id,
                 message, status, next_attempt_at, created_at, updated_at)
             SELECT 'demo', 'T-' || i, 'ticket_received', 'a@b.example', 'c' || i || '@d.example',
                 '<' || i || '>', x'41', 'queued', 0, 0, 0 FROM n",
        )
        .bind(MAX_QUEUED_PER_SITE)
        .execute(&db)
        .await
        .unwrap();
        let message = Composed {
            message_id: "<new@b.example>".into(),
            sender: "a@b.example".into(),
            recipient: "new@d.example".into(),
            bytes: b"Subject: x\r\n\r\nx".to_vec(),
            lang: "en",
        };
        let outbox = Outbox::default();
        queue(
            &db,
            &outbox,
            "demo",
            Kind::TicketReceived,
            "T-new",
            &message,
        )
        .await
        .unwrap();
        let (status, error): (String, String) =
            sqlx::query_as("SELECT status, last_error FROM email_outbox WHERE reference = 'T-new'")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(status, "failed");
        assert!(error.contains("already waiting"), "{error}");
        // Another site is not held back by this one's queue.
        queue(
            &db,
            &outbox,
            "other",
            Kind::TicketReceived,
            "T-new",
            &message,
        )
        .await
        .unwrap();
        let status: String = sqlx::query_scalar(
            "SELECT status FROM email_outbox WHERE site_id = 'other' AND reference = 'T-new'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(status, "queued");
    }

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
