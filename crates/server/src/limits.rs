//! How much one anonymous visitor may make the server store: tickets and
//! return requests, self-service sessions, "Did this help?" answers and
//! campaign events and reported purchases, each counted per client address and site in a sliding
//! hour ([`WRITE_WINDOW`]). Over the limit, a shopper is told to try again
//! later (what they typed stays in the form); counters are simply not bumped.

use crate::AppState;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Window of every anonymous-write limit.
pub const WRITE_WINDOW: Duration = Duration::from_secs(3600);

/// Something an anonymous visitor can make the server store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// A ticket (reported issue, message to the team) or a return request.
    Ticket,
    /// A new self-service session.
    Session,
    /// A "Did this help?" answer.
    Feedback,
    /// A campaign event (shown, clicked, dismissed, conversation started).
    CampaignEvent,
    /// A purchase reported by a store's thank-you page (`Aisle('purchase')`).
    Purchase,
    /// A discount code handed out (`POST …/campaigns/code`).
    CampaignCode,
}

impl Write {
    /// Name in limiter keys and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Write::Ticket => "ticket",
            Write::Session => "session",
            Write::Feedback => "feedback",
            Write::CampaignEvent => "campaign-event",
            Write::Purchase => "purchase",
            Write::CampaignCode => "campaign-code",
        }
    }
}

/// How many of each [`Write`] one client address may make per site in
/// [`WRITE_WINDOW`] (flags `--tickets-per-hour` and so on of `aisle serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimits {
    /// Tickets and return requests.
    pub tickets: usize,
    /// New self-service sessions.
    pub sessions: usize,
    /// "Did this help?" answers.
    pub feedback: usize,
    /// Campaign events.
    pub campaign_events: usize,
    /// Purchases reported for campaign attribution.
    pub purchases: usize,
    /// Discount codes handed out (a visitor's own code asked for again is
    /// not counted).
    pub campaign_codes: usize,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            tickets: 20,
            sessions: 600,
            feedback: 60,
            campaign_events: 600,
            purchases: 60,
            campaign_codes: 60,
        }
    }
}

impl WriteLimits {
    /// The limit on `write`.
    pub const fn per_hour(&self, write: Write) -> usize {
        match write {
            Write::Ticket => self.tickets,
            Write::Session => self.sessions,
            Write::Feedback => self.feedback,
            Write::CampaignEvent => self.campaign_events,
            Write::Purchase => self.purchases,
            Write::CampaignCode => self.campaign_codes,
        }
    }
}

/// Counts one `write` by `client` on `site`; `Err(retry_after)` when over the limit.
pub fn allow(state: &AppState, write: Write, site: &str, client: IpAddr) -> Result<(), Duration> {
    let key = format!("{}:{site}:{client}", write.name());
    let max = state.network.writes.per_hour(write);
    let result = state.writes.hit(&key, max, Instant::now());
    if result.is_err() {
        tracing::info!(site, %client, write = write.name(), "anonymous write over its limit");
    }
    result
}
