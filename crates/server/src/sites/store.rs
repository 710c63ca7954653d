//! What site settings read and write in the database: the `sites` rows
//! (name, allowed origins, the settings file's JSON, identity secrets).
//! [`super::SiteRegistry`] and [`crate::site_file`] call these functions
//! only; the SQL runs on SQLite and PostgreSQL alike ([`crate::db`]).

use crate::db::Db;

/// A site as stored: id, name, allowed origins (JSON), settings (JSON),
/// identity secret, previous secret and until when it verifies.
pub type SiteRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// Every site.
pub async fn all(db: &Db) -> sqlx::Result<Vec<SiteRow>> {
    sqlx::query_as(
        "SELECT id, name, allowed_origins, config, identity_secret,
                previous_identity_secret, previous_secret_until FROM sites",
    )
    .fetch_all(db)
    .await
}

/// Creates site `id` or replaces its name, origins and settings; a new
/// site gets `secret` as its identity secret (an existing one keeps its own).
pub async fn upsert(
    db: &Db,
    id: &str,
    name: &str,
    allowed_origins: &str,
    config: &str,
    secret: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sites (id, name, allowed_origins, config, identity_secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name,
             allowed_origins = excluded.allowed_origins, config = excluded.config,
             identity_secret = COALESCE(sites.identity_secret, excluded.identity_secret)",
    )
    .bind(id)
    .bind(name)
    .bind(allowed_origins)
    .bind(config)
    .bind(secret)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Site `id`'s (id, name, allowed origins JSON, settings JSON).
pub async fn settings(db: &Db, id: &str) -> sqlx::Result<Option<(String, String, String, String)>> {
    sqlx::query_as("SELECT id, name, allowed_origins, config FROM sites WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Site `id`'s identity secret, set to `fresh` first if it had none;
/// `None` without such a site.
pub async fn identity_secret(db: &Db, id: &str, fresh: &str) -> sqlx::Result<Option<String>> {
    sqlx::query("UPDATE sites SET identity_secret = $1 WHERE id = $2 AND identity_secret IS NULL")
        .bind(fresh)
        .bind(id)
        .execute(db)
        .await?;
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT identity_secret FROM sites WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// Makes `fresh` site `id`'s identity secret; the old one stays valid until
/// `until` when `keep_previous` (else it is dropped). The previous secret's
/// end (`None` when none is kept); `None` without such a site.
pub async fn rotate_secret(
    db: &Db,
    id: &str,
    fresh: &str,
    keep_previous: bool,
    until: i64,
) -> sqlx::Result<Option<Option<i64>>> {
    // SET expressions read the row as it was: the old secret becomes the previous one.
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "UPDATE sites SET
             previous_identity_secret = CASE WHEN $1 > 0 THEN identity_secret END,
             previous_secret_until = CASE WHEN $1 > 0 AND identity_secret IS NOT NULL THEN $2 END,
             identity_secret = $3
         WHERE id = $4
         RETURNING previous_secret_until",
    )
    .bind(i64::from(keep_previous))
    .bind(until)
    .bind(fresh)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(until,)| until))
}

/// Stores `config` as site `id`'s settings unless it has some already (the
/// demo's seed: a merchant's later import stays).
pub async fn settings_if_empty(db: &Db, id: &str, config: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE sites SET config = $1 WHERE id = $2 AND config = '{}'")
        .bind(config)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
