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
