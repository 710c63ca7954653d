//! A customer's history for agents: `GET /api/agent/conversations/{id}/customer`
//! lists the earlier conversations and tickets of the conversation's shopper,
//! found by email — only an email proven in self-service or signed by the
//! store, so a shopper who types someone else's address sees (and shows)
//! nothing of theirs.

use crate::AppState;
use crate::agents::Agent;
use crate::error::AppError;
use aisle_core::insights::{CustomerHistory, PastConversation, PastTicket};
use aisle_core::protocol::preview;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;

/// Earlier conversations and tickets listed, each.
pub const HISTORY_SHOWN: i64 = 20;

/// The routes, under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/conversations/{id}/customer", get(history))
}

async fn history(
    agent: Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CustomerHistory>, AppError> {
    let found: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT json_extract(context, '$.email'), json_extract(context, '$.email_verified') \
         FROM conversations WHERE id = ? AND site_id = ?",
    )
    .bind(&id)
    .bind(&agent.site)
    .fetch_optional(&state.db)
    .await?;
    let Some((email, verified)) = found else {
        return Err(AppError::NotFound(
            aisle_core::api::ErrorCode::NotFound,
            "no such conversation on this site",
        ));
    };
    let Some(email) = email.filter(|_| verified == Some(1)) else {
        return Ok(Json(CustomerHistory::default()));
    };
    type Row = (
        String,
        i64,
        String,
        Option<String>,
        Option<i64>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, c.created_at, c.state, a.name, c.csat, c.tags, \
         (SELECT substr(text, 1, 400) FROM messages m WHERE m.conversation_id = c.id \
          AND m.author = 'shopper' ORDER BY m.seq LIMIT 1) \
         FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id \
         WHERE c.site_id = ? AND c.id != ? AND json_extract(c.context, '$.email') = ? \
         AND json_extract(c.context, '$.email_verified') = 1 \
         ORDER BY c.created_at DESC LIMIT ?",
    )
    .bind(&agent.site)
    .bind(&id)
    .bind(&email)
    .bind(HISTORY_SHOWN)
    .fetch_all(&state.db)
    .await?;
    let conversations = rows
        .into_iter()
        .map(
            |(id, created_at, state, agent, csat, tags, first)| PastConversation {
                id,
                created_at,
                state,
                agent,
                csat,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                first_message: first.as_deref().map(preview),
            },
        )
        .collect();
    let tickets: Vec<(String, i64, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT reference, created_at, status, order_number, substr(body, 1, 400) FROM tickets \
         WHERE site_id = ? AND email = ? ORDER BY created_at DESC LIMIT ?",
    )
    .bind(&agent.site)
    .bind(&email)
    .bind(HISTORY_SHOWN)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(CustomerHistory {
        email: Some(email),
        conversations,
        tickets: tickets
            .into_iter()
            .map(|(reference, created_at, status, order, body)| PastTicket {
                reference,
                created_at,
                status,
                order: order.and_then(|n| u32::try_from(n).ok()),
                preview: preview(&body),
            })
            .collect(),
    }))
}
