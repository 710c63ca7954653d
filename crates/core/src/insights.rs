//! The support team's figures as the agent API sends them
//! (`GET /api/agent/insights`, `GET /api/agent/staffing`) and the console
//! reads them: one definition for both sides.

use serde::{Deserialize, Serialize};

/// Median and 90th percentile of a duration, seconds (nearest rank).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Spread {
    /// How many durations.
    pub count: u64,
    /// Median, when there is any.
    pub median_seconds: Option<i64>,
    /// 90th percentile, when there is any.
    pub p90_seconds: Option<i64>,
}

/// Customer satisfaction ratings (1–5).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Csat {
    /// Ratings given.
    pub count: u64,
    /// Their average, two decimals.
    pub average: Option<f64>,
    /// How many of each score, 1 to 5.
    pub distribution: [u64; 5],
}

/// One day's figures (a day in the agent's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayFigures {
    /// `2026-11-26`.
    pub day: String,
    /// Conversations started.
    pub conversations: u64,
    /// Median first response, seconds.
    pub first_response_median_seconds: Option<i64>,
    /// Median resolution, seconds.
    pub resolution_median_seconds: Option<i64>,
    /// Average rating.
    pub csat_average: Option<f64>,
}

/// How one self-service flow ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowFigures {
    /// `track`, `cancel`, `return`, `report`…
    pub flow: String,
    /// Times started.
    pub started: u64,
    /// Ended without a person.
    pub resolved: u64,
    /// Handed to a person.
    pub handoff: u64,
    /// resolved ÷ started.
    pub deflection: Option<f64>,
}

/// Self-service in the range.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SelfService {
    /// Per flow.
    pub flows: Vec<FlowFigures>,
    /// Flows started.
    pub started: u64,
    /// Flows resolved without a person.
    pub resolved: u64,
    /// resolved ÷ started.
    pub deflection: Option<f64>,
    /// Self-service sessions (a shopper using the widget's menu).
    pub sessions: u64,
}

/// One agent's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentFigures {
    /// Display name.
    pub name: String,
    /// Conversations they took.
    pub conversations: u64,
    /// Their first responses.
    pub first_response: Spread,
    /// Their resolutions.
    pub resolution: Spread,
    /// Their ratings.
    pub csat: Csat,
}

/// `GET /api/agent/insights`: a site's figures over a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    /// The site.
    pub site: String,
    /// First day (inclusive).
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// The IANA zone days and hours are in.
    pub tz: String,
    /// Conversations started.
    pub conversations: u64,
    /// From asking to the agent's first message.
    pub first_response: Spread,
    /// From asking to closing, for answered conversations.
    pub resolution: Spread,
    /// Ratings.
    pub csat: Csat,
    /// Every day of the range.
    pub days: Vec<DayFigures>,
    /// Conversations by weekday (Monday first) × hour (0–23).
    pub heat_map: [[u64; 24]; 7],
    /// Self-service.
    pub self_service: SelfService,
    /// Conversations with a person ÷ self-service sessions.
    pub contact_rate: Option<f64>,
    /// Per agent, by name.
    pub agents: Vec<AgentFigures>,
}

/// `GET /api/agent/staffing`: agents needed per weekday × hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Staffing {
    /// Weeks of history read.
    pub weeks: u32,
    /// Growth applied (×3 for a Black Friday week).
    pub growth: f64,
    /// Answer within this many seconds…
    pub target_seconds: f64,
    /// …this share of chats (0–1).
    pub level: f64,
    /// Handle time used, seconds.
    pub handle_seconds: f64,
    /// The median handle time measured, when any chat was closed.
    pub measured_handle_seconds: Option<i64>,
    /// Conversations in the history read.
    pub conversations: u64,
    /// The IANA zone of the hours.
    pub tz: String,
    /// Expected chats per hour, weekday (Monday first) × hour.
    pub arrivals_per_hour: [[f64; 24]; 7],
    /// Agents needed, weekday × hour.
    pub agents: [[u32; 24]; 7],
    /// The busiest hour's agents.
    pub peak_agents: u32,
}

/// An earlier conversation of the same customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastConversation {
    /// Conversation id.
    pub id: String,
    /// When the shopper asked, Unix seconds.
    pub created_at: i64,
    /// `waiting`, `active` or `closed`.
    pub state: String,
    /// The agent who took it.
    pub agent: Option<String>,
    /// The shopper's rating, 1–5.
    pub csat: Option<i64>,
    /// The agent's tags.
    pub tags: Vec<String>,
    /// The shopper's first message, on one line (at most 80 characters).
    pub first_message: Option<String>,
}

/// An earlier ticket of the same customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastTicket {
    /// `T-…`.
    pub reference: String,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// `open`, `pending`, `solved`, `done`…
    pub status: String,
    /// The order it was about.
    pub order: Option<u32>,
    /// What the shopper wrote, on one line (at most 80 characters).
    pub preview: String,
}

/// `GET /api/agent/conversations/{id}/customer`: the customer's earlier
/// conversations and tickets, found by the conversation's email only when
/// that email is proven (an order, or the store's signature) — never by an
/// email the shopper merely typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// The proven email, if the conversation has one.
    pub email: Option<String>,
    /// Newest first, at most 20, this conversation left out.
    pub conversations: Vec<PastConversation>,
    /// Newest first, at most 20.
    pub tickets: Vec<PastTicket>,
}
