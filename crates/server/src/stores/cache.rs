//! Orders fetched from a merchant's store, kept [`CACHE_TTL`] so the steps
//! of one self-service flow (prove, choose, confirm) do not each call the
//! store. A webhook from the store ([`crate::hooks`]) or a cancel or return
//! Aisle sends drops the order, so the next lookup fetches it fresh. The
//! email is compared on every read, exactly as on a live lookup.

use super::StoreOrder;
use sqlx::SqlitePool;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long a fetched order is served without asking the store again, seconds.
pub const CACHE_TTL: i64 = 60;

/// Lookups answered from the cache and from the store since start.
#[derive(Debug, Default)]
pub struct CacheCounts {
    /// Served from the cache.
    pub hits: AtomicU64,
    /// Fetched from the store.
    pub misses: AtomicU64,
}

impl CacheCounts {
    /// (hits, misses).
    pub fn get(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// The cached order `number` of `site` if fresh at `now` and placed with `email`.
pub async fn get(
    db: &SqlitePool,
    site: &str,
    number: u32,
    email: &str,
    now: i64,
) -> Option<StoreOrder> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT email, payload FROM order_cache WHERE site_id = ? AND number = ? AND fetched_at > ?",
    )
    .bind(site)
    .bind(number)
    .bind(now - CACHE_TTL)
    .fetch_optional(db)
    .await
    .ok()
    .flatten();
    let (placed_with, payload) = row?;
    if !placed_with.eq_ignore_ascii_case(email) {
        return None;
    }
    serde_json::from_str(&payload).ok()
}

/// Keeps `order` (placed with `email`) as fetched at `now`.
pub async fn put(db: &SqlitePool, site: &str, email: &str, order: &StoreOrder, now: i64) {
    let Ok(payload) = serde_json::to_string(order) else {
        return;
    };
    let result = sqlx::query(
        "INSERT INTO order_cache (site_id, number, email, payload, fetched_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (site_id, number) DO UPDATE SET email = excluded.email, payload = excluded.payload, \
         fetched_at = excluded.fetched_at",
    )
    .bind(site)
    .bind(order.view.number.0)
    .bind(email)
    .bind(payload)
    .bind(now)
    .execute(db)
    .await;
    if let Err(e) = result {
        tracing::warn!(site, error = %e, "caching an order failed");
    }
}

/// Drops order `number` of `site`: the next lookup asks the store.
pub async fn forget(db: &SqlitePool, site: &str, number: u32) {
    let result = sqlx::query("DELETE FROM order_cache WHERE site_id = ? AND number = ?")
        .bind(site)
        .bind(number)
        .execute(db)
        .await;
    if let Err(e) = result {
        tracing::warn!(site, error = %e, "dropping a cached order failed");
    }
}
