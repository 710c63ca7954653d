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
    let found = crate::chat::store::customer_email(&state.db, &agent.site, &id).await?;
    let Some((email, verified)) = found else {
        return Err(AppError::NotFound(
            aisle_core::api::ErrorCode::NotFound,
            "no such conversation on this site",
        ));
    };
    let Some(email) = email.filter(|_| verified == Some(1)) else {
        return Ok(Json(CustomerHistory::default()));
    };
    let rows =
        crate::chat::store::past_conversations(&state.db, &agent.site, &id, &email, HISTORY_SHOWN)
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
    let tickets = crate::records::tickets_of(&state.db, &agent.site, &email, HISTORY_SHOWN).await?;
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
