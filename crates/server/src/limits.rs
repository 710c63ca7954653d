//! How much one anonymous visitor may make the server store: tickets and
//! return requests, self-service sessions, "Did this help?" answers and
//! campaign events, each counted per client address and site in a sliding
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
}

impl Write {
    /// How many per client address and site in [`WRITE_WINDOW`].
    pub const fn per_hour(self) -> usize {
        match self {
            Write::Ticket => 10,
            Write::Session => 60,
            Write::Feedback => 30,
            Write::CampaignEvent => 300,
        }
    }

    /// Name in limiter keys and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Write::Ticket => "ticket",
            Write::Session => "session",
            Write::Feedback => "feedback",
            Write::CampaignEvent => "campaign-event",
        }
    }
}

/// Counts one `write` by `client` on `site`; `Err(retry_after)` when over the limit.
pub fn allow(state: &AppState, write: Write, site: &str, client: IpAddr) -> Result<(), Duration> {
    let key = format!("{}:{site}:{client}", write.name());
    let result = state.writes.hit(&key, write.per_hour(), Instant::now());
    if result.is_err() {
        tracing::info!(site, %client, write = write.name(), "anonymous write over its limit");
    }
    result
}
