//! Sliding-window limits on failed attempts (order lookups now, logins later).
//!
//! Only failures count: a shopper who types their own order right is never
//! slowed down, while someone guessing order numbers or emails is stopped
//! after a few misses per window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures per key (client address, order number) in a sliding window.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys kept before stale ones are swept, bounding memory under a spray of addresses.
const SWEEP_AT: usize = 10_000;

impl FailureLimiter {
    /// Allows `max_failures` failures per key within any `window`.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        FailureLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(retry_after)` when `key` has used up its failures at `now`.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get_mut(key) else {
            return Ok(());
        };
        self.expire(times, now);
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        Err((oldest + self.window)
            .saturating_duration_since(now)
            .max(Duration::from_secs(1)))
    }

    /// Records a failure of `key` at `now`.
    pub fn record_failure(&self, key: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.saturating_duration_since(*last) < self.window)
            });
        }
        let times = failures.entry(key.to_owned()).or_default();
        self.expire(times, now);
        times.push_back(now);
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_oldest_leaves_the_window() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.check("ip", t0 + Duration::from_secs(i)).is_ok());
            limiter.record_failure("ip", t0 + Duration::from_secs(i));
        }
        let retry = limiter
            .check("ip", t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(retry, Duration::from_secs(50));
        assert!(
            limiter.check("other-ip", t0).is_ok(),
            "keys are independent"
        );
        assert!(limiter.check("ip", t0 + Duration::from_secs(60)).is_ok());
    }
}
