//! The site's tag list: what the console offers when an agent closes a chat
//! (`GET /api/agent/tags`, any agent), edited by admins (`POST`, `PUT`,
//! `DELETE`). Closed conversations keep the tags they were closed with:
//! renaming or deleting a tag here does not rewrite them.

use crate::AppState;
use crate::agents::Agent;
use crate::chat::MAX_TAG_CHARS;
use crate::db::now;
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
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM site_tags WHERE site_id = ? ORDER BY name COLLATE NOCASE",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
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
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM site_tags WHERE site_id = ?")
        .bind(&admin.site)
        .fetch_one(&state.db)
        .await?;
    if count >= MAX_SITE_TAGS {
        return Err(bad(format!(
            "a site lists at most {MAX_SITE_TAGS} tags; delete some first"
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO site_tags (site_id, name, created_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(&admin.site)
    .bind(&name)
    .bind(now())
    .fetch_one(&state.db)
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
    let changed = sqlx::query("UPDATE site_tags SET name = ? WHERE id = ? AND site_id = ?")
        .bind(&name)
        .bind(id)
        .bind(&admin.site)
        .execute(&state.db)
        .await
        .map_err(taken)?
        .rows_affected();
    if changed == 0 {
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
    let gone = sqlx::query("DELETE FROM site_tags WHERE id = ? AND site_id = ?")
        .bind(id)
        .bind(&admin.site)
        .execute(&state.db)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such tag on this site",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
