//! How many agents an hour needs: the Erlang C model of a queue, as contact
//! centres plan staff. Pure arithmetic, shared by the server (the staffing
//! forecast) and anything that wants to show the same numbers.
//!
//! With `λ` chats arriving per hour, each taking `h` seconds of an agent, the
//! offered traffic is `A = λ·h / 3600` Erlangs. With `N > A` agents:
//!
//! - the chance a chat waits at all is Erlang C,
//!   `P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))`;
//! - the share answered within `t` seconds (the service level) is
//!   `1 − P(wait) · e^(−(N−A)·t/h)`.
//!
//! [`agents_needed`] is the smallest `N` whose service level meets the target.

/// The chance that a chat has to wait (Erlang C), with `traffic` Erlangs
/// offered to `agents` agents; 1 when `agents <= traffic` (the queue grows
/// without end).
pub fn erlang_c(traffic: f64, agents: u32) -> f64 {
    if traffic <= 0.0 {
        return 0.0;
    }
    let n = f64::from(agents);
    if n <= traffic {
        return 1.0;
    }
    // Erlang B by its stable recursion, then C from B (no factorials).
    let mut b = 1.0;
    for k in 1..=agents {
        b = traffic * b / (f64::from(k) + traffic * b);
    }
    n * b / (n - traffic * (1.0 - b))
}

/// The share of chats answered within `target_seconds`, with `traffic`
/// Erlangs, `agents` agents and `handle_seconds` per chat.
pub fn service_level(traffic: f64, agents: u32, handle_seconds: f64, target_seconds: f64) -> f64 {
    if traffic <= 0.0 {
        return 1.0;
    }
    let n = f64::from(agents);
    if n <= traffic || handle_seconds <= 0.0 {
        return 0.0;
    }
    1.0 - erlang_c(traffic, agents) * (-(n - traffic) * target_seconds / handle_seconds).exp()
}

/// Most agents [`agents_needed`] considers for one hour.
pub const MAX_AGENTS: u32 = 10_000;

/// The fewest agents that answer `level` (0..1) of `per_hour` chats within
/// `target_seconds`, each taking `handle_seconds`: 0 when nobody comes.
pub fn agents_needed(per_hour: f64, handle_seconds: f64, target_seconds: f64, level: f64) -> u32 {
    let traffic = per_hour * handle_seconds / 3600.0;
    if traffic <= 0.0 {
        return 0;
    }
    let mut agents = traffic.floor() as u32 + 1;
    while agents < MAX_AGENTS
        && service_level(traffic, agents, handle_seconds, target_seconds) < level
    {
        agents += 1;
    }
    agents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.0005
    }

    /// Erlang C for 10 Erlangs as published tables give it (e.g. the
    /// Erlang C tables and the worked example of Call Centre Helper: 100
    /// calls in 30 minutes, 180 s each, 80% within 20 s).
    #[test]
    fn erlang_c_matches_the_published_table_for_ten_erlangs() {
        for (agents, wait) in [
            (11, 0.6821),
            (12, 0.4494),
            (13, 0.2853),
            (14, 0.1741),
            (15, 0.1020),
        ] {
            assert!(
                near(erlang_c(10.0, agents), wait),
                "{agents}: {}",
                erlang_c(10.0, agents)
            );
        }
        assert_eq!(
            erlang_c(10.0, 10),
            1.0,
            "as many agents as Erlangs: the queue never empties"
        );
        // Service levels of the same example: 39.0%, 64.0%, 79.6%, 88.8%.
        for (agents, level) in [(11, 0.3896), (12, 0.6402), (13, 0.7956), (14, 0.8884)] {
            assert!(
                near(service_level(10.0, agents, 180.0, 20.0), level),
                "{agents}"
            );
        }
        // 200 calls an hour at 180 s, 80% within 20 s: 14 agents.
        assert_eq!(agents_needed(200.0, 180.0, 20.0, 0.8), 14);
    }

    #[test]
    fn small_and_empty_hours() {
        assert_eq!(agents_needed(0.0, 300.0, 60.0, 0.8), 0);
        // One chat an hour still needs someone.
        assert_eq!(agents_needed(1.0, 300.0, 60.0, 0.8), 1);
        // A single agent at 1 Erlang: every chat waits.
        assert!(near(erlang_c(0.5, 1), 0.5));
        // Growth needs more agents, never fewer.
        let base = agents_needed(40.0, 300.0, 60.0, 0.8);
        let peak = agents_needed(120.0, 300.0, 60.0, 0.8);
        assert!(peak > base && peak <= base * 3 + 1, "{base} → {peak}");
    }
}
