//! The numbers agents see: what each campaign did, how self-service flows
//! ended (deflection) and FAQ feedback.

use super::{Agent, store};
use crate::AppState;
use crate::error::AppError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// Routes under `/api/sites/{site}` for agents of that site.
pub fn site_routes() -> Router<AppState> {
    Router::new().route("/sites/{site}/stats", get(site_stats))
}

/// The agent's own site, or 403 for any other.
fn own_site(agent: &Agent, site: &str) -> Result<(), AppError> {
    if agent.site == site {
        Ok(())
    } else {
        Err(AppError::Forbidden("agents see only their own site".into()))
    }
}

/// `GET /api/sites/{site}/stats`: [`stats`] for a named site.
async fn site_stats(
    agent: Agent,
    state: State<AppState>,
    Path(site): Path<String>,
) -> Result<Json<Value>, AppError> {
    own_site(&agent, &site)?;
    stats(agent, state).await
}

/// `GET /api/agent/stats`: what each campaign did (events by kind, all days
/// summed), how self-service flows ended (deflection), and FAQ feedback.
pub(super) async fn stats(
    agent: Agent,
    State(state): State<AppState>,
) -> Result<Json<Value>, AppError> {
    let events = store::campaign_event_totals(&state.db, &agent.site).await?;
    let mut campaigns = serde_json::Map::new();
    for (id, kind, count) in events {
        let entry = campaigns.entry(id).or_insert_with(
            || json!({ "shown": 0, "clicked": 0, "dismissed": 0, "conversation_started": 0 }),
        );
        entry[kind.as_str()] = json!(count);
    }
    let outcomes = store::flow_outcome_totals(&state.db, &agent.site).await?;
    let mut flows = serde_json::Map::new();
    let (mut resolved, mut total) = (0, 0);
    for (flow, outcome, count) in outcomes {
        let entry = flows
            .entry(flow)
            .or_insert_with(|| json!({ "started": 0, "resolved": 0, "handoff": 0 }));
        entry[outcome.as_str()] = json!(count);
        match outcome.as_str() {
            "started" => total += count,
            "resolved" => resolved += count,
            _ => {}
        }
    }
    let feedback = store::faq_feedback_totals(&state.db, &agent.site).await?;
    let faq: serde_json::Map<String, Value> = feedback
        .into_iter()
        .map(|(id, yes, all)| (id, json!({ "helpful": yes, "not_helpful": all - yes })))
        .collect();
    Ok(Json(json!({
        "campaigns": campaigns,
        "self_service": {
            "flows": flows,
            "started": total,
            "resolved": resolved,
            // Share of started flows that ended without an agent.
            "deflection": if total > 0 { resolved as f64 / total as f64 } else { 0.0 },
        },
        "faq": faq,
    })))
}
