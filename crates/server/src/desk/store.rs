//! What the desk reads and writes in the database: pages of the site's
//! return requests and tickets, and marking them done. The desk's handlers
//! call these functions only; a second database backend replaces this file.

use crate::db::Db;

/// The `WHERE` clause after `site_id = ?` for a page of a newest-first list:
/// binds `before` (created_at twice, then rowid; NULLs on the first page)
/// and `limit + 1`.
const PAGE_SQL: &str = "AND ($2 IS NULL OR created_at < $2 OR (created_at = $2 AND rowid < $3)) \
     ORDER BY created_at DESC, rowid DESC LIMIT $4";

/// A return request as the desk lists it: rowid, reference, order, email,
/// items (JSON), reason, comment, status, created_at.
pub type ReturnRow = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// A ticket as the desk lists it: rowid, reference, kind, order, email,
/// issue, body, context (JSON), status, created_at.
pub type TicketRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
);

/// Up to `rows` of `site`'s return requests, newest first, strictly older
/// than `before` (created_at, rowid) when given.
pub async fn return_requests_page(
    db: &Db,
    site: &str,
    before: Option<(i64, i64)>,
    rows: i64,
) -> sqlx::Result<Vec<ReturnRow>> {
    page(
        db,
        "SELECT rowid, reference, order_number, email, items, reason, comment, status, created_at \
         FROM return_requests",
        site,
        before,
        rows,
    )
    .await
}

/// Up to `rows` of `site`'s tickets, newest first, strictly older than
/// `before` (created_at, rowid) when given.
pub async fn tickets_page(
    db: &Db,
    site: &str,
    before: Option<(i64, i64)>,
    rows: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    page(
        db,
        "SELECT rowid, reference, kind, order_number, email, issue, body, context, status, created_at \
         FROM tickets",
        site,
        before,
        rows,
    )
    .await
}

/// One page of `select` (a `SELECT … FROM table`) for `site`, newest first.
async fn page<R>(
    db: &Db,
    select: &str,
    site: &str,
    before: Option<(i64, i64)>,
    rows: i64,
) -> sqlx::Result<Vec<R>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(&format!("{select} WHERE site_id = $1 {PAGE_SQL}"))
        .bind(site)
        .bind(before.map(|(at, _)| at))
        .bind(before.map(|(_, row)| row))
        .bind(rows)
        .fetch_all(db)
        .await
}

/// What the desk marks done: a ticket or a return request.
#[derive(Debug, Clone, Copy)]
pub enum Record {
    /// A row of `tickets`.
    Ticket,
    /// A row of `return_requests`.
    Return,
}

impl Record {
    /// The table it lives in.
    pub fn table(self) -> &'static str {
        match self {
            Record::Ticket => "tickets",
            Record::Return => "return_requests",
        }
    }
}

/// Marks `site`'s `record` `reference` done by `agent` at `at`; whether the site has it.
pub async fn mark_done(
    db: &Db,
    record: Record,
    site: &str,
    reference: &str,
    agent: i64,
    at: i64,
) -> sqlx::Result<bool> {
    let sql = format!(
        "UPDATE {} SET status = 'done', done_by = $1, done_at = $2 WHERE reference = $3 AND site_id = $4",
        record.table()
    );
    let updated = sqlx::query(&sql)
        .bind(agent)
        .bind(at)
        .bind(reference)
        .bind(site)
        .execute(db)
        .await?
        .rows_affected();
    Ok(updated > 0)
}

// ------------------------------------------------------------------ macros

/// Adds macro `id` of `site` unless the site has one with that id; whether it did.
#[allow(clippy::too_many_arguments)]
pub async fn insert_macro_if_missing(
    db: &Db,
    site: &str,
    id: &str,
    title: &str,
    body: &str,
    position: i64,
    at: i64,
) -> sqlx::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO macros (site_id, id, title, body, position, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(id)
    .bind(title)
    .bind(body)
    .bind(position)
    .bind(at)
    .execute(db)
    .await?
    .rows_affected();
    Ok(added > 0)
}

/// `site`'s macros in picker order: (id, title, body).
pub async fn macros(db: &Db, site: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as("SELECT id, title, body FROM macros WHERE site_id = $1 ORDER BY position, title")
        .bind(site)
        .fetch_all(db)
        .await
}

/// How many macros `site` has, and the last picker position (`None` without macros).
pub async fn macro_count(db: &Db, site: &str) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as("SELECT COUNT(*), MAX(position) FROM macros WHERE site_id = $1")
        .bind(site)
        .fetch_one(db)
        .await
}

/// Changes macro `id` of `site`; whether it exists.
pub async fn update_macro(
    db: &Db,
    site: &str,
    id: &str,
    title: &str,
    body: &str,
) -> sqlx::Result<bool> {
    let changed =
        sqlx::query("UPDATE macros SET title = $1, body = $2 WHERE site_id = $3 AND id = $4")
            .bind(title)
            .bind(body)
            .bind(site)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected();
    Ok(changed > 0)
}

/// Deletes macro `id` of `site`; whether it existed.
pub async fn delete_macro(db: &Db, site: &str, id: &str) -> sqlx::Result<bool> {
    let gone = sqlx::query("DELETE FROM macros WHERE site_id = $1 AND id = $2")
        .bind(site)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(gone > 0)
}

// -------------------------------------------------------------------- tags

/// `site`'s tag list by name (whatever the case): (id, name).
pub async fn tags(db: &Db, site: &str) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM site_tags WHERE site_id = $1 ORDER BY lower(name), id")
        .bind(site)
        .fetch_all(db)
        .await
}

/// How many tags `site` lists.
pub async fn tag_count(db: &Db, site: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM site_tags WHERE site_id = $1")
        .bind(site)
        .fetch_one(db)
        .await
}

/// Adds tag `name` to `site`'s list; its id. A unique violation: the site
/// lists it already (whatever the case).
pub async fn insert_tag(db: &Db, site: &str, name: &str, at: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO site_tags (site_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(site)
    .bind(name)
    .bind(at)
    .fetch_one(db)
    .await
}

/// Renames tag `id` of `site`; whether it exists (a unique violation as
/// [`insert_tag`]).
pub async fn rename_tag(db: &Db, site: &str, id: i64, name: &str) -> sqlx::Result<bool> {
    let changed = sqlx::query("UPDATE site_tags SET name = $1 WHERE id = $2 AND site_id = $3")
        .bind(name)
        .bind(id)
        .bind(site)
        .execute(db)
        .await?
        .rows_affected();
    Ok(changed > 0)
}

/// Deletes tag `id` of `site`; whether it existed.
pub async fn delete_tag(db: &Db, site: &str, id: i64) -> sqlx::Result<bool> {
    let gone = sqlx::query("DELETE FROM site_tags WHERE id = $1 AND site_id = $2")
        .bind(id)
        .bind(site)
        .execute(db)
        .await?
        .rows_affected();
    Ok(gone > 0)
}
