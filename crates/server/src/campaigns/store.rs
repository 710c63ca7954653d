//! What campaigns read and write in the database: versions of the campaign
//! file, event counts, attribution (touches and purchases) and pooled
//! discount codes. [`super`], [`crate::attribution`], [`crate::offers`] and
//! [`crate::campaign_editor`] call these functions only; the SQL runs on
//! SQLite and PostgreSQL alike ([`crate::db`]).

use crate::db::{Db, is_postgres};

/// Stores `source` as `site`'s next campaign version (pushed by
/// `pushed_by`, `None` for the command line, at `at`); the version, or
/// `None` when there is no such site. The site's `last_campaign_version` is
/// bumped in the same transaction, so pushes racing on any node get
/// consecutive versions.
pub async fn push_version(
    db: &Db,
    site: &str,
    source: &str,
    pushed_by: Option<&str>,
    at: i64,
) -> sqlx::Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let next: Option<i64> = sqlx::query_scalar(
        "UPDATE sites SET last_campaign_version = last_campaign_version + 1 WHERE id = $1 \
         RETURNING last_campaign_version",
    )
    .bind(site)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(next) = next else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO campaign_versions (site_id, version, source, pushed_at, pushed_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(site)
    .bind(next)
    .bind(source)
    .bind(at)
    .bind(pushed_by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(next))
}

/// The live (newest) version of `site`'s campaigns: version and source.
pub async fn live(db: &Db, site: &str) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT version, source FROM campaign_versions WHERE site_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(site)
    .fetch_optional(db)
    .await
}

/// `site`'s newest `limit` versions: (version, pushed_at, pushed_by).
pub async fn versions(
    db: &Db,
    site: &str,
    limit: i64,
) -> sqlx::Result<Vec<(i64, i64, Option<String>)>> {
    sqlx::query_as(
        "SELECT version, pushed_at, pushed_by FROM campaign_versions WHERE site_id = $1 \
         ORDER BY version DESC LIMIT $2",
    )
    .bind(site)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Counts one `kind` event of `campaign` (and of its `variant`, if any) on `day`.
pub async fn count_event(
    db: &Db,
    site: &str,
    campaign: &str,
    variant: Option<&str>,
    day: &str,
    kind: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO campaign_events (site_id, campaign_id, day, kind, count) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (site_id, campaign_id, day, kind) DO UPDATE SET count = campaign_events.count + 1",
    )
    .bind(site)
    .bind(campaign)
    .bind(day)
    .bind(kind)
    .execute(db)
    .await?;
    if let Some(variant) = variant {
        sqlx::query(
            "INSERT INTO campaign_variant_events (site_id, campaign_id, variant, day, kind, count) \
             VALUES ($1, $2, $3, $4, $5, 1) \
             ON CONFLICT (site_id, campaign_id, variant, day, kind) \
             DO UPDATE SET count = campaign_variant_events.count + 1",
        )
        .bind(site)
        .bind(campaign)
        .bind(variant)
        .bind(day)
        .bind(kind)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Makes `campaign` (and `variant`) `visitor`'s last touch at `at`, and
/// forgets `site`'s touches before `forget_before`.
pub async fn touch(
    db: &Db,
    site: &str,
    visitor: &str,
    campaign: &str,
    variant: Option<&str>,
    at: i64,
    forget_before: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO campaign_touches (site_id, visitor, campaign_id, at, variant) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (site_id, visitor) DO UPDATE SET campaign_id = excluded.campaign_id, \
           at = excluded.at, variant = excluded.variant",
    )
    .bind(site)
    .bind(visitor)
    .bind(campaign)
    .bind(at)
    .bind(variant)
    .execute(db)
    .await?;
    sqlx::query("DELETE FROM campaign_touches WHERE site_id = $1 AND at < $2")
        .bind(site)
        .bind(forget_before)
        .execute(db)
        .await?;
    Ok(())
}

/// A purchase to record.
#[derive(Debug, Clone, Copy)]
pub struct NewPurchase<'a> {
    /// The store's order reference.
    pub order: &'a str,
    /// The loader's visitor id.
    pub visitor: &'a str,
    /// Thousandths of the currency unit.
    pub value_milli: i64,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// The UTC day of `at`.
    pub day: &'a str,
    /// When, Unix seconds.
    pub at: i64,
    /// Touches at or after this count (the attribution window's start).
    pub touched_since: i64,
}

/// Records `purchase` once per order, attributed to the visitor's touch in
/// the window (one statement: the touch is read and the order inserted
/// atomically, and the primary key makes later reports no-ops). Whether it
/// was counted now, and the campaign the order is attributed to.
pub async fn record_purchase(
    db: &Db,
    site: &str,
    p: &NewPurchase<'_>,
) -> sqlx::Result<(bool, Option<String>)> {
    let result = sqlx::query(
        "INSERT INTO campaign_conversions \
           (site_id, order_ref, campaign_id, visitor, value_milli, currency, day, at, variant) \
         VALUES ($1, $2, \
           (SELECT campaign_id FROM campaign_touches \
             WHERE site_id = $1 AND visitor = $3 AND at >= $4), \
           $3, $5, $6, $7, $8, \
           (SELECT variant FROM campaign_touches \
             WHERE site_id = $1 AND visitor = $3 AND at >= $4)) \
         ON CONFLICT (site_id, order_ref) DO NOTHING",
    )
    .bind(site)
    .bind(p.order)
    .bind(p.visitor)
    .bind(p.touched_since)
    .bind(p.value_milli)
    .bind(p.currency)
    .bind(p.day)
    .bind(p.at)
    .execute(db)
    .await?;
    let campaign: Option<String> = sqlx::query_scalar(
        "SELECT campaign_id FROM campaign_conversions WHERE site_id = $1 AND order_ref = $2",
    )
    .bind(site)
    .bind(p.order)
    .fetch_one(db)
    .await?;
    Ok((result.rows_affected() == 1, campaign))
}

/// `site`'s campaign events per day: (campaign, day, kind, count).
pub async fn events(db: &Db, site: &str) -> sqlx::Result<Vec<(String, String, String, i64)>> {
    sqlx::query_as("SELECT campaign_id, day, kind, count FROM campaign_events WHERE site_id = $1")
        .bind(site)
        .fetch_all(db)
        .await
}

/// `site`'s attributed sales per campaign, day and currency: (campaign,
/// day, currency, orders, thousandths).
pub async fn sales(db: &Db, site: &str) -> sqlx::Result<Vec<(String, String, String, i64, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, day, currency, COUNT(*), CAST(SUM(value_milli) AS BIGINT) FROM campaign_conversions \
         WHERE site_id = $1 AND campaign_id IS NOT NULL GROUP BY campaign_id, day, currency",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// `site`'s events per campaign variant: (campaign, variant, kind, count).
pub async fn variant_events(
    db: &Db,
    site: &str,
) -> sqlx::Result<Vec<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, variant, kind, CAST(SUM(count) AS BIGINT) FROM campaign_variant_events \
         WHERE site_id = $1 GROUP BY campaign_id, variant, kind",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// `site`'s attributed sales per campaign variant and currency: (campaign,
/// variant, currency, orders, thousandths).
pub async fn variant_sales(
    db: &Db,
    site: &str,
) -> sqlx::Result<Vec<(String, String, String, i64, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, variant, currency, COUNT(*), CAST(SUM(value_milli) AS BIGINT) FROM campaign_conversions \
         WHERE site_id = $1 AND campaign_id IS NOT NULL AND variant IS NOT NULL \
         GROUP BY campaign_id, variant, currency",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// The code `visitor` holds for `campaign`, if any.
pub async fn held_code(
    db: &Db,
    site: &str,
    campaign: &str,
    visitor: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT code FROM campaign_codes WHERE site_id = $1 AND campaign_id = $2 AND visitor = $3",
    )
    .bind(site)
    .bind(campaign)
    .bind(visitor)
    .fetch_optional(db)
    .await
}

/// Records `code` as `visitor`'s code of `campaign` (one the store created
/// for them). A unique violation: the visitor already holds one (a parallel
/// request won), or, rarely, the code exists.
pub async fn hand_new_code(
    db: &Db,
    site: &str,
    campaign: &str,
    code: &str,
    visitor: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO campaign_codes (site_id, campaign_id, code, visitor, handed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(site)
    .bind(campaign)
    .bind(code)
    .bind(visitor)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets `code` of `campaign` (the store did not create it after all).
pub async fn forget_code(db: &Db, site: &str, campaign: &str, code: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM campaign_codes WHERE site_id = $1 AND campaign_id = $2 AND code = $3")
        .bind(site)
        .bind(campaign)
        .bind(code)
        .execute(db)
        .await?;
    Ok(())
}

/// How many codes `campaign` holds, free and handed out.
pub async fn codes_held(db: &Db, site: &str, campaign: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_codes WHERE site_id = $1 AND campaign_id = $2",
    )
    .bind(site)
    .bind(campaign)
    .fetch_one(db)
    .await
}

/// Hands `visitor` a free code of `campaign` at `at`; `None` when none is
/// free. A unique violation: the visitor got one in a parallel request.
pub async fn claim_code(
    db: &Db,
    site: &str,
    campaign: &str,
    visitor: &str,
    at: i64,
) -> sqlx::Result<Option<String>> {
    // PostgreSQL: racing requests skip a code another one is claiming (the
    // row lock), so no code goes to two visitors and none waits for nothing.
    let sql = if is_postgres(db) {
        "UPDATE campaign_codes SET visitor = $3, handed_at = $4 \
         WHERE site_id = $1 AND campaign_id = $2 AND visitor IS NULL \
           AND code = (SELECT code FROM campaign_codes \
                       WHERE site_id = $1 AND campaign_id = $2 AND visitor IS NULL \
                       LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING code"
    } else {
        "UPDATE campaign_codes SET visitor = $3, handed_at = $4 \
         WHERE rowid = (SELECT rowid FROM campaign_codes \
                        WHERE site_id = $1 AND campaign_id = $2 AND visitor IS NULL LIMIT 1) \
         RETURNING code"
    };
    sqlx::query_scalar(sql)
        .bind(site)
        .bind(campaign)
        .bind(visitor)
        .bind(at)
        .fetch_optional(db)
        .await
}

/// Adds `codes` to `campaign`'s pool in one transaction, unless the pool
/// would then hold more than `max`: `Ok(added)`, or `Err((held, added))`
/// (the pool's size with them, and how many were new) and nothing added.
pub async fn add_codes(
    db: &Db,
    site: &str,
    campaign: &str,
    codes: &[&str],
    max: i64,
) -> sqlx::Result<Result<u64, (i64, u64)>> {
    let mut tx = db.begin().await?;
    let mut added = 0u64;
    for code in codes {
        let result = sqlx::query(
            "INSERT INTO campaign_codes (site_id, campaign_id, code) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(site)
        .bind(campaign)
        .bind(code)
        .execute(&mut *tx)
        .await?;
        added += result.rows_affected();
    }
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_codes WHERE site_id = $1 AND campaign_id = $2",
    )
    .bind(site)
    .bind(campaign)
    .fetch_one(&mut *tx)
    .await?;
    if held > max {
        return Ok(Err((held, added)));
    }
    tx.commit().await?;
    Ok(Ok(added))
}

/// Per campaign of `site` with a pool: (campaign, codes left, codes handed out).
pub async fn code_counts(db: &Db, site: &str) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, CAST(SUM(CASE WHEN visitor IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN visitor IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
         FROM campaign_codes WHERE site_id = $1 GROUP BY campaign_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}
