//! The numbers agents see: what each campaign did, how self-service flows
//! ended (deflection) and FAQ feedback.

use super::{Agent, store};
use crate::AppState;
use crate::error::AppError;
use aisle_core::agent_api::{AgentStats, SelfServiceCounts};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

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
) -> Result<Json<AgentStats>, AppError> {
    own_site(&agent, &site)?;
    stats(agent, state).await
}

/// `GET /api/agent/stats`: what each campaign did (events by kind, all days
/// summed), how self-service flows ended (deflection), and FAQ feedback.
pub(super) async fn stats(
    agent: Agent,
    State(state): State<AppState>,
) -> Result<Json<AgentStats>, AppError> {
    let mut stats = AgentStats::default();
    for (id, kind, count) in store::campaign_event_totals(&state.db, &agent.site).await? {
        let entry = stats.campaigns.entry(id).or_default();
        match kind.as_str() {
            "shown" => entry.shown = count,
            "clicked" => entry.clicked = count,
            "dismissed" => entry.dismissed = count,
            "conversation_started" => entry.conversation_started = count,
            _ => {}
        }
    }
    let SelfServiceCounts {
        flows,
        started,
        resolved,
        deflection,
    } = &mut stats.self_service;
    for (flow, outcome, count) in store::flow_outcome_totals(&state.db, &agent.site).await? {
        let entry = flows.entry(flow).or_default();
        match outcome.as_str() {
            "started" => {
                entry.started = count;
                *started += count;
            }
            "resolved" => {
                entry.resolved = count;
                *resolved += count;
            }
            "handoff" => entry.handoff = count,
            _ => {}
        }
    }
    // Share of started flows that ended without an agent.
    if *started > 0 {
        *deflection = *resolved as f64 / *started as f64;
    }
    for (id, yes, all) in store::faq_feedback_totals(&state.db, &agent.site).await? {
        let entry = stats.faq.entry(id).or_default();
        entry.helpful = yes;
        entry.not_helpful = all - yes;
    }
    Ok(Json(stats))
}
