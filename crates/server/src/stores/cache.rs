//! Orders fetched from a merchant's store, kept [`CACHE_TTL`] so the steps
//! of one self-service flow (prove, choose, confirm) do not each call the
//! store. A webhook from the store ([`crate::hooks`]) or a cancel or return
//! Aisle sends drops the order, so the next lookup fetches it fresh. The
//! email is compared on every read, exactly as on a live lookup. The ids of
//! the webhook deliveries already handled (replays are ignored) are kept here
//! too.

use super::StoreOrder;
use crate::db::Db;
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
pub async fn get(db: &Db, site: &str, number: u32, email: &str, now: i64) -> Option<StoreOrder> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT email, payload FROM order_cache WHERE site_id = $1 AND number = $2 AND fetched_at > $3",
    )
    .bind(site)
    .bind(i64::from(number))
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
pub async fn put(db: &Db, site: &str, email: &str, order: &StoreOrder, now: i64) {
    let Ok(payload) = serde_json::to_string(order) else {
        return;
    };
    let result = sqlx::query(
        "INSERT INTO order_cache (site_id, number, email, payload, fetched_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (site_id, number) DO UPDATE SET email = excluded.email, payload = excluded.payload, \
         fetched_at = excluded.fetched_at",
    )
    .bind(site)
    .bind(i64::from(order.view.number.0))
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
pub async fn forget(db: &Db, site: &str, number: u32) {
    let result = sqlx::query("DELETE FROM order_cache WHERE site_id = $1 AND number = $2")
        .bind(site)
        .bind(i64::from(number))
        .execute(db)
        .await;
    if let Err(e) = result {
        tracing::warn!(site, error = %e, "dropping a cached order failed");
    }
}

/// Lists of a shopper's orders (`orders_of`) kept at most this long, so the
/// steps of one visit do not each ask the store for the list.
pub const LIST_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Lists kept at once (all sites); past it the expired ones go, then all.
pub const MAX_LISTS: usize = 10_000;

type Lists = std::collections::HashMap<(String, String), (std::time::Instant, Vec<(u32, String)>)>;

/// The shoppers' order lists of every site, in memory for [`LIST_TTL`].
/// A cancel or a return drops every list that holds the order; a webhook
/// from the store drops the site's lists.
#[derive(Debug, Default)]
pub struct OrderLists {
    lists: std::sync::Mutex<Lists>,
}

impl OrderLists {
    fn lock(&self) -> std::sync::MutexGuard<'_, Lists> {
        self.lists.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `email`'s orders on `site` if listed less than [`LIST_TTL`] ago.
    pub fn get(&self, site: &str, email: &str) -> Option<Vec<(u32, String)>> {
        let lists = self.lock();
        let (at, list) = lists.get(&(site.to_owned(), email.to_owned()))?;
        (at.elapsed() < LIST_TTL).then(|| list.clone())
    }

    /// Keeps `list` as `email`'s orders on `site`.
    pub fn put(&self, site: &str, email: &str, list: Vec<(u32, String)>) {
        let mut lists = self.lock();
        if lists.len() >= MAX_LISTS {
            lists.retain(|_, (at, _)| at.elapsed() < LIST_TTL);
            if lists.len() >= MAX_LISTS {
                lists.clear();
            }
        }
        lists.insert(
            (site.to_owned(), email.to_owned()),
            (std::time::Instant::now(), list),
        );
    }

    /// Drops every list of `site` (the store said an order changed or came
    /// in: any shopper's list may be different now).
    pub fn forget_site(&self, site: &str) {
        self.lock().retain(|(s, _), _| s != site);
    }

    /// Drops every list of `site` that holds order `number`.
    pub fn forget_order(&self, site: &str, number: u32) {
        self.lock()
            .retain(|(s, _), (_, list)| s != site || !list.iter().any(|(n, _)| *n == number));
    }
}
/// Records store webhook `delivery` for `site` at `at` (table
/// `webhook_deliveries`); `false` if it was recorded before (a replay).
pub async fn first_delivery(db: &Db, site: &str, delivery: &str, at: i64) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO webhook_deliveries (site_id, delivery_id, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (site_id, delivery_id) DO NOTHING",
    )
    .bind(site)
    .bind(delivery)
    .bind(at)
    .execute(db)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Deletes webhook delivery ids received before `before`; how many.
pub async fn purge_deliveries(db: &Db, before: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
            .bind(before)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_lists_are_per_site_and_email_and_dropped_with_their_orders() {
        let lists = OrderLists::default();
        lists.put(
            "north",
            "ada@example.com",
            vec![(2001, "in_transit".into())],
        );
        lists.put(
            "north",
            "alan@example.com",
            vec![(2003, "delivered".into())],
        );
        lists.put(
            "harbor",
            "ada@example.com",
            vec![(701, "unfulfilled".into())],
        );
        assert_eq!(
            lists.get("north", "ada@example.com"),
            Some(vec![(2001, "in_transit".into())])
        );
        assert_eq!(lists.get("north", "grace@example.com"), None);
        lists.forget_order("north", 2001);
        assert_eq!(lists.get("north", "ada@example.com"), None);
        assert!(lists.get("north", "alan@example.com").is_some());
        assert!(
            lists.get("harbor", "ada@example.com").is_some(),
            "other sites keep theirs"
        );
        lists.forget_site("north");
        assert_eq!(lists.get("north", "alan@example.com"), None);
        assert!(lists.get("harbor", "ada@example.com").is_some());
    }

    #[test]
    fn order_lists_stay_bounded() {
        let lists = OrderLists::default();
        for i in 0..MAX_LISTS + 5 {
            lists.put("north", &format!("s{i}@example.com"), Vec::new());
        }
        assert!(lists.lock().len() <= MAX_LISTS);
    }
}
