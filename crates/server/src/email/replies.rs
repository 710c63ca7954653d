//! Replies to tickets by email. Agents answer a ticket from the console
//! (`POST /api/agent/tickets/{reference}/reply`): the answer is sent through
//! the outbox in the shopper's language, as a reply (`In-Reply-To`,
//! `References`) to the "ticket received" email, and the ticket becomes
//! `pending` (waiting on the shopper). The shopper's answer comes back
//! through `POST /hooks/email/{site}`, the parsed-email JSON that inbound
//! mail services post (`from`, `subject`, `text`, `message_id`,
//! `in_reply_to`, `references`), signed like store webhooks: the base64
//! HMAC-SHA256 of the body under the secret in the environment variable
//! `email.inbound_secret_env` names, in `X-Aisle-Signature`. It is threaded
//! into its ticket by Message-ID and the ticket is `open` again.
//!
//! Ticket states: `open`, `pending`, `solved` (and `done`, from "Mark
//! done"), with an assignee (the first agent who replies).

use super::{Kind, compose, store};
use crate::AppState;
use crate::agents::Agent;
use crate::db::Db;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use aisle_core::agent_api::{
    EmailStatus, ReplyRequest, ReplySent, TicketMessage, TicketStateRequest, TicketThread,
};
use aisle_core::api::ErrorCode;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use lettre::message::Mailbox;
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest reply an agent may send, in characters.
pub const MAX_REPLY_CHARS: usize = 10_000;
/// Longest shopper's answer kept, in characters (the rest is cut).
pub const MAX_INBOUND_CHARS: usize = 20_000;
/// Messages (both ways) one ticket may hold.
pub const MAX_MESSAGES_PER_TICKET: i64 = 200;
/// Largest inbound webhook body.
const MAX_INBOUND_BYTES: usize = 1024 * 1024;
/// Message-IDs of a thread named in `References`, at most.
const MAX_REFERENCES: usize = 20;
/// The ticket states agents set.
pub const STATES: [&str; 3] = ["open", "pending", "solved"];

/// Routes under `/api/agent`.
pub fn agent_routes() -> Router<AppState> {
    Router::new()
        .route("/tickets/{reference}/messages", get(messages))
        .route(
            "/tickets/{reference}/reply",
            // 10,000 characters of Thai or Chinese are ~30 KB of JSON: more
            // than the API's usual body limit.
            post(reply).layer(DefaultBodyLimit::max(MAX_REPLY_CHARS * 4 + 4096)),
        )
        .route("/tickets/{reference}/state", post(set_state))
}

/// `POST /hooks/email/{site}`.
pub fn hook_routes() -> Router<AppState> {
    Router::new()
        .route("/hooks/email/{site}", post(inbound))
        .layer(DefaultBodyLimit::max(MAX_INBOUND_BYTES))
}

fn no_ticket() -> AppError {
    AppError::NotFound(ErrorCode::NotFound, "no such ticket on this site")
}

/// The ticket's email thread: Message-IDs oldest first (ours and the
/// shopper's), and the shopper's language.
async fn thread_of(
    db: &Db,
    site: &str,
    reference: &str,
) -> sqlx::Result<(compose::Thread, String)> {
    let ids = store::thread_message_ids(db, site, reference).await?;
    let lang = store::ticket_language(db, site, reference).await?;
    let skip = ids.len().saturating_sub(MAX_REFERENCES);
    Ok((
        compose::Thread {
            in_reply_to: ids.last().cloned(),
            references: ids[skip..].to_vec(),
        },
        lang.unwrap_or_else(|| "en".into()),
    ))
}

/// `POST /api/agent/tickets/{reference}/reply`: emails the agent's answer
/// to the shopper; 201 with its Message-ID, the ticket now `pending`.
async fn reply(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiJson(request): ApiJson<ReplyRequest>,
) -> Result<(StatusCode, Json<ReplySent>), AppError> {
    let body = request.body.trim();
    if body.is_empty() {
        return Err(AppError::invalid(ErrorCode::BadRequest, "write a reply"));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            format!("a reply is at most {MAX_REPLY_CHARS} characters"),
        ));
    }
    let Some(recipient) = store::ticket_email(&state.db, &agent.site, &reference).await? else {
        return Err(no_ticket());
    };
    let site = state.sites.get(&agent.site).ok_or_else(no_ticket)?;
    let Some(config) = &site.config.email else {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            "this site sends no email: add an \"email\" block to its site file",
        ));
    };
    if store::message_count(&state.db, &agent.site, &reference).await? >= MAX_MESSAGES_PER_TICKET {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            format!("this ticket has {MAX_MESSAGES_PER_TICKET} messages already"),
        ));
    }
    let (thread, lang) = thread_of(&state.db, &agent.site, &reference).await?;
    let lang = aisle_core::locale::Locale::of(&lang);
    let composed = compose::agent_reply(
        &site,
        config,
        lang,
        &reference,
        &recipient,
        (&agent.name, body),
        &thread,
    )
    .map_err(|e| {
        AppError::invalid(
            ErrorCode::BadRequest,
            format!("cannot email {recipient}: {e}"),
        )
    })?;
    store::add_agent_reply(
        &state.db,
        &agent.site,
        &reference,
        agent.id,
        body,
        &composed.message_id,
        now(),
    )
    .await?;
    super::queue(
        &state.db,
        &state.outbox,
        &agent.site,
        Kind::AgentReply,
        &reference,
        &composed,
    )
    .await?;
    store::set_ticket_state(&state.db, &agent.site, &reference, "pending", agent.id).await?;
    tracing::info!(agent = agent.id, reference, "ticket answered by email");
    Ok((
        StatusCode::CREATED,
        Json(ReplySent {
            message_id: composed.message_id,
            status: "pending".into(),
        }),
    ))
}

/// `GET /api/agent/tickets/{reference}/messages`: the ticket's state,
/// assignee and email thread, oldest first; agents' replies carry their
/// email's state (`email_status` as on the tickets list).
async fn messages(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<Json<TicketThread>, AppError> {
    let ticket = store::ticket_state(&state.db, &agent.site, &reference).await?;
    let Some((status, assignee)) = ticket else {
        return Err(no_ticket());
    };
    let rows = store::thread_messages(&state.db, &agent.site, &reference).await?;
    let messages = rows
        .into_iter()
        .map(
            |(direction, name, body, at, state, attempts, error)| TicketMessage {
                direction,
                agent: name,
                body,
                created_at: at,
                email_status: state.map(|state| EmailStatus {
                    kind: "agent_reply".into(),
                    state,
                    attempts: attempts.unwrap_or_default(),
                    error,
                    updated_at: None,
                }),
            },
        )
        .collect();
    Ok(Json(TicketThread {
        reference,
        status,
        assignee,
        messages,
    }))
}

/// `POST /api/agent/tickets/{reference}/state`: sets the ticket's state.
async fn set_state(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiJson(request): ApiJson<TicketStateRequest>,
) -> Result<StatusCode, AppError> {
    if !STATES.contains(&request.state.as_str()) {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            format!("a ticket is {}", STATES.join(", ")),
        ));
    }
    if !store::set_ticket_state(&state.db, &agent.site, &reference, &request.state, agent.id)
        .await?
    {
        return Err(no_ticket());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The parsed email an inbound mail service posts.
#[derive(Debug, Deserialize)]
struct InboundEmail {
    /// `"Camille <camille@example.com>"` or a bare address.
    from: String,
    #[serde(default)]
    subject: Option<String>,
    /// The plain-text body.
    #[serde(default)]
    text: Option<String>,
    /// This email's Message-ID.
    #[serde(default)]
    message_id: Option<String>,
    /// The Message-ID it answers.
    #[serde(default)]
    in_reply_to: Option<String>,
    /// Message-IDs of the thread, space-separated.
    #[serde(default)]
    references: Option<String>,
}

fn answer(status: StatusCode, body: Value) -> (StatusCode, Json<Value>) {
    (status, Json(body))
}

/// `POST /hooks/email/{site}`: a shopper's answer to a ticket email.
/// 200 `{"ticket": "T-…"}` (also for a replay, added once); 401 unsigned or
/// wrongly signed; 400 not a parsed email; 404 no ticket in its thread; 403
/// from another address than the ticket's.
async fn inbound(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let secret = state
        .sites
        .get(&site)
        .and_then(|s| s.config.email.clone())
        .and_then(|e| e.inbound_secret_env)
        .and_then(|env| crate::stores::env_value(&env));
    let signature = headers
        .get("x-aisle-signature")
        .and_then(|v| v.to_str().ok());
    let (Some(secret), Some(signature)) = (secret, signature) else {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "unsigned, or this site takes no inbound email"}),
        );
    };
    if !crate::hooks::signed(&secret, &body, signature) {
        return answer(StatusCode::UNAUTHORIZED, json!({"error": "bad signature"}));
    }
    let email: InboundEmail = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return answer(StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
    };
    match thread_inbound(&state.db, &site, &email).await {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(site, error = %e, "storing an inbound email failed");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "try again"}),
            )
        }
    }
}

/// Adds `email` to the ticket its thread names.
async fn thread_inbound(
    db: &Db,
    site: &str,
    email: &InboundEmail,
) -> anyhow::Result<(StatusCode, Json<Value>)> {
    let ids: Vec<&str> = email
        .in_reply_to
        .iter()
        .chain(email.references.iter())
        .flat_map(|s| s.split_whitespace())
        .take(MAX_REFERENCES * 2)
        .collect();
    let mut reference: Option<String> = None;
    // The newest Message-ID first: the email it answers directly.
    for id in ids.iter().rev() {
        reference = store::ticket_of_message(db, site, id).await?;
        if reference.is_some() {
            break;
        }
    }
    let Some(reference) = reference else {
        tracing::info!(site, subject = ?email.subject, "inbound email in no ticket's thread");
        return Ok(answer(
            StatusCode::NOT_FOUND,
            json!({"error": "no ticket in this email's thread"}),
        ));
    };
    let Some(ticket_email) = store::ticket_email(db, site, &reference).await? else {
        return Ok(answer(
            StatusCode::NOT_FOUND,
            json!({"error": "no such ticket"}),
        ));
    };
    let sender = email
        .from
        .parse::<Mailbox>()
        .map(|m| m.email.to_string().to_ascii_lowercase())
        .unwrap_or_default();
    if sender != ticket_email.to_ascii_lowercase() {
        tracing::warn!(
            site,
            reference,
            "inbound email from another address than the ticket's"
        );
        return Ok(answer(
            StatusCode::FORBIDDEN,
            json!({"error": "the sender is not the ticket's shopper"}),
        ));
    }
    let text: String = email
        .text
        .as_deref()
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(MAX_INBOUND_CHARS)
        .collect();
    if text.is_empty() {
        return Ok(answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "the email has no text"}),
        ));
    }
    if store::message_count(db, site, &reference).await? >= MAX_MESSAGES_PER_TICKET {
        return Ok(answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "this ticket holds the most messages it can"}),
        ));
    }
    let message_id = email
        .message_id
        .as_deref()
        .map(|id| id.trim().chars().take(500).collect::<String>())
        .filter(|id| !id.is_empty());
    store::add_shopper_reply(db, site, &reference, &text, message_id.as_deref(), now()).await?;
    tracing::info!(site, reference, "the shopper answered a ticket by email");
    Ok(answer(StatusCode::OK, json!({"ticket": reference})))
}
