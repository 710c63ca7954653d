//! Campaign files per site: versioned storage, the live feed the widget reads,
//! and event counting.
//!
//! `aisle campaigns push FILE --site ID` validates with the same checker as
//! `aisle campaigns check` and stores a new version in one transaction, so an
//! invalid file never replaces a valid one. The newest version is live at once:
//! the widget fetches `GET /api/sites/{site}/campaigns` (revalidated by ETag).

use crate::AppState;
use crate::client::ClientIp;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use crate::limits::Write;
use crate::sites::KnownSite;
use aisle_core::api::{
    CampaignDecision, CampaignEvent, ErrorCode, ShownAction, ShownCampaign, VisitorState,
};
use aisle_core::campaign::{CampaignError, parse_campaigns};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use sqlx::SqlitePool;

/// Why a push was refused.
#[derive(Debug)]
pub enum PushError {
    /// The file has errors; nothing was stored.
    Invalid(Vec<CampaignError>),
    /// The site does not exist.
    UnknownSite,
    /// Storage failed.
    Storage(sqlx::Error),
}

impl From<sqlx::Error> for PushError {
    fn from(e: sqlx::Error) -> Self {
        PushError::Storage(e)
    }
}

/// Validates `source` and stores it as the site's next version; returns that version.
pub async fn push(db: &SqlitePool, site: &str, source: &str) -> Result<i64, PushError> {
    parse_campaigns(source).map_err(PushError::Invalid)?;
    let mut tx = db.begin().await?;
    let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = ?")
        .bind(site)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(PushError::UnknownSite);
    }
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM campaign_versions WHERE site_id = ?",
    )
    .bind(site)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO campaign_versions (site_id, version, source, pushed_at) VALUES (?, ?, ?, ?)",
    )
    .bind(site)
    .bind(next)
    .bind(source)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// The live (newest) version of a site's campaigns: version and source.
pub async fn live(db: &SqlitePool, site: &str) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT version, source FROM campaign_versions WHERE site_id = ? ORDER BY version DESC LIMIT 1",
    )
    .bind(site)
    .fetch_optional(db)
    .await
}

/// `GET /api/sites/{site}/campaigns`: the live campaign file, with its version as
/// ETag so the widget revalidates cheaply and picks up a push without a redeploy.
pub async fn feed(State(state): State<AppState>, site: KnownSite, headers: HeaderMap) -> Response {
    let live = match live(&state.db, &site.id).await {
        Ok(live) => live,
        Err(e) => return AppError::from(e).into_response(),
    };
    let (version, source) = live.unwrap_or((0, r#"{"version": 1, "campaigns": []}"#.to_owned()));
    let etag = format!("\"campaigns-{version}\"");
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, etag)]).into_response();
    }
    let json = [(header::CONTENT_TYPE, "application/json")];
    (cache, json, [(header::ETAG, etag)], source).into_response()
}

/// The UTC day (`2026-11-27`) of Unix seconds.
pub fn utc_day(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `POST /api/sites/{site}/campaigns/events`: counts one event of a live campaign.
///
/// At most [`Write::CampaignEvent`]'s limit per client address and site an
/// hour; more answer 429 and are not counted, so no one can inflate the stats.
pub async fn record_event(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    KnownSite(site): KnownSite,
    ApiJson(event): ApiJson<CampaignEvent>,
) -> Result<StatusCode, AppError> {
    let site = &site.id;
    crate::limits::allow(&state, Write::CampaignEvent, site, client)
        .map_err(AppError::RateLimited)?;
    // Only campaigns of the live file count, so the table cannot be filled with junk ids.
    let live = live(&state.db, site).await?;
    let known = live
        .and_then(|(_, source)| parse_campaigns(&source).ok())
        .is_some_and(|file| file.campaigns.iter().any(|c| c.id == event.campaign));
    if !known {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            "no live campaign with that id",
        ));
    }
    sqlx::query(
        "INSERT INTO campaign_events (site_id, campaign_id, day, kind, count) VALUES (?, ?, ?, ?, 1) \
         ON CONFLICT (site_id, campaign_id, day, kind) DO UPDATE SET count = count + 1",
    )
    .bind(site)
    .bind(&event.campaign)
    .bind(utc_day(now()))
    .bind(event.kind.as_str())
    .execute(&state.db)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/sites/{site}/campaigns/evaluate`: what this visitor should see now,
/// and when to ask again. Agents online and business hours come from the server.
pub async fn evaluate(
    State(state): State<AppState>,
    site_entry: KnownSite,
    ApiJson(s): ApiJson<VisitorState>,
) -> Result<Json<CampaignDecision>, AppError> {
    use aisle_core::campaign::{ActionKind, Device, Seen, Visitor};
    let site = &site_entry.id;
    s.validate()
        .map_err(|why| AppError::invalid(ErrorCode::BadRequest, why))?;
    let trigger = s.trigger.clone();
    let Some((version, source)) = live(&state.db, site).await? else {
        return Ok(Json(CampaignDecision {
            show: None,
            next_in_ms: None,
            version: 0,
        }));
    };
    let file = parse_campaigns(&source).map_err(|_| {
        AppError::Internal(anyhow::anyhow!(
            "stored campaigns for {site} no longer parse"
        ))
    })?;
    let (path, query) = aisle_core::campaign::eval::split_url(&s.url);
    let language = s.language.unwrap_or_else(|| "en".into());
    let mut ids: Vec<&String> = Vec::new();
    for list in [
        &s.shown_on_page,
        &s.shown_in_session,
        &s.shown_ever,
        &s.dismissed_on_page,
    ] {
        ids.extend(list.iter());
    }
    ids.sort();
    ids.dedup();
    let history = ids
        .into_iter()
        .map(|id| {
            let seen = Seen {
                shown_on_page: s.shown_on_page.contains(id),
                shown_in_session: s.shown_in_session.contains(id) || s.shown_on_page.contains(id),
                shown_ever: s.shown_ever.contains(id)
                    || s.shown_in_session.contains(id)
                    || s.shown_on_page.contains(id),
                dismissed_on_page: s.dismissed_on_page.contains(id),
            };
            (id.clone(), seen)
        })
        .collect();
    let visitor = Visitor {
        path,
        query,
        referrer: s.referrer.filter(|r| !r.is_empty()),
        on_page_ms: s.on_page_ms,
        on_site_ms: s.on_site_ms.max(s.on_page_ms),
        pages_viewed: s.pages_viewed,
        visits: s.visits,
        cart_value_minor: s.cart_value_minor,
        cart_items: s.cart_items,
        device: s
            .device
            .as_deref()
            .and_then(Device::from_name)
            .unwrap_or_default(),
        language: language.clone(),
        now_ms: now() * 1000,
        // Agents online (not away) on the live-handoff socket right now.
        agents_online: state.chat.agents_online(site),
        business_hours: site_entry.config.open_at(now()),
        exit_intent: s.exit_intent,
        scroll_percent: s.scroll_percent.min(100),
        customer_tags: Vec::new(),
        history,
    };
    let result = aisle_core::campaign::evaluate(&file, &visitor);
    // `Aisle('trigger', id)` shows an enabled campaign on demand, whatever its conditions.
    let triggered = trigger
        .as_deref()
        .and_then(|id| file.campaigns.iter().find(|c| c.id == id && c.enabled));
    let show = triggered
        .or_else(|| {
            result
                .show
                .and_then(|id| file.campaigns.iter().find(|c| c.id == id))
        })
        .map(|c| ShownCampaign {
            id: c.id.clone(),
            message: c.message.for_locale(&language).to_owned(),
            actions: c
                .actions
                .iter()
                .map(|a| ShownAction {
                    label: a.label.for_locale(&language).to_owned(),
                    url: match &a.kind {
                        ActionKind::OpenUrl(url) => Some(url.clone()),
                        ActionKind::OpenChat => None,
                    },
                })
                .collect(),
        });
    let next_in_ms = result.waiting.iter().map(|(_, ms)| *ms).min();
    Ok(Json(CampaignDecision {
        show,
        next_in_ms,
        version,
    }))
}

#[cfg(test)]
mod tests {
    use super::utc_day;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(1_795_755_600), "2026-11-27");
        assert_eq!(utc_day(1_709_164_800), "2024-02-29");
        assert_eq!(utc_day(-1), "1969-12-31");
    }
}
