//! Campaign files per site: versioned storage, the live feed the widget reads,
//! and event counting.
//!
//! `aisle campaigns push FILE --site ID` validates with the same checker as
//! `aisle campaigns check` and stores a new version in one transaction, so an
//! invalid file never replaces a valid one. The newest version is live at once:
//! the widget fetches `GET /api/sites/{site}/campaigns/feed` once per page view
//! (revalidated by ETag) and decides itself; it posts only events.

use crate::AppState;
use crate::client::ClientIp;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use crate::limits::Write;
use crate::sites::KnownSite;
use crate::sites::order_source::OrderSourceConfig;
use aisle_core::api::{
    CampaignDecision, CampaignEvent, CampaignEventKind, ErrorCode, ShownCampaign, VisitorState,
};
use aisle_core::attribution::MAX_ATTRIBUTION_DAYS;
use aisle_core::campaign::check::shopify_codes_elsewhere;
use aisle_core::campaign::feed::{self, Feed};
use aisle_core::campaign::{ActionKind, CampaignError, CampaignFile, decide, parse_campaigns};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

pub mod store;

use crate::db::Db;

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

/// Validates `source` and stores it as the site's next version, pushed from
/// the command line; returns that version.
pub async fn push(db: &Db, site: &str, source: &str) -> Result<i64, PushError> {
    push_by(db, site, source, None).await
}

/// [`push`] with who pushed: an agent's name from the console, `None` for
/// the command line (the version history shows "command line").
pub async fn push_by(
    db: &Db,
    site: &str,
    source: &str,
    pushed_by: Option<&str>,
) -> Result<i64, PushError> {
    check_for_site(db, site, source)
        .await?
        .map_err(PushError::Invalid)?;
    store::push_version(db, site, source, pushed_by, now())
        .await?
        .ok_or(PushError::UnknownSite)
}

/// Checks `source` as `site`'s campaign file: the checker's errors (as
/// `aisle campaigns check`), then what this site cannot do: codes created in
/// Shopify when its orders come from elsewhere
/// ([`shopify_codes_elsewhere`]). An unknown site is only checked as a file.
pub async fn check_for_site(
    db: &Db,
    site: &str,
    source: &str,
) -> sqlx::Result<Result<CampaignFile, Vec<CampaignError>>> {
    let file = match parse_campaigns(source) {
        Ok(file) => file,
        Err(errors) => return Ok(Err(errors)),
    };
    let shopify_codes = file
        .campaigns
        .iter()
        .any(|c| matches!(c.code, Some(aisle_core::campaign::Code::Shopify(_))));
    if !shopify_codes {
        return Ok(Ok(file));
    }
    let config = crate::sites::store::settings(db, site)
        .await?
        .and_then(|(_, _, _, config)| {
            serde_json::from_str::<crate::sites::SiteConfig>(&config).ok()
        });
    let errors = match config.map(|c| c.order_source) {
        Some(OrderSourceConfig::Shopify(_)) | None => Vec::new(),
        Some(other) => shopify_codes_elsewhere(source, other.kind()),
    };
    Ok(if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    })
}

/// The live (newest) version of a site's campaigns: version and source.
pub async fn live(db: &Db, site: &str) -> sqlx::Result<Option<(i64, String)>> {
    store::live(db, site).await
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

/// How long shared caches (a CDN in front of Aisle) may serve the feed
/// without asking again; browsers always revalidate (`max-age=0`), by ETag.
pub const FEED_SHARED_MAX_AGE: u32 = 10;

/// `file` with UTM parameters on every link (buttons, product cards) of a
/// campaign that keeps them
/// (`"utm"`, on unless the marketer turns it off): the store's analytics
/// then credit the visit to the campaign ([`aisle_core::campaign::tag_link`]).
pub fn with_utm(mut file: CampaignFile) -> CampaignFile {
    for campaign in &mut file.campaigns {
        if !campaign.utm {
            continue;
        }
        for action in &mut campaign.actions {
            if let ActionKind::OpenUrl(url) = &mut action.kind {
                *url = aisle_core::campaign::tag_link(url, &campaign.id);
            }
        }
        for product in &mut campaign.products {
            product.url = aisle_core::campaign::tag_link(&product.url, &campaign.id);
        }
    }
    file
}

/// How many days of opening hours the feed carries.
const FEED_OPEN_DAYS: i64 = 8;

/// The site's live campaigns as the widget reads them ([`feed::encode`]):
/// the checked file plus agents online and the coming week's opening hours.
pub async fn feed_text(state: &AppState, site: &str) -> Result<String, AppError> {
    let site_entry = state.sites.known(site)?;
    let file = match live(&state.db, site).await? {
        Some((_, source)) => parse_campaigns(&source).map_err(|_| {
            AppError::Internal(anyhow::anyhow!(
                "stored campaigns for {site} no longer parse"
            ))
        })?,
        None => CampaignFile::new(1, Vec::new()),
    };
    let file = with_utm(file);
    let open = site_entry
        .config
        .business_hours
        .as_ref()
        .map(|hours| hours.open_spans(now(), FEED_OPEN_DAYS));
    Ok(feed::encode(&Feed {
        file,
        agents_online: state.chat.agents_online(site),
        open,
        free_shipping: site_entry
            .config
            .free_shipping_threshold
            .as_ref()
            .map(crate::sites::FreeShipping::minor),
    }))
}

/// `GET /api/sites/{site}/campaigns/feed`: what the widget needs to decide on
/// its own, once per page view, as `{"etag": ETAG, "feed": FEED}` (the feed's
/// text, [`feed::encode`]). The ETag is a hash of the feed, so a push, an
/// agent coming online or the next day's hours change it; `If-None-Match`
/// with the current one answers `304`. Shared caches may keep it
/// [`FEED_SHARED_MAX_AGE`] seconds; CORS as the other widget endpoints.
pub async fn campaign_feed(
    State(state): State<AppState>,
    KnownSite(site): KnownSite,
    headers: HeaderMap,
) -> Response {
    let text = match feed_text(&state, &site.id).await {
        Ok(text) => text,
        Err(e) => return e.into_response(),
    };
    let digest = sha2::Sha256::digest(text.as_bytes());
    let etag = format!("\"f{}-{}\"", feed::FORMAT, hex::encode(&digest[..12]));
    let cache = [(
        header::CACHE_CONTROL,
        format!("public, max-age=0, s-maxage={FEED_SHARED_MAX_AGE}, stale-if-error=86400"),
    )];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| {
            list.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, etag)]).into_response();
    }
    // The ETag rides in the body too: the widget keeps the two together.
    let body = Json(serde_json::json!({"etag": etag, "feed": text}));
    (cache, [(header::ETAG, etag)], body).into_response()
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

/// `POST /api/sites/{site}/campaigns/events`: counts one event of a live campaign;
/// with a `visitor`, a click or conversation started is also that visitor's
/// last touch (`campaigns::store::touch`), read by `crate::attribution`.
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
    if let Some(visitor) = &event.visitor
        && !aisle_core::attribution::valid_visitor(visitor)
    {
        return Err(AppError::Invalid {
            code: ErrorCode::BadRequest,
            message: "visitor must be 8-64 letters, digits, - or _".into(),
            field: Some("visitor".into()),
        });
    }
    crate::limits::allow(&state, Write::CampaignEvent, site, client)
        .map_err(AppError::RateLimited)?;
    // Only campaigns (and variants) of the live file count, so the tables
    // cannot be filled with junk ids.
    let live = live(&state.db, site).await?;
    let file = live.and_then(|(_, source)| parse_campaigns(&source).ok());
    let Some(campaign) = file
        .as_ref()
        .and_then(|file| file.campaigns.iter().find(|c| c.id == event.campaign))
    else {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            "no live campaign with that id",
        ));
    };
    if let Some(variant) = &event.variant
        && !campaign.variants.iter().any(|v| &v.id == variant)
    {
        return Err(AppError::Invalid {
            code: ErrorCode::BadRequest,
            message: "the campaign has no variant with that id".into(),
            field: Some("variant".into()),
        });
    }
    store::count_event(
        &state.db,
        site,
        &event.campaign,
        event.variant.as_deref(),
        &utc_day(now()),
        event.kind.as_str(),
    )
    .await?;
    // A click or a conversation is the visitor's last touch, for attribution.
    if let Some(visitor) = &event.visitor
        && matches!(
            event.kind,
            CampaignEventKind::Clicked | CampaignEventKind::ConversationStarted
        )
    {
        // Touches older than the longest attribution window are forgotten.
        let at = now();
        let forget_before = at - i64::from(MAX_ATTRIBUTION_DAYS) * 86_400;
        let variant = event.variant.as_deref();
        store::touch(
            &state.db,
            site,
            visitor,
            &event.campaign,
            variant,
            at,
            forget_before,
        )
        .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/sites/{site}/campaigns/evaluate`: what this visitor should see now,
/// and when to ask again. Agents online and business hours come from the server.
///
/// The widget no longer asks (it decides from the feed); this stays for
/// integrations that post a visitor, on the same mapping
/// ([`VisitorState::visitor`]) and decision ([`decide`]) as the widget.
pub async fn evaluate(
    State(state): State<AppState>,
    site_entry: KnownSite,
    ApiJson(s): ApiJson<VisitorState>,
) -> Result<Json<CampaignDecision>, AppError> {
    let site = &site_entry.id;
    s.validate()
        .map_err(|why| AppError::invalid(ErrorCode::BadRequest, why))?;
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
    let visitor = s.visitor(
        now() * 1000,
        state.chat.agents_online(site),
        site_entry.config.open_at(now()),
    );
    let decision = decide(&file, &visitor, s.trigger.as_deref());
    Ok(Json(CampaignDecision {
        show: decision
            .show
            .map(|c| ShownCampaign::of(c, &visitor.language)),
        next_in_ms: decision.next_in_ms,
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
