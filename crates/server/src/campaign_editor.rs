//! The console's campaign editor, for marketers who do not use the command
//! line, on the same code as `aisle campaigns check|simulate|push`:
//!
//! - `POST /api/agent/campaigns/check` `{"source"}`: every error with its
//!   line:column and JSON path, as `aisle campaigns check` prints them;
//! - `POST /api/agent/campaigns/preview` `{"source", "visitor": {…}}`: what
//!   `aisle campaigns simulate` answers for the visitor the form describes
//!   (same flags, same defaults), plus the message in the visitor's language;
//! - `POST /api/agent/campaigns` `{"source"}`: pushes a new live version, as
//!   `aisle campaigns push` does, recording the agent's name;
//! - `GET /api/agent/campaigns`: the live file and the version history.
//!
//! Campaign files may be up to [`MAX_CAMPAIGN_FILE_BYTES`] (256 KiB); these
//! routes have their own body limit (the rest of `/api` takes 16 KiB), and a
//! larger file is a `413 too_large` that says so.

use crate::AppState;
use crate::agents::Agent;
use crate::campaigns::{PushError, push_by};
use crate::campaigns_cli::{SimulateArgs, simulated, visitor};
use crate::error::{ApiJson, AppError};
use aisle_core::agent_api::{
    CampaignFileRefused, CampaignHistory, CampaignSource, CampaignVersion, Checked, FileError,
    LiveFile, Preview, PreviewRequest, PreviewVisitor, Published,
};
use aisle_core::api::{ApiError, ErrorCode, ShownCampaign};
use aisle_core::campaign::{CampaignError, parse_campaigns};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

/// Largest campaign file the console accepts, bytes.
pub const MAX_CAMPAIGN_FILE_BYTES: usize = 256 * 1024;
/// Body limit of the editor's routes: a file at the limit, JSON-escaped.
const MAX_EDITOR_BODY_BYTES: usize = 2 * MAX_CAMPAIGN_FILE_BYTES + 16 * 1024;
/// Versions the history lists, newest first.
const HISTORY_LENGTH: i64 = 50;

/// The editor's routes (under `/api`), with their own body limit.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/campaigns", get(versions).post(publish))
        .route("/agent/campaigns/check", post(check))
        .route("/agent/campaigns/preview", post(preview))
        .layer(DefaultBodyLimit::max(MAX_EDITOR_BODY_BYTES))
}

/// Who may edit and publish campaigns: for now any logged-in agent of the
/// site. The one place to make it admin-only.
pub fn may_edit(_agent: &Agent) -> Result<(), AppError> {
    Ok(())
}

/// A campaign file as the console sends it.
pub use aisle_core::agent_api::CampaignSource as Source;

/// The `413` for a file over [`MAX_CAMPAIGN_FILE_BYTES`].
fn too_large() -> Response {
    let body = ApiError {
        code: ErrorCode::TooLarge,
        message: format!(
            "campaign files are limited to {} KiB ({MAX_CAMPAIGN_FILE_BYTES} bytes)",
            MAX_CAMPAIGN_FILE_BYTES / 1024
        ),
        field: Some("source".into()),
        retry_after: None,
    };
    (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response()
}

/// The body's file, or the response refusing it (too large, unreadable).
fn source_of<T>(
    body: Result<ApiJson<T>, AppError>,
    text: impl Fn(&T) -> &str,
) -> Result<T, Box<Response>> {
    match body {
        Ok(ApiJson(body)) if text(&body).len() > MAX_CAMPAIGN_FILE_BYTES => {
            Err(Box::new(too_large()))
        }
        Ok(ApiJson(body)) => Ok(body),
        Err(AppError::TooLarge) => Err(Box::new(too_large())),
        Err(e) => Err(Box::new(e.into_response())),
    }
}

/// Errors as the console lists them: position, path, message, and the line
/// `aisle campaigns check` prints (`LINE:COL: PATH: MESSAGE`).
fn file_errors(errors: &[CampaignError]) -> Vec<FileError> {
    errors
        .iter()
        .map(|e| FileError {
            line: e.pos.line,
            column: e.pos.column,
            path: e.path.clone(),
            message: e.message.clone(),
            text: e.to_string(),
        })
        .collect()
}

/// A 400 listing a file's errors.
fn invalid(errors: &[CampaignError]) -> Response {
    let count = errors.len();
    let body = CampaignFileRefused {
        code: ErrorCode::BadRequest,
        message: format!(
            "the campaign file has {count} error{}; nothing was published",
            if count == 1 { "" } else { "s" }
        ),
        errors: file_errors(errors),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// `POST /api/agent/campaigns/check`: `{"valid": true, "campaigns", "enabled"}`
/// or `{"valid": false, "errors": [...]}` (always 200: checking succeeded).
async fn check(
    State(state): State<AppState>,
    agent: Agent,
    body: Result<ApiJson<CampaignSource>, AppError>,
) -> Response {
    if let Err(e) = may_edit(&agent) {
        return e.into_response();
    }
    let body = match source_of(body, |b| &b.source) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    // What publishing would say: the file, then what this site cannot do.
    let checked = match crate::campaigns::check_for_site(&state.db, &agent.site, &body.source).await
    {
        Ok(checked) => checked,
        Err(e) => return AppError::from(e).into_response(),
    };
    Json(match checked {
        Ok(file) => Checked {
            valid: true,
            campaigns: Some(file.campaigns.len()),
            enabled: Some(file.campaigns.iter().filter(|c| c.enabled).count()),
            errors: None,
        },
        Err(errors) => Checked {
            valid: false,
            campaigns: None,
            enabled: None,
            errors: Some(file_errors(&errors)),
        },
    })
    .into_response()
}

/// The same arguments `aisle campaigns simulate` would parse for `visitor`.
fn args(visitor: PreviewVisitor) -> Result<SimulateArgs, AppError> {
    if visitor.scroll_percent > 100 {
        return Err(AppError::Invalid {
            code: ErrorCode::BadRequest,
            message: "scroll_percent must be 0-100".into(),
            field: Some("visitor.scroll_percent".into()),
        });
    }
    let device = visitor.device.unwrap_or_else(|| "desktop".into());
    if !["mobile", "tablet", "desktop"].contains(&device.as_str()) {
        return Err(AppError::Invalid {
            code: ErrorCode::BadRequest,
            message: "device must be mobile, tablet or desktop".into(),
            field: Some("visitor.device".into()),
        });
    }
    Ok(SimulateArgs {
        file: Default::default(),
        url: visitor.url,
        seconds_on_page: visitor.seconds_on_page,
        seconds_on_site: visitor.seconds_on_site,
        pages_viewed: visitor.pages_viewed.unwrap_or(1),
        visits: visitor.visits.unwrap_or(1),
        referrer: visitor.referrer,
        cart_value: visitor.cart_value,
        cart_items: visitor.cart_items,
        device,
        locale: visitor
            .locale
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "en".into()),
        at: visitor.at.filter(|a| !a.is_empty()),
        agents_online: visitor.agents_online.unwrap_or(1),
        business_hours: visitor.business_hours.unwrap_or(true),
        exit_intent: visitor.exit_intent,
        scroll_percent: visitor.scroll_percent,
        customer_tags: visitor.customer_tags,
        visitor_id: visitor.visitor_id.filter(|v| !v.is_empty()),
    })
}

/// `POST /api/agent/campaigns/preview`: `{"eligible", "show", "waiting"}` as
/// `aisle campaigns simulate` prints them, and `message`: the campaign shown
/// (`ShownCampaign`, in the visitor's language) or `null`.
async fn preview(agent: Agent, body: Result<ApiJson<PreviewRequest>, AppError>) -> Response {
    if let Err(e) = may_edit(&agent) {
        return e.into_response();
    }
    let request = match source_of(body, |b| &b.source) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let file = match parse_campaigns(&request.source) {
        Ok(file) => file,
        Err(errors) => return invalid(&errors),
    };
    let args = match args(request.visitor) {
        Ok(args) => args,
        Err(e) => return e.into_response(),
    };
    let visitor = match visitor(&args) {
        Ok(visitor) => visitor,
        Err(message) => {
            // The CLI names flags (`--cart-value`); the form names fields.
            let field = message
                .split_whitespace()
                .next()
                .and_then(|w| w.strip_prefix("--"))
                .map(|f| format!("visitor.{}", f.replace('-', "_")));
            return AppError::Invalid {
                code: ErrorCode::BadRequest,
                message,
                field,
            }
            .into_response();
        }
    };
    let simulation = simulated(&file, &visitor);
    let shown = simulation
        .show
        .as_deref()
        .and_then(|id| file.campaigns.iter().find(|c| c.id == id))
        .map(|c| match &args.visitor_id {
            // That visitor's variant, placeholders filled as the widget would.
            Some(id) => {
                let values = aisle_core::campaign::template::Values {
                    locale: &visitor.language,
                    cart_minor: visitor.cart_value_minor,
                    ..Default::default()
                };
                ShownCampaign::for_visitor(c, id, &values)
            }
            None => ShownCampaign::of(c, &visitor.language),
        });
    Json(Preview {
        simulation,
        message: shown,
    })
    .into_response()
}

/// `POST /api/agent/campaigns`: publishes the file as the site's next live
/// version (as `aisle campaigns push`), recording the agent's name. `201
/// {"version"}`; `400` with every error when the file is invalid (nothing
/// changes).
async fn publish(
    agent: Agent,
    State(state): State<AppState>,
    body: Result<ApiJson<CampaignSource>, AppError>,
) -> Response {
    if let Err(e) = may_edit(&agent) {
        return e.into_response();
    }
    let body = match source_of(body, |b| &b.source) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    match push_by(&state.db, &agent.site, &body.source, Some(&agent.name)).await {
        Ok(version) => {
            tracing::info!(site = %agent.site, agent = agent.id, version, "campaigns published from the console");
            (StatusCode::CREATED, Json(Published { version })).into_response()
        }
        Err(PushError::Invalid(errors)) => invalid(&errors),
        Err(PushError::UnknownSite) => {
            AppError::NotFound(ErrorCode::UnknownSite, "no such site").into_response()
        }
        Err(PushError::Storage(e)) => AppError::from(e).into_response(),
    }
}

/// `GET /api/agent/campaigns`: `{"live": {"version", "source"} | null,
/// "versions": [{"version", "pushed_at", "pushed_by"}]}`, newest first (at
/// most 50); `pushed_by` is the agent's name, `null` for the command line.
async fn versions(
    agent: Agent,
    State(state): State<AppState>,
) -> Result<Json<CampaignHistory>, AppError> {
    may_edit(&agent)?;
    let live = crate::campaigns::live(&state.db, &agent.site).await?;
    let rows = crate::campaigns::store::versions(&state.db, &agent.site, HISTORY_LENGTH).await?;
    let versions = rows
        .into_iter()
        .map(|(version, pushed_at, pushed_by)| CampaignVersion {
            version,
            pushed_at,
            pushed_by,
        })
        .collect();
    Ok(Json(CampaignHistory {
        live: live.map(|(version, source)| LiveFile { version, source }),
        versions,
    }))
}
