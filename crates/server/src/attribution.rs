//! Campaign revenue attribution and the figures marketers are judged by.
//!
//! - A campaign event with the loader's visitor id (`Aisle.visitor`) that is a
//!   click or a conversation started becomes that visitor's *touch*: one row
//!   per site and visitor, the last one wins ([`touch`]).
//! - `POST /api/sites/{site}/campaigns/purchase` (the loader's
//!   `Aisle('purchase', {order, value, currency})` on the store's thank-you
//!   page) records the order once per site and order reference, attributed to
//!   the visitor's touch when it is within the site's attribution window
//!   (`attribution_days` in the site file, 7 by default): last touch.
//! - `GET /api/sites/{site}/campaigns/stats` and `…/campaigns/stats.csv`:
//!   per campaign shown, clicked, dismissed, conversations, conversions and
//!   revenue per currency, in total, per day, and the last 30 days.

use crate::AppState;
use crate::agents::Agent;
use crate::campaigns::{live, store, utc_day};
use crate::client::ClientIp;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use crate::insights::csv_field;
use crate::limits::Write;
use crate::sites::KnownSite;
use aisle_core::api::ErrorCode;
use aisle_core::attribution::{
    CampaignReport, CampaignStats, CodeFigures, DayFigures, Figures, Purchase, RECENT_DAYS,
    money_text,
};
use aisle_core::campaign::parse_campaigns;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Routes for agents (bearer token or session cookie): the figures and their CSV.
pub fn agent_routes() -> Router<AppState> {
    Router::new()
        .route("/sites/{site}/campaigns/stats", get(campaign_stats))
        .route("/sites/{site}/campaigns/stats.csv", get(campaign_stats_csv))
}

/// A 400 naming the offending field of the body.
fn bad_field(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        code: ErrorCode::BadRequest,
        message: message.to_owned(),
        field: Some(field.to_owned()),
    }
}

/// `POST /api/sites/{site}/campaigns/purchase`: records a purchase once per
/// order and attributes it to the visitor's last campaign touch within the
/// site's window. Answers `{"counted": bool, "campaign": id | null}`:
/// `counted` is false when the order was already recorded (the first report
/// stands). Bounded like every anonymous write ([`Write::Purchase`], flag
/// `--purchases-per-hour`); a bad field is a 400 naming it.
pub async fn purchase(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    site: KnownSite,
    ApiJson(purchase): ApiJson<Purchase>,
) -> Result<Json<Value>, AppError> {
    let (value_milli, currency) = purchase
        .validate()
        .map_err(|(field, why)| bad_field(field, why))?;
    crate::limits::allow(&state, Write::Purchase, &site.id, client)
        .map_err(AppError::RateLimited)?;
    let at = now();
    let window = i64::from(site.config.attribution_days()) * DAY;
    let order = purchase.order.trim();
    // One statement: the touch is read and the order inserted atomically, and
    // the primary key (site, order) makes every later report of it a no-op.
    let day = utc_day(at);
    let new = store::NewPurchase {
        order,
        visitor: &purchase.visitor,
        value_milli,
        currency: &currency,
        day: &day,
        at,
        touched_since: at - window,
    };
    let (counted, campaign) = store::record_purchase(&state.db, &site.id, &new).await?;
    // Only the first report tells which campaign won it.
    let campaign = if counted { campaign } else { None };
    Ok(Json(json!({ "counted": counted, "campaign": campaign })))
}

/// Figures being summed, revenue still in thousandths.
#[derive(Default)]
struct Sum {
    figures: Figures,
    revenue: BTreeMap<String, i64>,
}

impl Sum {
    fn add_event(&mut self, kind: &str, count: i64) {
        let n = u64::try_from(count).unwrap_or(0);
        match kind {
            "shown" => self.figures.shown += n,
            "clicked" => self.figures.clicked += n,
            "dismissed" => self.figures.dismissed += n,
            "conversation_started" => self.figures.conversation_started += n,
            _ => {}
        }
    }

    fn add_sales(&mut self, currency: &str, orders: i64, milli: i64) {
        self.figures.conversions += u64::try_from(orders).unwrap_or(0);
        *self.revenue.entry(currency.to_owned()).or_default() += milli;
    }

    fn done(mut self) -> Figures {
        self.figures.revenue = self
            .revenue
            .into_iter()
            .map(|(c, m)| (c, money_text(m)))
            .collect();
        self.figures
    }
}

#[derive(Default)]
struct Report {
    total: Sum,
    days: BTreeMap<String, Sum>,
    variants: BTreeMap<String, Sum>,
}

/// Every campaign's figures on `site`: the live file's campaigns (zeros
/// included) and any other with events or conversions.
pub async fn stats(state: &AppState, site: &str) -> Result<CampaignStats, AppError> {
    let db = &state.db;
    let mut reports: BTreeMap<String, Report> = BTreeMap::new();
    let file = live(db, site)
        .await?
        .and_then(|(_, source)| parse_campaigns(&source).ok());
    for campaign in file.iter().flat_map(|f| &f.campaigns) {
        reports.entry(campaign.id.clone()).or_default();
    }
    let events = store::events(db, site).await?;
    for (id, day, kind, count) in events {
        let report = reports.entry(id).or_default();
        report.total.add_event(&kind, count);
        report.days.entry(day).or_default().add_event(&kind, count);
    }
    let sales = store::sales(db, site).await?;
    for (id, day, currency, orders, milli) in sales {
        let report = reports.entry(id).or_default();
        report.total.add_sales(&currency, orders, milli);
        report
            .days
            .entry(day)
            .or_default()
            .add_sales(&currency, orders, milli);
    }
    let variant_events = store::variant_events(db, site).await?;
    for (id, variant, kind, count) in variant_events {
        let report = reports.entry(id).or_default();
        report
            .variants
            .entry(variant)
            .or_default()
            .add_event(&kind, count);
    }
    let variant_sales = store::variant_sales(db, site).await?;
    for (id, variant, currency, orders, milli) in variant_sales {
        let report = reports.entry(id).or_default();
        report
            .variants
            .entry(variant)
            .or_default()
            .add_sales(&currency, orders, milli);
    }
    let codes = crate::offers::code_counts_in(db, site, file.as_ref()).await?;
    let today = now();
    let recent_days: Vec<String> = (0..RECENT_DAYS as i64)
        .rev()
        .map(|back| utc_day(today - back * DAY))
        .collect();
    let campaigns = reports
        .into_iter()
        .map(|(id, report)| {
            let days: BTreeMap<String, Figures> = report
                .days
                .into_iter()
                .map(|(day, sum)| (day, sum.done()))
                .collect();
            let recent = recent_days
                .iter()
                .map(|day| DayFigures {
                    day: day.clone(),
                    figures: days.get(day).cloned().unwrap_or_default(),
                })
                .collect();
            let code = codes.get(&id).map(|(left, handed_out)| CodeFigures {
                left: *left,
                handed_out: *handed_out,
            });
            let report = CampaignReport {
                total: report.total.done(),
                days,
                recent,
                variants: report
                    .variants
                    .into_iter()
                    .map(|(variant, sum)| (variant, sum.done()))
                    .collect(),
                codes: code,
            };
            (id, report)
        })
        .collect();
    let attribution_days = state
        .sites
        .get(site)
        .map_or(aisle_core::attribution::DEFAULT_ATTRIBUTION_DAYS, |s| {
            s.config.attribution_days()
        });
    Ok(CampaignStats {
        campaigns,
        attribution_days,
    })
}

/// The agent's own site, or 403. Kept in one place with the campaign editor's
/// rule ([`crate::campaign_editor::may_edit`]).
fn own_site(agent: &Agent, site: &str) -> Result<(), AppError> {
    if agent.site == site {
        Ok(())
    } else {
        Err(AppError::Forbidden("agents see only their own site".into()))
    }
}

/// `GET /api/sites/{site}/campaigns/stats`: [`CampaignStats`] as JSON. The
/// earlier fields stay (`campaigns.{id}.total` and `.days` with `shown`,
/// `clicked`, `dismissed`, `conversation_started`); new: `conversions`,
/// `revenue`, `recent` and `attribution_days`.
async fn campaign_stats(
    agent: Agent,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<Json<CampaignStats>, AppError> {
    own_site(&agent, &site)?;
    Ok(Json(stats(&state, &site).await?))
}

/// The CSV of [`stats`]: one line per campaign and day with activity, then
/// one `total` line per campaign, then one `total` line per A/B variant; one
/// revenue column per currency. The last three columns (after the revenue
/// ones, so earlier readers keep their columns) are `variant` (empty on
/// campaign lines) and, on a campaign's `total` line, `codes_handed_out` and
/// `codes_left` of its code pool.
pub fn stats_csv(stats: &CampaignStats) -> String {
    let mut currencies: Vec<&String> = stats
        .campaigns
        .values()
        .flat_map(|r| r.total.revenue.keys())
        .collect();
    currencies.sort();
    currencies.dedup();
    let mut out = String::from("campaign,day,shown,clicked,dismissed,conversations,conversions");
    for currency in &currencies {
        out.push_str(&format!(",revenue_{}", csv_field(currency)));
    }
    out.push_str(",variant,codes_handed_out,codes_left\n");
    let mut line =
        |id: &str, day: &str, f: &Figures, variant: &str, codes: Option<&CodeFigures>| {
            let mut cells = vec![
                csv_field(id),
                csv_field(day),
                f.shown.to_string(),
                f.clicked.to_string(),
                f.dismissed.to_string(),
                f.conversation_started.to_string(),
                f.conversions.to_string(),
            ];
            for currency in &currencies {
                cells.push(
                    f.revenue
                        .get(*currency)
                        .cloned()
                        .unwrap_or_else(|| "0.00".into()),
                );
            }
            cells.push(csv_field(variant));
            match codes {
                Some(c) => {
                    cells.push(c.handed_out.to_string());
                    cells.push(c.left.to_string());
                }
                None => cells.extend([String::new(), String::new()]),
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        };
    for (id, report) in &stats.campaigns {
        for (day, figures) in &report.days {
            line(id, day, figures, "", None);
        }
        line(id, "total", &report.total, "", report.codes.as_ref());
        for (variant, figures) in &report.variants {
            line(id, "total", figures, variant, None);
        }
    }
    out
}

/// `GET /api/sites/{site}/campaigns/stats.csv`: [`stats_csv`] as a download.
async fn campaign_stats_csv(
    agent: Agent,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<Response, AppError> {
    own_site(&agent, &site)?;
    let figures = stats(&state, &site).await?;
    let name = format!(
        "attachment; filename=\"aisle-campaigns-{}-{}.csv\"",
        site.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        utc_day(now())
    );
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        stats_csv(&figures),
    )
        .into_response())
}
