//! Sliding-window limits: on failed attempts (order lookups, identification,
//! agent logins) and on anonymous writes (tickets, assist sessions, feedback,
//! campaign events).
//!
//! A slot is **reserved before** the slow check (database, Argon2) runs, and
//! released only when the attempt succeeds: so N parallel wrong guesses get at
//! most the limit's worth of answers, then 429, however they are timed. An
//! attempt whose request is cancelled half-way counts as a failure.
//!
//! A rule may count failures once per client ([`Rule::per_client`]): a
//! stranger's misses against a named order or account then add one to its
//! count, however many they are, and cannot lock the owner out alone.
//!
//! On PostgreSQL (several nodes share it) failures are also counted in the
//! database ([`shared`], table `limit_failures`): the in-process limiter
//! stays the first line (a client over the limit here is refused without a
//! query), and the database's count is the authority, so an attacker
//! spreading attempts over every node gets no more than one node's limit.
//! On SQLite (one node) only the in-process limiter runs: nothing changes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures (or hits) per key in a sliding window.
#[derive(Debug)]
pub struct FailureLimiter {
    window: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    keys: HashMap<String, VecDeque<Entry>>,
    next_id: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Instant,
    id: u64,
    client: u64,
}

/// Keys kept before stale ones are swept, bounding memory under a spray of addresses.
const SWEEP_AT: usize = 10_000;

/// One limit an attempt must fit in: at most `max` failures of `key` per window.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What is counted (`ip:…`, `order:site:1001`, `login:email`).
    pub key: String,
    /// Failures allowed in the window.
    pub max: usize,
    /// Count at most one failure per client for this key.
    pub per_client: bool,
}

impl Rule {
    /// At most `max` failures of `key`.
    pub fn new(key: impl Into<String>, max: usize) -> Self {
        Rule {
            key: key.into(),
            max,
            per_client: false,
        }
    }

    /// At most `max` distinct clients failing on `key`.
    pub fn per_client(key: impl Into<String>, max: usize) -> Self {
        Rule {
            per_client: true,
            ..Rule::new(key, max)
        }
    }
}

/// A reserved slot in each rule of an attempt. Dropped without
/// [`Attempt::succeeded`], it stays counted as a failure.
#[must_use = "an attempt counts as a failure unless marked succeeded"]
#[derive(Debug)]
pub struct Attempt<'a> {
    limiter: &'a FailureLimiter,
    reserved: Vec<(String, u64)>,
}

impl Attempt<'_> {
    /// The attempt succeeded: its slots are given back.
    pub fn succeeded(mut self) {
        let mut inner = self.limiter.lock();
        for (key, id) in std::mem::take(&mut self.reserved) {
            if let Some(entries) = inner.keys.get_mut(&key) {
                entries.retain(|e| e.id != id);
                if entries.is_empty() {
                    inner.keys.remove(&key);
                }
            }
        }
    }

    /// The attempt failed: its slots stay counted (the same as dropping it).
    pub fn failed(self) {}
}

impl FailureLimiter {
    /// A limiter whose failures count for `window`.
    pub fn new(window: Duration) -> Self {
        FailureLimiter {
            window,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// How long a failure counts.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Reserves a slot for `client` in every rule here, then, when `db` is
    /// given (PostgreSQL: the nodes' shared count), in the database too.
    /// `Err(retry_after)` when either is used up (then nothing stays reserved).
    pub async fn attempt_shared(
        &self,
        db: Option<&crate::db::Db>,
        client: &str,
        rules: &[Rule],
    ) -> Result<SharedAttempt<'_>, Duration> {
        let local = self.attempt(client, rules, Instant::now())?;
        let Some(db) = db else {
            return Ok(SharedAttempt {
                local,
                shared: None,
            });
        };
        match shared::reserve(db, client, rules, self.window).await {
            Ok(Ok(ids)) => Ok(SharedAttempt {
                local,
                shared: Some((db.clone(), ids)),
            }),
            Ok(Err(wait)) => {
                local.succeeded();
                Err(wait)
            }
            Err(e) => {
                // The database is down: the in-process limit still holds.
                tracing::warn!(error = %e, "counting a failure in the database failed");
                Ok(SharedAttempt {
                    local,
                    shared: None,
                })
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a failure slot for `client` in every rule, or `Err(retry_after)`
    /// when one of them is used up (then nothing is reserved).
    pub fn attempt(
        &self,
        client: &str,
        rules: &[Rule],
        now: Instant,
    ) -> Result<Attempt<'_>, Duration> {
        let client = fingerprint(client);
        let mut inner = self.lock();
        if inner.keys.len() >= SWEEP_AT {
            let window = self.window;
            inner.keys.retain(|_, entries| {
                entries
                    .back()
                    .is_some_and(|last| now.saturating_duration_since(last.at) < window)
            });
        }
        let mut wait = Duration::ZERO;
        for rule in rules {
            let Some(entries) = inner.keys.get_mut(&rule.key) else {
                continue;
            };
            self.expire(entries, now);
            if rule.per_client && entries.iter().any(|e| e.client == client) {
                continue; // this client is already counted here
            }
            if entries.len() >= rule.max {
                let oldest = entries.front().map_or(now, |e| e.at);
                wait = wait.max((oldest + self.window).saturating_duration_since(now));
            }
        }
        if !wait.is_zero() || rules.iter().any(|r| r.max == 0) {
            return Err(wait.max(Duration::from_secs(1)));
        }
        let mut reserved = Vec::with_capacity(rules.len());
        for rule in rules {
            let id = inner.next_id;
            inner.next_id += 1;
            let entries = inner.keys.entry(rule.key.clone()).or_default();
            if rule.per_client && entries.iter().any(|e| e.client == client) {
                continue;
            }
            entries.push_back(Entry {
                at: now,
                id,
                client,
            });
            reserved.push((rule.key.clone(), id));
        }
        Ok(Attempt {
            limiter: self,
            reserved,
        })
    }

    /// Counts one hit of `key` (at most `max` per window): for limits on
    /// requests rather than failures. `Err(retry_after)` when used up.
    pub fn hit(&self, key: &str, max: usize, now: Instant) -> Result<(), Duration> {
        self.attempt(key, &[Rule::new(key, max)], now)
            .map(Attempt::failed)
    }

    fn expire(&self, entries: &mut VecDeque<Entry>, now: Instant) {
        while entries
            .front()
            .is_some_and(|e| now.saturating_duration_since(e.at) >= self.window)
        {
            entries.pop_front();
        }
    }
}

/// An [`Attempt`] also counted in the database (see [`FailureLimiter::attempt_shared`]).
#[must_use = "an attempt counts as a failure unless marked succeeded"]
#[derive(Debug)]
pub struct SharedAttempt<'a> {
    local: Attempt<'a>,
    shared: Option<(crate::db::Db, Vec<i64>)>,
}

impl SharedAttempt<'_> {
    /// The attempt succeeded: its slots are given back, here and in the database.
    pub async fn succeeded(self) {
        self.local.succeeded();
        if let Some((db, ids)) = self.shared
            && let Err(e) = shared::release(&db, &ids).await
        {
            tracing::warn!(error = %e, "giving back a failure slot failed");
        }
    }

    /// The attempt failed: its slots stay counted (the same as dropping it).
    pub fn failed(self) {}
}

/// Failures counted in the database, for nodes sharing one PostgreSQL.
///
/// One row per reserved slot (`limit_failures`: key, client fingerprint,
/// expiry in Unix ms). Reserving takes a transaction-scoped advisory lock
/// per key (in key order, so two attempts never wait on each other in a
/// circle), counts the unexpired rows and inserts; so parallel attempts on
/// any number of nodes cannot overshoot. Rows of a key are deleted once
/// expired when that key is tried, and all expired rows at most once a
/// minute per node ([`SWEEP_EVERY_MS`]): the table holds at most one window
/// of failures (each of which cost a store lookup or an Argon2 run).
pub mod shared {
    use super::{Rule, fingerprint};
    use crate::db::Db;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    /// How often a node deletes every expired row.
    pub const SWEEP_EVERY_MS: i64 = 60_000;
    static LAST_SWEEP: AtomicI64 = AtomicI64::new(0);

    fn lock_key(key: &str) -> i64 {
        // A fixed high half keeps these locks apart from other advisory locks.
        (0x4c49_4d00_i64 << 32) | i64::from(fingerprint(key) as u32)
    }

    /// Reserves a slot of `client` in every rule of `rules`: the rows' ids,
    /// or `Err(retry_after)` when a rule is used up (nothing reserved).
    pub async fn reserve(
        db: &Db,
        client: &str,
        rules: &[Rule],
        window: Duration,
    ) -> anyhow::Result<Result<Vec<i64>, Duration>> {
        let now = crate::db::now_ms();
        sweep(db, now).await;
        let client = fingerprint(client) as i64;
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
        let mut locks: Vec<i64> = rules.iter().map(|r| lock_key(&r.key)).collect();
        locks.sort_unstable();
        locks.dedup();
        let mut tx = db.begin().await?;
        for lock in locks {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock)
                .execute(&mut *tx)
                .await?;
        }
        let mut wait_ms = 0i64;
        let mut take = Vec::with_capacity(rules.len());
        for rule in rules {
            sqlx::query("DELETE FROM limit_failures WHERE key = $1 AND expires_at <= $2")
                .bind(&rule.key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let (count, oldest, mine): (i64, Option<i64>, i64) = sqlx::query_as(
                "SELECT COUNT(*), MIN(expires_at),                  COALESCE(SUM(CASE WHEN client = $2 THEN 1 ELSE 0 END), 0)                  FROM limit_failures WHERE key = $1",
            )
            .bind(&rule.key)
            .bind(client)
            .fetch_one(&mut *tx)
            .await?;
            if rule.per_client && mine > 0 {
                continue; // this client is already counted here
            }
            if rule.max == 0 || count >= rule.max as i64 {
                wait_ms = wait_ms.max(oldest.unwrap_or(now) - now);
            }
            take.push(&rule.key);
        }
        if wait_ms > 0 || rules.iter().any(|r| r.max == 0) {
            tx.rollback().await?;
            let wait = Duration::from_millis(wait_ms.max(0) as u64);
            return Ok(Err(wait.max(Duration::from_secs(1))));
        }
        let mut ids = Vec::with_capacity(take.len());
        for key in take {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO limit_failures (key, client, expires_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(key)
            .bind(client)
            .bind(now + window_ms)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Ok(ids))
    }

    /// Gives back the slots `ids` (the attempt succeeded).
    pub async fn release(db: &Db, ids: &[i64]) -> anyhow::Result<()> {
        for id in ids {
            sqlx::query("DELETE FROM limit_failures WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?;
        }
        Ok(())
    }

    /// Deletes every expired row, at most once per [`SWEEP_EVERY_MS`] here.
    async fn sweep(db: &Db, now: i64) {
        let last = LAST_SWEEP.load(Ordering::Relaxed);
        if now - last < SWEEP_EVERY_MS
            || LAST_SWEEP
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = sqlx::query("DELETE FROM limit_failures WHERE expires_at <= $1")
            .bind(now)
            .execute(db)
            .await
        {
            tracing::warn!(error = %e, "sweeping expired failure counts failed");
        }
    }
}

/// A short stable fingerprint of a client key (the limiter keeps no addresses twice).
fn fingerprint(client: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(max: usize) -> Vec<Rule> {
        vec![Rule::new("ip", max)]
    }

    #[test]
    fn blocks_after_max_failures_until_the_oldest_leaves_the_window() {
        let limiter = FailureLimiter::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            let at = t0 + Duration::from_secs(i);
            limiter.attempt("a", &rules(3), at).unwrap().failed();
        }
        let retry = limiter
            .attempt("a", &rules(3), t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(retry, Duration::from_secs(50));
        let other = [Rule::new("other-ip", 3)];
        assert!(
            limiter.attempt("b", &other, t0).is_ok(),
            "keys are independent"
        );
        assert!(
            limiter
                .attempt("a", &rules(3), t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn slots_are_reserved_before_the_check_so_parallel_attempts_cannot_overshoot() {
        let limiter = FailureLimiter::new(Duration::from_secs(60));
        let now = Instant::now();
        // Five attempts in flight at once (none has finished yet).
        let in_flight: Vec<_> = (0..5)
            .map(|_| limiter.attempt("a", &rules(5), now).unwrap())
            .collect();
        assert!(limiter.attempt("a", &rules(5), now).is_err());
        // Successes give their slots back.
        for attempt in in_flight {
            attempt.succeeded();
        }
        assert!(limiter.attempt("a", &rules(5), now).is_ok());
    }

    #[test]
    fn a_per_client_rule_counts_each_client_once() {
        let limiter = FailureLimiter::new(Duration::from_secs(60));
        let now = Instant::now();
        let order = |client: &str| {
            vec![
                Rule::new(format!("ip:{client}"), 5),
                Rule::per_client("order:1001", 3),
            ]
        };
        // A stranger misses five times: their address is spent, the order is not.
        for _ in 0..5 {
            limiter
                .attempt("stranger", &order("stranger"), now)
                .unwrap()
                .failed();
        }
        assert!(
            limiter
                .attempt("stranger", &order("stranger"), now)
                .is_err()
        );
        limiter
            .attempt("owner", &order("owner"), now)
            .expect("the owner may still try")
            .succeeded();
        // Three distinct clients missing do lock the order.
        for client in ["b", "c"] {
            limiter
                .attempt(client, &order(client), now)
                .unwrap()
                .failed();
        }
        assert!(limiter.attempt("d", &order("d"), now).is_err());
    }

    #[test]
    fn hits_count_every_request() {
        let limiter = FailureLimiter::new(Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..2 {
            limiter.hit("tickets:ip", 2, now).unwrap();
        }
        assert!(limiter.hit("tickets:ip", 2, now).is_err());
    }
}
