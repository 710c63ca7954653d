//! What orders pushed by a merchant's system keep in the database: the
//! orders (`pushed_orders`), the site's push token (`site_tokens`, its
//! SHA-256 only) and the requests sent to the merchant (`push_deliveries`,
//! dead letters included). [`super::push`] calls these functions only; a
//! second database backend replaces this file.

use super::StoreOrder;
use crate::db::Db;

/// Stores `orders` for `site` (inserted, or replacing the same number) in
/// one transaction; drops them from the order cache.
pub async fn upsert(db: &Db, site: &str, orders: &[(StoreOrder, String)]) -> anyhow::Result<usize> {
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    for (order, email) in orders {
        sqlx::query(
            "INSERT INTO pushed_orders (site_id, number, email, state, placed_at, payload, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site_id, number) DO UPDATE SET \
             email = excluded.email, state = excluded.state, placed_at = excluded.placed_at, \
             payload = excluded.payload, updated_at = excluded.updated_at",
        )
        .bind(site)
        .bind(i64::from(order.view.number.0))
        .bind(email)
        .bind(order.view.state.as_str())
        .bind(order.view.placed_at)
        .bind(serde_json::to_string(order)?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(orders.len())
}

/// A new push token for `site`, replacing any earlier one (only its
/// SHA-256 is kept).
pub async fn new_token(db: &Db, site: &str) -> anyhow::Result<String> {
    use rand::Rng;
    let token = format!(
        "aisle_push_{:032x}{:032x}",
        rand::rng().random::<u128>(),
        rand::rng().random::<u128>()
    );
    sqlx::query(
        "INSERT INTO site_tokens (site_id, digest, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (site_id) DO UPDATE SET digest = excluded.digest, created_at = excluded.created_at",
    )
    .bind(site)
    .bind(crate::db::digest(&token))
    .bind(crate::db::now())
    .execute(db)
    .await?;
    Ok(token)
}

/// Whether `token` is `site`'s push token (looked up by its digest, as
/// agent sessions are).
pub async fn token_ok(db: &Db, site: &str, token: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM site_tokens WHERE site_id = $1 AND digest = $2")
            .bind(site)
            .bind(crate::db::digest(token))
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// The pushed order `number` of `site`: (email, the order as JSON).
pub async fn order(db: &Db, site: &str, number: u32) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT email, payload FROM pushed_orders WHERE site_id = $1 AND number = $2")
        .bind(site)
        .bind(i64::from(number))
        .fetch_optional(db)
        .await
}

/// The email pushed order `number` of `site` was placed with.
pub async fn email_of(db: &Db, site: &str, number: u32) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT email FROM pushed_orders WHERE site_id = $1 AND number = $2")
        .bind(site)
        .bind(i64::from(number))
        .fetch_optional(db)
        .await
}

/// `site`'s pushed orders placed with `email`, newest first: (number, state).
pub async fn orders_of(
    db: &Db,
    site: &str,
    email: &str,
    limit: i64,
) -> sqlx::Result<Vec<(u32, String)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT number, state FROM pushed_orders WHERE site_id = $1 AND email = $2 \
         ORDER BY placed_at DESC LIMIT $3",
    )
    .bind(site)
    .bind(email)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, state)| Some((u32::try_from(number).ok()?, state)))
        .collect())
}

/// Marks pushed order `number` cancelled, with its updated JSON `payload`.
pub async fn mark_cancelled(
    db: &Db,
    site: &str,
    number: u32,
    payload: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE pushed_orders SET state = 'cancelled', payload = $1, updated_at = $2 WHERE site_id = $3 AND number = $4",
    )
    .bind(payload)
    .bind(at)
    .bind(site)
    .bind(i64::from(number))
    .execute(db)
    .await?;
    Ok(())
}

/// Records a request to the merchant under idempotency `key` as being sent
/// (a request already recorded under `key` is sent again); its id.
pub async fn open_delivery(
    db: &Db,
    site: &str,
    key: &str,
    kind: &str,
    order: u32,
    body: &str,
    at: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO push_deliveries (site_id, key, kind, order_number, body, status, attempts, last_error, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'sending', 0, '', $6, $7) \
         ON CONFLICT (site_id, key) DO UPDATE SET status = 'sending', updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(site)
    .bind(key)
    .bind(kind)
    .bind(i64::from(order))
    .bind(body)
    .bind(at)
    .bind(at)
    .fetch_one(db)
    .await
}

/// Counts one more attempt at delivery `id`.
pub async fn count_attempt(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE push_deliveries SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records how delivery `id` ended (`done`, `processing`, `refused`, `failed`).
pub async fn settle_delivery(
    db: &Db,
    id: i64,
    status: &str,
    error: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE push_deliveries SET status = $1, last_error = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status)
    .bind(error)
    .bind(at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A dead letter: id, kind, order, status, attempts, error, created, updated.
pub type DeadLetter = (i64, String, i64, String, i64, String, i64, i64);

/// `site`'s undelivered requests, newest first, at most `limit`.
pub async fn dead_letters(db: &Db, site: &str, limit: i64) -> sqlx::Result<Vec<DeadLetter>> {
    sqlx::query_as(
        "SELECT id, kind, order_number, status, attempts, last_error, created_at, updated_at \
         FROM push_deliveries WHERE site_id = $1 AND status = 'failed' \
         ORDER BY updated_at DESC, id DESC LIMIT $2",
    )
    .bind(site)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes dead letter `id` of `site` back to be sent again: (key, kind,
/// order, body); `None` when there is no such dead letter.
pub async fn retake_dead_letter(
    db: &Db,
    site: &str,
    id: i64,
    at: i64,
) -> sqlx::Result<Option<(String, String, i64, String)>> {
    sqlx::query_as(
        "UPDATE push_deliveries SET status = 'sending', updated_at = $1 \
         WHERE id = $2 AND site_id = $3 AND status = 'failed' RETURNING key, kind, order_number, body",
    )
    .bind(at)
    .bind(id)
    .bind(site)
    .fetch_optional(db)
    .await
}
