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
