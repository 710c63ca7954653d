//! The site's business hours, edited by admins in the console:
//! `GET`/`PUT /api/agent/hours`. Saving goes the way `aisle site import`
//! does: the site file is exported, its `business_hours` replaced, the whole
//! file parsed and checked by [`crate::site_file::parse_site_file`] (the same
//! messages, by JSON path) and imported; the live site is reloaded at once.

use crate::AppState;
use crate::error::{ApiJson, AppError};
use crate::site_file::{export, import, parse_site_file};
use crate::sites::BusinessHours;
use crate::team::Admin;
use aisle_core::api::ErrorCode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Routes under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/hours", get(show).put(save))
}

/// `GET /api/agent/hours` (admins): `{"business_hours": {time_zone, weekly} | null}`.
async fn show(Admin(admin): Admin, State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state
        .sites
        .get(&admin.site)
        .ok_or(AppError::NotFound(ErrorCode::NotFound, "no such site"))?;
    Ok(Json(json!({ "business_hours": site.config.business_hours })).into_response())
}

/// `PUT /api/agent/hours` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hours {
    /// `null`: no hours (always open when an agent is online).
    business_hours: Option<BusinessHours>,
}

/// `PUT /api/agent/hours` (admins) `{"business_hours": {time_zone, weekly} | null}`:
/// `200` with the hours as stored, or `400` with every problem as
/// `errors: [{path, message}]` (`field` and `message` name the first), and
/// nothing changed.
async fn save(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Hours>,
) -> Result<Response, AppError> {
    let mut file = export(&state.db, &admin.site)
        .await?
        .ok_or(AppError::NotFound(ErrorCode::NotFound, "no such site"))?;
    file.business_hours = body.business_hours;
    let text = serde_json::to_string_pretty(&file).map_err(anyhow::Error::from)?;
    let file = match parse_site_file(&text) {
        Ok(file) => file,
        Err(errors) => {
            let first = &errors[0];
            let list: Vec<_> = errors
                .iter()
                .map(|e| json!({ "path": e.path, "message": e.message }))
                .collect();
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "code": "bad_request",
                    "message": format!("{}: {}", first.path, first.message),
                    "field": first.path,
                    "errors": list,
                })),
            )
                .into_response());
        }
    };
    import(&state.db, &file).await?;
    state.sites.reload(&state.db).await?;
    tracing::info!(admin = admin.id, site = admin.site, "business hours saved");
    Ok(Json(json!({ "business_hours": file.business_hours })).into_response())
}
