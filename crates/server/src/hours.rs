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
use aisle_core::agent_api::{self, HoursBody, HoursRefused, PathError};
use aisle_core::api::ErrorCode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

/// Routes under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/hours", get(show).put(save))
}

/// The site's hours as the agent API sends them.
fn body(hours: Option<BusinessHours>) -> Json<HoursBody> {
    Json(HoursBody {
        business_hours: hours.map(|h| agent_api::BusinessHours {
            time_zone: h.time_zone,
            weekly: h.weekly,
        }),
    })
}

/// `GET /api/agent/hours` (admins): `{"business_hours": {time_zone, weekly} | null}`.
async fn show(Admin(admin): Admin, State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.sites.known(&admin.site)?;
    Ok(body(site.config.business_hours.clone()).into_response())
}

/// `PUT /api/agent/hours` (admins) `{"business_hours": {time_zone, weekly} | null}`:
/// `200` with the hours as stored, or `400` with every problem as
/// `errors: [{path, message}]` (`field` and `message` name the first), and
/// nothing changed.
async fn save(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(hours): ApiJson<HoursBody>,
) -> Result<Response, AppError> {
    let mut file = export(&state.db, &admin.site)
        .await?
        .ok_or(AppError::NotFound(ErrorCode::NotFound, "no such site"))?;
    file.business_hours = hours.business_hours.map(|h| BusinessHours {
        time_zone: h.time_zone,
        weekly: h.weekly,
    });
    let text = serde_json::to_string_pretty(&file).map_err(anyhow::Error::from)?;
    let file = match parse_site_file(&text) {
        Ok(file) => file,
        Err(errors) => {
            let first = &errors[0];
            let refused = HoursRefused {
                code: ErrorCode::BadRequest,
                message: format!("{}: {}", first.path, first.message),
                field: first.path.clone(),
                errors: errors
                    .iter()
                    .map(|e| PathError {
                        path: e.path.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
            };
            return Ok((StatusCode::BAD_REQUEST, Json(refused)).into_response());
        }
    };
    import(&state.db, &file).await?;
    state.sites.reload(&state.db).await?;
    tracing::info!(admin = admin.id, site = admin.site, "business hours saved");
    Ok(body(file.business_hours).into_response())
}
