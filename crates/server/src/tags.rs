//! The site's tag list: what the console offers when an agent closes a chat
//! (`GET /api/agent/tags`, any agent), edited by admins (`POST`, `PUT`,
//! `DELETE`). Closed conversations keep the tags they were closed with:
//! renaming or deleting a tag here does not rewrite them.

use crate::AppState;
use crate::agents::Agent;
use crate::chat::MAX_TAG_CHARS;
use crate::db::now;
use crate::desk::store;
use crate::error::{ApiJson, AppError};
use crate::team::Admin;
use aisle_core::api::ErrorCode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};

/// Tags one site may list.
pub const MAX_SITE_TAGS: i64 = 100;

/// Routes under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tags", get(list).post(create))
        .route("/tags/{id}", put(rename).delete(delete))
}

/// A tag of the site's list.
pub use aisle_core::agent_api::SiteTag as Tag;
use aisle_core::agent_api::{TagForm, Tags};

fn bad(message: String) -> AppError {
    AppError::Invalid {
        code: ErrorCode::BadRequest,
        message,
        field: Some("name".into()),
    }
}

/// The form's trimmed name, or a 400 (`field: "name"`).
fn checked(form: TagForm) -> Result<String, AppError> {
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_TAG_CHARS {
        return Err(bad(format!("a tag has 1 to {MAX_TAG_CHARS} characters")));
    }
    if name.contains(',') {
        return Err(bad("a tag cannot contain a comma".into()));
    }
    Ok(name)
}

/// A unique-index violation is a tag the site lists already.
fn taken(e: sqlx::Error) -> AppError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            bad("the site has this tag already".into())
        }
        e => e.into(),
    }
}

/// `GET /api/agent/tags`: `{"tags": [{id, name}]}`, by name.
async fn list(agent: Agent, State(state): State<AppState>) -> Result<Json<Tags>, AppError> {
    let rows = store::tags(&state.db, &agent.site).await?;
    let tags: Vec<Tag> = rows
        .into_iter()
        .map(|(id, name)| Tag { id, name })
        .collect();
    Ok(Json(Tags { tags }))
}

/// `POST /api/agent/tags` (admins) `{name}` → `201` the tag. At most
/// [`MAX_SITE_TAGS`] per site; names are unique (whatever the case).
async fn create(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(form): ApiJson<TagForm>,
) -> Result<(StatusCode, Json<Tag>), AppError> {
    let name = checked(form)?;
    let count = store::tag_count(&state.db, &admin.site).await?;
    if count >= MAX_SITE_TAGS {
        return Err(bad(format!(
            "a site lists at most {MAX_SITE_TAGS} tags; delete some first"
        )));
    }
    let id = store::insert_tag(&state.db, &admin.site, &name, now())
        .await
        .map_err(taken)?;
    tracing::info!(admin = admin.id, tag = id, "tag added");
    Ok((StatusCode::CREATED, Json(Tag { id, name })))
}

/// `PUT /api/agent/tags/{id}` (admins) `{name}` → the tag.
async fn rename(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(form): ApiJson<TagForm>,
) -> Result<Json<Tag>, AppError> {
    let name = checked(form)?;
    let changed = store::rename_tag(&state.db, &admin.site, id, &name)
        .await
        .map_err(taken)?;
    if !changed {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such tag on this site",
        ));
    }
    Ok(Json(Tag { id, name }))
}

/// `DELETE /api/agent/tags/{id}` (admins) → `204`.
async fn delete(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if !store::delete_tag(&state.db, &admin.site, id).await? {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such tag on this site",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
