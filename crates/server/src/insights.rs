//! The support team's figures and the staffing forecast, for the console's
//! Insights page (agents of the site only):
//!
//! - `GET /api/agent/insights?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Europe/Paris`:
//!   first response and resolution times (median, p90), CSAT (average and
//!   distribution), conversations per day and per weekday × hour, how each
//!   self-service flow ended (deflection = resolved ÷ started), the contact
//!   rate (conversations ÷ self-service sessions), and the same per agent.
//!   Days and hours are the agent's (`tz`, an IANA zone; UTC by default).
//! - `GET /api/agent/insights.csv?…`: the per-day figures as CSV.
//! - `GET /api/agent/staffing?weeks=4&growth=3&target_seconds=60&level=0.8&tz=…`:
//!   agents needed per weekday × hour by Erlang C ([`aisle_core::staffing`]),
//!   from the last `weeks` weeks of chats times `growth`, and the median
//!   handle time.

use crate::AppState;
use crate::agents::Agent;
use crate::error::AppError;
use aisle_core::api::ErrorCode;
use aisle_core::insights::{
    AgentFigures, Csat, DayFigures, FlowFigures, Insights, SelfService, Spread, Staffing,
};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest date range one request covers, days.
pub const MAX_DAYS: i64 = 366;
/// Most conversations one request reads.
pub const MAX_ROWS: i64 = 500_000;
/// Handle time assumed when no chat has been closed yet, seconds.
pub const DEFAULT_HANDLE_SECONDS: f64 = 300.0;

/// The routes, under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/insights", get(insights))
        .route("/insights.csv", get(insights_csv))
        .route("/staffing", get(staffing))
}

/// `from`, `to` (inclusive days) and `tz` of a request.
#[derive(Debug, Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::invalid(ErrorCode::BadRequest, message.into())
}

fn zone(tz: Option<&str>) -> Result<jiff::tz::TimeZone, AppError> {
    match tz.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(jiff::tz::TimeZone::UTC),
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| {
            bad(format!(
                "tz: \"{name}\" is not an IANA time zone like Europe/Paris"
            ))
        }),
    }
}

/// The range as Unix seconds `[start, end)` in `tz`, with its first day.
fn bounds(
    range: &Range,
    tz: &jiff::tz::TimeZone,
) -> Result<(i64, i64, jiff::civil::Date), AppError> {
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let day = |field: &str, value: Option<&String>, default: jiff::civil::Date| match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<jiff::civil::Date>()
            .map_err(|_| bad(format!("{field}: \"{v}\" is not a date like 2026-11-01"))),
    };
    let to = day("to", range.to.as_ref(), today)?;
    let from = day(
        "from",
        range.from.as_ref(),
        to.checked_sub(jiff::Span::new().days(27)).unwrap_or(to),
    )?;
    if from > to {
        return Err(bad("from: after to"));
    }
    let days = (to - from).get_days() as i64 + 1;
    if days > MAX_DAYS {
        return Err(bad(format!("at most {MAX_DAYS} days at once")));
    }
    let start = from
        .to_zoned(tz.clone())
        .map_err(|e| bad(format!("from: {e}")))?
        .timestamp()
        .as_second();
    let end = to
        .checked_add(jiff::Span::new().days(1))
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| bad(format!("to: {e}")))?
        .timestamp()
        .as_second();
    Ok((start, end, from))
}

/// `p` (0..=1) of `values` (nearest rank); `None` when empty.
pub fn percentile(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// One conversation's times, as the figures need them.
struct Row {
    created: i64,
    first_response: Option<i64>,
    accepted: Option<i64>,
    closed: Option<i64>,
    csat: Option<i64>,
    agent: Option<String>,
}

async fn rows(state: &AppState, site: &str, start: i64, end: i64) -> Result<Vec<Row>, AppError> {
    let raw = crate::chat::store::conversation_times(&state.db, site, start, end, MAX_ROWS).await?;
    Ok(raw
        .into_iter()
        .map(
            |(created, first_response, accepted, closed, csat, agent)| Row {
                created,
                first_response,
                accepted,
                closed,
                csat,
                agent,
            },
        )
        .collect())
}

/// Median and p90 of `values`, seconds, with their count.
fn spread(mut values: Vec<i64>) -> Spread {
    Spread {
        count: values.len() as u64,
        median_seconds: percentile(&mut values, 0.5),
        p90_seconds: percentile(&mut values, 0.9),
    }
}

fn csat(rows: &[&Row]) -> Csat {
    let mut distribution = [0u64; 5];
    for score in rows.iter().filter_map(|r| r.csat) {
        if (1..=5).contains(&score) {
            distribution[(score - 1) as usize] += 1;
        }
    }
    let count: u64 = distribution.iter().sum();
    let sum: u64 = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u64 + 1) * n)
        .sum();
    Csat {
        count,
        average: (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0),
        distribution,
    }
}

fn first_responses(rows: &[&Row]) -> Vec<i64> {
    rows.iter()
        .filter_map(|r| r.first_response.map(|at| (at - r.created).max(0)))
        .collect()
}

fn resolutions(rows: &[&Row]) -> Vec<i64> {
    rows.iter()
        .filter(|r| r.first_response.is_some())
        .filter_map(|r| r.closed.map(|at| (at - r.created).max(0)))
        .collect()
}

/// `a ÷ b`, three decimals; `None` when `b` is 0.
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 1000.0).round() / 1000.0)
}

/// The figures of `site` in the range, days and hours in `tz`.
pub async fn figures(state: &AppState, site: &str, range: &Range) -> Result<Insights, AppError> {
    let tz = zone(range.tz.as_deref())?;
    let (start, end, from) = bounds(range, &tz)?;
    let rows = rows(state, site, start, end).await?;
    let all: Vec<&Row> = rows.iter().collect();
    // Per day and per weekday × hour, in the agent's zone.
    let mut per_day: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    let mut heat_map = [[0u64; 24]; 7];
    for row in &rows {
        let Ok(at) = jiff::Timestamp::from_second(row.created) else {
            continue;
        };
        let local = at.to_zoned(tz.clone());
        per_day
            .entry(local.date().to_string())
            .or_default()
            .push(row);
        let weekday = local.weekday().to_monday_zero_offset() as usize;
        heat_map[weekday][local.hour() as usize] += 1;
    }
    let mut days = Vec::new();
    let mut day = from;
    while let Ok(zoned) = day.to_zoned(tz.clone()) {
        if zoned.timestamp().as_second() >= end {
            break;
        }
        let key = day.to_string();
        let rows = per_day.get(&key).map(Vec::as_slice).unwrap_or_default();
        let mut first = first_responses(rows);
        let mut resolved = resolutions(rows);
        days.push(DayFigures {
            day: key,
            conversations: rows.len() as u64,
            first_response_median_seconds: percentile(&mut first, 0.5),
            resolution_median_seconds: percentile(&mut resolved, 0.5),
            csat_average: csat(rows).average,
        });
        let Ok(next) = day.checked_add(jiff::Span::new().days(1)) else {
            break;
        };
        day = next;
    }
    let mut by_agent: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        if let Some(name) = &row.agent {
            by_agent.entry(name).or_default().push(row);
        }
    }
    let agents = by_agent
        .into_iter()
        .map(|(name, rows)| AgentFigures {
            name: name.to_owned(),
            conversations: rows.len() as u64,
            first_response: spread(first_responses(&rows)),
            resolution: spread(resolutions(&rows)),
            csat: csat(&rows),
        })
        .collect();
    let outcomes = crate::records::outcomes_between(&state.db, site, start, end).await?;
    let mut flows: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for (flow, outcome, count) in outcomes {
        let entry = flows.entry(flow).or_default();
        let count = count.max(0) as u64;
        match outcome.as_str() {
            "started" => entry[0] += count,
            "resolved" => entry[1] += count,
            _ => entry[2] += count,
        }
    }
    let (started, resolved) = flows
        .values()
        .fold((0, 0), |(s, r), f| (s + f[0], r + f[1]));
    let sessions = crate::records::sessions_between(&state.db, site, start, end).await?;
    let sessions = sessions.max(0) as u64;
    Ok(Insights {
        site: site.to_owned(),
        from: from.to_string(),
        to: days.last().map(|d| d.day.clone()).unwrap_or_default(),
        tz: tz.iana_name().unwrap_or("UTC").to_owned(),
        conversations: rows.len() as u64,
        first_response: spread(first_responses(&all)),
        resolution: spread(resolutions(&all)),
        csat: csat(&all),
        days,
        heat_map,
        self_service: SelfService {
            flows: flows
                .into_iter()
                .map(|(flow, [started, resolved, handoff])| FlowFigures {
                    flow,
                    started,
                    resolved,
                    handoff,
                    deflection: ratio(resolved, started),
                })
                .collect(),
            started,
            resolved,
            deflection: ratio(resolved, started),
            sessions,
        },
        contact_rate: ratio(rows.len() as u64, sessions),
        agents,
    })
}

async fn insights(
    agent: Agent,
    State(state): State<AppState>,
    Query(range): Query<Range>,
) -> Result<Json<Insights>, AppError> {
    Ok(Json(figures(&state, &agent.site, &range).await?))
}

/// A CSV field: quoted when it holds a comma, quote or line break, and
/// never starting with a formula sign (spreadsheets would run it).
pub(crate) fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

async fn insights_csv(
    agent: Agent,
    State(state): State<AppState>,
    Query(range): Query<Range>,
) -> Result<Response, AppError> {
    let figures = figures(&state, &agent.site, &range).await?;
    let mut out = String::from(
        "day,conversations,first_response_median_seconds,resolution_median_seconds,csat_average\n",
    );
    let cell = |v: Option<String>| v.unwrap_or_default();
    for day in &figures.days {
        let line = [
            csv_field(&day.day),
            day.conversations.to_string(),
            cell(day.first_response_median_seconds.map(|s| s.to_string())),
            cell(day.resolution_median_seconds.map(|s| s.to_string())),
            cell(day.csat_average.map(|a| a.to_string())),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    let name = format!(
        "attachment; filename=\"aisle-insights-{}-{}.csv\"",
        figures.from, figures.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}

/// The staffing forecast's inputs.
#[derive(Debug, Deserialize)]
pub struct StaffingQuery {
    weeks: Option<u32>,
    growth: Option<f64>,
    target_seconds: Option<f64>,
    level: Option<f64>,
    handle_seconds: Option<f64>,
    tz: Option<String>,
}

async fn staffing(
    agent: Agent,
    State(state): State<AppState>,
    Query(q): Query<StaffingQuery>,
) -> Result<Json<Staffing>, AppError> {
    let tz = zone(q.tz.as_deref())?;
    let weeks = q.weeks.unwrap_or(4);
    if !(1..=12).contains(&weeks) {
        return Err(bad("weeks: 1 to 12"));
    }
    let growth = q.growth.unwrap_or(1.0);
    if !(growth > 0.0 && growth <= 50.0) {
        return Err(bad(
            "growth: more than 0, at most 50 (×3 for a Black Friday week)",
        ));
    }
    let target = q.target_seconds.unwrap_or(60.0);
    if !(target > 0.0 && target <= 3600.0) {
        return Err(bad("target_seconds: 1 to 3600"));
    }
    let level = q.level.unwrap_or(0.8);
    if !(0.5..=0.99).contains(&level) {
        return Err(bad(
            "level: 0.5 to 0.99 (the share answered within the target)",
        ));
    }
    let end = jiff::Timestamp::now().as_second();
    let start = end - i64::from(weeks) * 7 * 24 * 3600;
    let rows = rows(&state, &agent.site, start, end).await?;
    let mut handled: Vec<i64> = rows
        .iter()
        .filter_map(|r| Some(r.closed? - r.accepted?))
        .filter(|s| *s > 0)
        .collect();
    let measured = percentile(&mut handled, 0.5);
    let handle = match q.handle_seconds {
        Some(h) if h > 0.0 && h <= 24.0 * 3600.0 => h,
        Some(_) => return Err(bad("handle_seconds: 1 to 86400")),
        None => measured.map_or(DEFAULT_HANDLE_SECONDS, |m| m as f64),
    };
    let mut counts = [[0u64; 24]; 7];
    for row in &rows {
        if let Ok(at) = jiff::Timestamp::from_second(row.created) {
            let local = at.to_zoned(tz.clone());
            counts[local.weekday().to_monday_zero_offset() as usize][local.hour() as usize] += 1;
        }
    }
    let mut arrivals = [[0f64; 24]; 7];
    let mut agents = [[0u32; 24]; 7];
    for day in 0..7 {
        for hour in 0..24 {
            let per_hour = counts[day][hour] as f64 / f64::from(weeks) * growth;
            arrivals[day][hour] = (per_hour * 100.0).round() / 100.0;
            agents[day][hour] =
                aisle_core::staffing::agents_needed(per_hour, handle, target, level);
        }
    }
    let peak_agents = agents.iter().flatten().copied().max().unwrap_or(0);
    Ok(Json(Staffing {
        weeks,
        growth,
        target_seconds: target,
        level,
        handle_seconds: handle,
        measured_handle_seconds: measured,
        conversations: rows.len() as u64,
        tz: tz.iana_name().unwrap_or("UTC").to_owned(),
        arrivals_per_hour: arrivals,
        agents,
        peak_agents,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v = vec![50, 10, 40, 20, 30];
        assert_eq!(percentile(&mut v, 0.5), Some(30));
        assert_eq!(percentile(&mut v, 0.9), Some(50));
        assert_eq!(percentile(&mut [], 0.5), None);
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-3"), "-3");
        assert_eq!(csv_field(""), "");
    }
}
