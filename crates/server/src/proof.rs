//! Proving an order: its number and the email it was placed with, under the
//! one set of failure limits, whoever asks — self-service's lookup step
//! (`identify:{flow}`) and `POST /api/sites/{site}/orders/lookup` both call
//! [`prove`].
//!
//! A failure slot is reserved before the store is asked, so N parallel wrong
//! guesses get at most the limit's answers; it is given back when the order
//! is proven, or when the store (not the shopper) failed.

use crate::AppState;
use crate::ratelimit::Rule;
use crate::sites::Site;
use crate::stores::{OrderSource, StoreError, StoreOrder};
use aisle_core::order::OrderNumber;
use std::net::IpAddr;
use std::time::Duration;

/// How an attempt to prove an order ended.
#[derive(Debug)]
pub enum Proof {
    /// The number and email match: the order.
    Proven(Box<StoreOrder>),
    /// No order with that number and email (an unknown order and a wrong
    /// email alike); counted against the limits.
    NotFound,
    /// Over a limit: try again after this long. The store was not asked.
    Limited(Duration),
    /// The store could not answer; not counted against the shopper.
    Unreachable(StoreError),
}

/// The limits on proving an order: failures per client address, and distinct
/// failing addresses per order. So neither one client guessing many orders nor
/// many clients guessing one order's email gets far, while one stranger's
/// misses never lock the owner out of their order.
pub fn lookup_rules(site: &str, client: IpAddr, number: OrderNumber) -> [Rule; 2] {
    [
        Rule::new(format!("ip:{client}"), crate::LOOKUP_FAILURES),
        Rule::per_client(
            format!("order:{site}:{}", number.0),
            crate::ORDER_FAILURE_CLIENTS,
        ),
    ]
}

/// Proves order `number` of `site` with `email` (normalized) for `client`,
/// through the site's order source and the shared lookup limiter.
pub async fn prove(
    state: &AppState,
    site: &Site,
    client: IpAddr,
    number: OrderNumber,
    email: &str,
) -> Proof {
    let attempt = match state
        .lookup_failures
        .attempt_shared(
            state.shared_limits(),
            &client.to_string(),
            &lookup_rules(&site.id, client, number),
        )
        .await
    {
        Ok(attempt) => attempt,
        Err(wait) => return Proof::Limited(wait),
    };
    match crate::stores::of(state, site).find(number, email).await {
        Ok(Some(order)) => {
            attempt.succeeded().await;
            Proof::Proven(Box::new(order))
        }
        Ok(None) => {
            attempt.failed();
            tracing::info!(site = site.id, order = number.0, %client, "order lookup failed");
            Proof::NotFound
        }
        Err(e) => {
            // The store's failure, not the shopper's: the slot is given back.
            attempt.succeeded().await;
            Proof::Unreachable(e)
        }
    }
}
