//! The "Insights" view: the team's figures over a date range (first response,
//! resolution, CSAT, conversations per day and per weekday × hour,
//! self-service deflection, per agent) and the staffing forecast (agents per
//! hour by Erlang C, for the growth the merchant expects).
//!
//! Every chart is inline SVG with `role="img"` and a name, and its figures
//! are in an HTML table beside it: the table is the accessible version and
//! the one to copy from. Days and hours are in the browser's time zone.

use crate::api::{self, CallError};
use crate::chart::{DayBar, day_bars, figures_table};
use crate::dates;
use crate::i18n::{Strings, fill};
use crate::state::{Console, kept};
use crate::text;
use aisle_core::insights::{Insights, Spread, Staffing};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where a request stands.
#[derive(Debug, Clone, PartialEq)]
enum Loaded<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// The browser's IANA time zone (`Europe/Paris`), else UTC.
fn time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".into())
}

fn failure(console: Console, error: CallError) -> String {
    match error {
        CallError::Unauthorized => {
            console.reconnect();
            console.strings().network_error.to_owned()
        }
        CallError::Api(e) => e.message,
        _ => console.strings().network_error.to_owned(),
    }
}

/// A duration figure: `4 min`, or a dash when there is none.
fn seconds(value: Option<i64>, s: &Strings) -> String {
    value.map_or_else(|| "—".to_owned(), |v| text::duration(v, s))
}

/// A share as a percentage in the agent's locale, or a dash.
fn share(value: Option<f64>, lang: &str) -> String {
    value.map_or_else(|| "—".to_owned(), |v| dates::percent(v, lang))
}

/// An average rating with two decimals in the agent's locale, or a dash.
fn rating(value: Option<f64>, lang: &str) -> String {
    value.map_or_else(|| "—".to_owned(), |v| dates::decimal(v, 2, lang))
}

/// A count in the agent's locale.
fn count(value: f64, lang: &str) -> String {
    dates::number(value, lang)
}

/// Median and p90 as one line.
fn spread_text(spread: &Spread, s: &Strings) -> String {
    fill(
        s.median_p90,
        &[
            ("median", &seconds(spread.median_seconds, s)),
            ("p90", &seconds(spread.p90_seconds, s)),
        ],
    )
}

/// Conversations per day: one bar a day.
fn days_chart(
    figures: &Insights,
    s: &'static Strings,
    lang: &'static str,
) -> impl IntoView + use<> {
    let bars = figures
        .days
        .iter()
        .map(|d| DayBar {
            title: format!(
                "{}: {}",
                dates::day(&d.day, lang),
                count(d.conversations as f64, lang)
            ),
            value: d.conversations,
            inner: None,
        })
        .collect();
    let rows = figures
        .days
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{dates::day(&d.day, lang)}</th>
                    <td>{count(d.conversations as f64, lang)}</td>
                    <td>{seconds(d.first_response_median_seconds, s)}</td>
                    <td>{seconds(d.resolution_median_seconds, s)}</td>
                    <td>{rating(d.csat_average, lang)}</td>
                </tr>
            }
        })
        .collect_view();
    let headings = vec![
        s.day,
        s.conversations_heading,
        s.first_response,
        s.resolution,
        s.csat,
    ];
    let table = figures_table("", s.chart_per_day.into(), headings, rows);
    day_bars("", "chart-days".into(), s.chart_per_day.into(), bars, table)
}

/// A weekday × hour grid as a heat map and its table.
fn heat_map(
    id: &'static str,
    caption: &'static str,
    cells: &[[u64; 24]; 7],
    s: &'static Strings,
    lang: &'static str,
) -> impl IntoView + use<> {
    let max = cells.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let squares = cells
        .iter()
        .enumerate()
        .flat_map(|(day, hours)| {
            hours.iter().enumerate().map(move |(hour, value)| {
                let v = *value as f64;
                let opacity = if v > 0.0 { 0.15 + 0.85 * v / max } else { 0.04 };
                view! {
                    <rect
                        x=(24 + hour * 10).to_string()
                        y=(day * 10).to_string()
                        width="9"
                        height="9"
                        class="cell"
                        fill-opacity=format!("{opacity:.2}")
                    >
                        <title>{format!("{} {hour}:00 — {}", s.weekdays[day], count(*value as f64, lang))}</title>
                    </rect>
                }
            })
        })
        .collect_view();
    let labels = (0..7)
        .map(|day| {
            view! { <text x="0" y=(day * 10 + 8).to_string() class="axis">{s.weekdays[day]}</text> }
        })
        .collect_view();
    let head = (0..24)
        .map(|h| view! { <th scope="col">{h}</th> })
        .collect_view();
    let rows = cells
        .iter()
        .enumerate()
        .map(|(day, hours)| {
            let cells = hours
                .iter()
                .map(|v| view! { <td>{count(*v as f64, lang)}</td> })
                .collect_view();
            view! { <tr><th scope="row">{s.weekdays[day]}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption id=id>{caption}</figcaption>
            <svg role="img" aria-labelledby=id viewBox="0 0 264 70" class="heat">
                {labels}
                {squares}
            </svg>
            <div class="table-scroll">
                <table class="figures heat-table">
                    <caption>{caption}</caption>
                    <thead><tr><th scope="col">{s.weekday}</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </figure>
    }
}

/// CSAT: one bar per score.
fn csat_chart(
    figures: &Insights,
    s: &'static Strings,
    lang: &'static str,
) -> impl IntoView + use<> {
    let counts = figures.csat.distribution;
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let height = (*n as f64 / max as f64 * 96.0).round();
            view! {
                <rect x=(i * 20 + 2).to_string() y=(100.0 - height).to_string() width="16" height=height.to_string() class="bar">
                    <title>{format!("{}: {}", i + 1, count(*n as f64, lang))}</title>
                </rect>
            }
        })
        .collect_view();
    let rows = counts
        .iter()
        .enumerate()
        .map(|(i, n)| view! { <tr><th scope="row">{i + 1}</th><td>{count(*n as f64, lang)}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart small">
            <figcaption id="chart-csat">{s.chart_csat}</figcaption>
            <svg role="img" aria-labelledby="chart-csat" viewBox="0 0 100 100" preserveAspectRatio="none" class="bars">
                {bars}
            </svg>
            <table class="figures">
                <caption>{s.chart_csat}</caption>
                <thead><tr><th scope="col">{s.score}</th><th scope="col">{s.ratings}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

fn figures_view(figures: Insights, s: &'static Strings, lang: &'static str) -> impl IntoView {
    let flows = figures
        .self_service
        .flows
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <th scope="row">{f.flow.clone()}</th>
                    <td>{count(f.started as f64, lang)}</td>
                    <td>{count(f.resolved as f64, lang)}</td>
                    <td>{count(f.handoff as f64, lang)}</td>
                    <td>{share(f.deflection, lang)}</td>
                </tr>
            }
        })
        .collect_view();
    let agents = figures
        .agents
        .iter()
        .map(|a| {
            view! {
                <tr>
                    <th scope="row">{a.name.clone()}</th>
                    <td>{count(a.conversations as f64, lang)}</td>
                    <td>{spread_text(&a.first_response, s)}</td>
                    <td>{spread_text(&a.resolution, s)}</td>
                    <td>{rating(a.csat.average, lang)}</td>
                </tr>
            }
        })
        .collect_view();
    let csat_text = figures.csat.average.map_or_else(
        || "—".to_owned(),
        |a| {
            fill(
                s.csat_of,
                &[
                    ("average", &rating(Some(a), lang)),
                    ("count", &count(figures.csat.count as f64, lang)),
                ],
            )
        },
    );
    view! {
        <dl class="key-figures">
            <div><dt>{s.conversations_heading}</dt><dd>{count(figures.conversations as f64, lang)}</dd></div>
            <div><dt>{s.first_response}</dt><dd>{spread_text(&figures.first_response, s)}</dd></div>
            <div><dt>{s.resolution}</dt><dd>{spread_text(&figures.resolution, s)}</dd></div>
            <div><dt>{s.csat}</dt><dd>{csat_text}</dd></div>
            <div><dt>{s.deflection}</dt><dd>{share(figures.self_service.deflection, lang)}</dd></div>
            <div><dt>{s.contact_rate}</dt><dd>{share(figures.contact_rate, lang)}</dd></div>
        </dl>
        {days_chart(&figures, s, lang)}
        {heat_map("chart-heat", s.chart_heat, &figures.heat_map, s, lang)}
        {csat_chart(&figures, s, lang)}
        <h3>{s.self_service_heading}</h3>
        <table class="figures">
            <thead>
                <tr>
                    <th scope="col">{s.flow}</th>
                    <th scope="col">{s.started}</th>
                    <th scope="col">{s.resolved}</th>
                    <th scope="col">{s.handed_over}</th>
                    <th scope="col">{s.deflection}</th>
                </tr>
            </thead>
            <tbody>{flows}</tbody>
        </table>
        <h3>{s.per_agent}</h3>
        <table class="figures">
            <thead>
                <tr>
                    <th scope="col">{s.agent}</th>
                    <th scope="col">{s.conversations_heading}</th>
                    <th scope="col">{s.first_response}</th>
                    <th scope="col">{s.resolution}</th>
                    <th scope="col">{s.csat}</th>
                </tr>
            </thead>
            <tbody>{agents}</tbody>
        </table>
    }
}

fn staffing_view(plan: Staffing, s: &'static Strings, lang: &'static str) -> impl IntoView {
    let inputs = fill(
        s.staffing_inputs,
        &[
            ("weeks", &count(plan.weeks as f64, lang)),
            ("conversations", &count(plan.conversations as f64, lang)),
            ("growth", &count(plan.growth, lang)),
            ("handle", &text::duration(plan.handle_seconds as i64, s)),
            ("level", &count((plan.level * 100.0).round(), lang)),
            ("target", &count(plan.target_seconds.round(), lang)),
        ],
    );
    view! {
        <p class="peak">{fill(s.peak_agents, &[("agents", &count(plan.peak_agents as f64, lang))])}</p>
        <p class="muted">{inputs}</p>
        {heat_map("chart-staffing", s.chart_staffing, &plan.agents.map(|day| day.map(u64::from)), s, lang)}
        <p class="formula">{s.staffing_formula}</p>
    }
}

/// The Insights page.
#[component]
pub fn InsightsView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let lang = console.locale().tag();
    let tz = time_zone();
    let from = kept("insights-from".into(), String::new);
    let to = kept("insights-to".into(), String::new);
    let figures = RwSignal::new(Loaded::<Insights>::Loading);
    let load = {
        let tz = tz.clone();
        move || {
            let tz = tz.clone();
            figures.set(Loaded::Loading);
            spawn_local(async move {
                let result = api::insights(&from.get_untracked(), &to.get_untracked(), &tz).await;
                figures.set(match result {
                    Ok(f) => {
                        from.set(f.from.clone());
                        to.set(f.to.clone());
                        Loaded::Ready(f)
                    }
                    Err(e) => Loaded::Failed(failure(console, e)),
                });
            });
        }
    };
    load();
    let growth = kept("staffing-growth".into(), || "3".to_owned());
    let weeks = kept("staffing-weeks".into(), || "4".to_owned());
    let target = kept("staffing-target".into(), || "60".to_owned());
    let level = kept("staffing-level".into(), || "80".to_owned());
    // Whether a forecast is on show: it is made again when the page is.
    let forecast_shown = kept("staffing-shown".into(), || false);
    let plan = RwSignal::new(None::<Loaded<Staffing>>);
    let forecast = {
        let tz = tz.clone();
        move || {
            let tz = tz.clone();
            forecast_shown.set(true);
            plan.set(Some(Loaded::Loading));
            let level = level.get_untracked().trim().parse::<f64>().unwrap_or(80.0) / 100.0;
            let query = api::StaffingQuery {
                weeks: weeks.get_untracked(),
                growth: growth.get_untracked(),
                target_seconds: target.get_untracked(),
                level: level.to_string(),
                tz,
            };
            spawn_local(async move {
                plan.set(Some(match api::staffing(&query).await {
                    Ok(p) => Loaded::Ready(p),
                    Err(e) => Loaded::Failed(failure(console, e)),
                }));
            });
        }
    };
    if forecast_shown.get_untracked() {
        forecast();
    }
    let csv = {
        let tz = tz.clone();
        move || {
            format!(
                "/api/agent/insights.csv?from={}&to={}&tz={}",
                from.get(),
                to.get(),
                String::from(js_sys::encode_uri_component(&tz))
            )
        }
    };
    let apply = load.clone();
    let body = move || match figures.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Loaded::Ready(f) => figures_view(f, s, lang).into_any(),
    };
    let planned = move || match plan.get() {
        None => ().into_any(),
        Some(Loaded::Loading) => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Some(Loaded::Failed(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Some(Loaded::Ready(p)) => staffing_view(p, s, lang).into_any(),
    };
    view! {
        <section class="insights-view panel" aria-labelledby="insights-title">
            <div class="section-head">
                <h2 id="insights-title">{s.insights}</h2>
                <a class="button secondary" href=csv download="">{s.export_csv}</a>
            </div>
            <form
                class="range"
                on:submit=move |ev| {
                    ev.prevent_default();
                    apply();
                }
            >
                <label>{s.from_day}<input type="date" bind:value=from required/></label>
                <label>{s.to_day}<input type="date" bind:value=to required/></label>
                <button type="submit" class="primary">{s.show_figures}</button>
                <p class="muted small">{fill(s.time_zone_note, &[("tz", &tz)])}</p>
            </form>
            {body}
        </section>
        <section class="staffing-view panel" aria-labelledby="staffing-title">
            <h2 id="staffing-title">{s.staffing}</h2>
            <p class="muted">{s.staffing_intro}</p>
            <form
                class="staffing-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    forecast();
                }
            >
                <label>{s.growth}<input type="number" min="0.1" max="50" step="0.1" bind:value=growth required/></label>
                <label>{s.history_weeks}<input type="number" min="1" max="12" step="1" bind:value=weeks required/></label>
                <label>{s.answer_within}<input type="number" min="1" max="3600" step="1" bind:value=target required/></label>
                <label>{s.service_level}<input type="number" min="50" max="99" step="1" bind:value=level required/></label>
                <button type="submit" class="primary">{s.forecast}</button>
            </form>
            {planned}
        </section>
    }
}
