//! Agents' macros: canned replies per site, listed by `GET /api/agent/macros`
//! and edited by admins (`POST /api/agent/macros`, `PUT` and `DELETE
//! /api/agent/macros/{id}`), which checks every `{{variable}}` is one the
//! console can fill.
//!
//! A macro's body may hold `{{customer.first_name}}`, `{{customer.email}}`,
//! `{{order.number}}`, `{{order.tracking_url}}` and `{{agent.name}}`; the
//! console fills them from the conversation it is inserted into (and shows
//! the agent any it could not fill), so the server stores them as written.

use crate::AppState;
use crate::agents::Agent;
use crate::db::Db;
use crate::db::now;
use crate::desk::store;
use crate::error::{ApiJson, AppError};
use crate::team::Admin;
use aisle_core::agent_api::Macros;
use aisle_core::api::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rand::Rng;

/// A macro as the console lists it.
pub use aisle_core::agent_api::Macro;

/// The demo store's macros: `(id, title, body)`.
pub const DEMO_MACROS: [(&str, &str, &str); 3] = [
    (
        "greeting",
        "Greeting",
        "Hi {{customer.first_name}}, thanks for waiting! I'm {{agent.name}} from Northwind Outfitters. How can I help?",
    ),
    (
        "tracking-link",
        "Tracking link",
        "Your order {{order.number}} is on its way. You can follow it on the carrier's site: {{order.tracking_url}}",
    ),
    (
        "return-instructions",
        "Return instructions",
        "To return items from order {{order.number}}: choose \"Return order\" in this chat, pick the items and a reason, and we'll email you a prepaid label. Unworn items can be returned within 30 days of delivery; final-sale items can't be returned.",
    ),
];

/// Adds the demo macros to `site` unless they are there (idempotent seeding;
/// a merchant's edits to them stay).
pub async fn seed_demo(db: &Db, site: &str) -> anyhow::Result<()> {
    for (position, (id, title, body)) in DEMO_MACROS.iter().enumerate() {
        store::insert_macro_if_missing(db, site, id, title, body, position as i64, now()).await?;
    }
    Ok(())
}

/// `site`'s macros in picker order.
pub async fn of_site(db: &Db, site: &str) -> anyhow::Result<Vec<Macro>> {
    let rows = store::macros(db, site).await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, body)| Macro { id, title, body })
        .collect())
}

/// `GET /api/agent/macros`: the agent's site's macros.
pub async fn list(agent: Agent, State(state): State<AppState>) -> Result<Json<Macros>, AppError> {
    let macros = of_site(&state.db, &agent.site).await?;
    Ok(Json(Macros { macros }))
}

/// The variables a macro may use: what the console fills from the
/// conversation (see `console/src/macros.rs`).
pub const VARIABLES: [&str; 5] = [
    "customer.first_name",
    "customer.email",
    "order.number",
    "order.tracking_url",
    "agent.name",
];
/// Macros one site may have.
pub const MAX_MACROS: i64 = 200;
/// Longest title (characters).
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest body (characters); a chat message takes 2000.
pub const MAX_BODY_CHARS: usize = 2000;

/// Why `body` cannot be a macro: an unknown `{{variable}}` or a `{{` left
/// open; `None` when it is fine.
pub fn body_problem(body: &str) -> Option<String> {
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Some("a {{ is never closed with }}".into());
        };
        let name = after[..close].trim();
        if !VARIABLES.contains(&name) {
            let shown: String = name.chars().take(40).collect();
            return Some(format!(
                "unknown variable {{{{{shown}}}}}: use one of {}",
                VARIABLES
                    .iter()
                    .map(|v| format!("{{{{{v}}}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        rest = &after[close + 2..];
    }
    None
}

/// `POST /api/agent/macros` and `PUT /api/agent/macros/{id}` body.
pub use aisle_core::agent_api::MacroForm;

/// The form's trimmed title and body, or a 400 naming the field at fault.
fn checked(form: MacroForm) -> Result<(String, String), AppError> {
    let bad = |field: &str, message: String| AppError::Invalid {
        code: ErrorCode::BadRequest,
        message,
        field: Some(field.to_owned()),
    };
    let title = form.title.trim().to_owned();
    let body = form.body.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(bad(
            "title",
            format!("the title needs 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(bad(
            "body",
            format!("the text needs 1 to {MAX_BODY_CHARS} characters"),
        ));
    }
    if let Some(problem) = body_problem(&body) {
        return Err(bad("body", problem));
    }
    Ok((title, body))
}

/// `POST /api/agent/macros` (admins) `{title, body}` → `201` the new macro
/// (last in the picker). At most [`MAX_MACROS`] per site.
pub async fn create(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(form): ApiJson<MacroForm>,
) -> Result<(StatusCode, Json<Macro>), AppError> {
    let (title, body) = checked(form)?;
    let (count, last) = store::macro_count(&state.db, &admin.site).await?;
    if count >= MAX_MACROS {
        return Err(AppError::Invalid {
            code: ErrorCode::BadRequest,
            message: format!("a site has at most {MAX_MACROS} macros; delete some first"),
            field: Some("title".into()),
        });
    }
    let id = format!("m-{:016x}", rand::rng().random::<u64>());
    let position = last.unwrap_or(-1) + 1;
    store::insert_macro_if_missing(&state.db, &admin.site, &id, &title, &body, position, now())
        .await?;
    tracing::info!(admin = admin.id, id, "macro added");
    Ok((StatusCode::CREATED, Json(Macro { id, title, body })))
}

/// `PUT /api/agent/macros/{id}` (admins) `{title, body}` → the macro.
pub async fn update(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<MacroForm>,
) -> Result<Json<Macro>, AppError> {
    let (title, body) = checked(form)?;
    if !store::update_macro(&state.db, &admin.site, &id, &title, &body).await? {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such macro on this site",
        ));
    }
    tracing::info!(admin = admin.id, id, "macro changed");
    Ok(Json(Macro { id, title, body }))
}

/// `DELETE /api/agent/macros/{id}` (admins) → `204`.
pub async fn delete(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !store::delete_macro(&state.db, &admin.site, &id).await? {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such macro on this site",
        ));
    }
    tracing::info!(admin = admin.id, id, "macro deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_variables_and_closed_braces_pass() {
        assert_eq!(
            body_problem("Hi {{customer.first_name}}, {{ order.number }}"),
            None
        );
        assert_eq!(body_problem("no variables } {"), None);
        let unknown = body_problem("Hi {{customer.name}}").unwrap();
        assert!(
            unknown.starts_with(
                "unknown variable {{customer.name}}: use one of {{customer.first_name}}"
            ),
            "{unknown}"
        );
        assert!(body_problem("Hi {{agent.name").is_some());
    }
}
