//! The store actions ledger (table `store_actions`): every cancel and return
//! Aisle sends to a merchant's store is claimed here under an idempotency key
//! first, and its outcome recorded. The stores' repository for it.

use super::StoreError;
use crate::db::Db;

/// Cancels and returns sent to a store, claimed under an idempotency key
/// before they are sent (table `store_actions`), so a double click or a retry
/// never makes two.
#[derive(Debug, Clone)]
pub struct Actions<'a> {
    db: &'a Db,
    site: &'a str,
}

impl<'a> Actions<'a> {
    /// The actions of `site`.
    pub fn new(db: &'a Db, site: &'a str) -> Self {
        Actions { db, site }
    }

    /// Claims `key` for an action of `kind` (`cancel`, `return`) on `order`:
    /// `None` when this call may send it, else the earlier outcome
    /// `(status, detail)`. A failed attempt may be taken over by one retry.
    pub async fn claim(
        &self,
        key: &str,
        kind: &str,
        order: u32,
    ) -> Result<Option<(String, String)>, StoreError> {
        let db = |e: sqlx::Error| StoreError::Unreachable(format!("database: {e}"));
        let now = crate::db::now();
        let claimed = sqlx::query(
            "INSERT INTO store_actions (site_id, key, kind, order_number, status, detail, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'sent', '', $5, $6) ON CONFLICT (site_id, key) DO NOTHING",
        )
        .bind(self.site)
        .bind(key)
        .bind(kind)
        .bind(i64::from(order))
        .bind(now)
        .bind(now)
        .execute(self.db)
        .await
        .map_err(db)?
        .rows_affected();
        if claimed == 1 {
            return Ok(None);
        }
        let retaken = sqlx::query(
            "UPDATE store_actions SET status = 'sent', updated_at = $1 \
             WHERE site_id = $2 AND key = $3 AND status = 'failed'",
        )
        .bind(now)
        .bind(self.site)
        .bind(key)
        .execute(self.db)
        .await
        .map_err(db)?
        .rows_affected();
        if retaken == 1 {
            return Ok(None);
        }
        let row: (String, String) = sqlx::query_as(
            "SELECT status, detail FROM store_actions WHERE site_id = $1 AND key = $2",
        )
        .bind(self.site)
        .bind(key)
        .fetch_one(self.db)
        .await
        .map_err(db)?;
        Ok(Some(row))
    }

    /// Records how the action under `key` ended.
    pub async fn settle(&self, key: &str, status: &str, detail: &str) {
        let result = sqlx::query(
            "UPDATE store_actions SET status = $1, detail = $2, updated_at = $3 WHERE site_id = $4 AND key = $5",
        )
        .bind(status)
        .bind(detail)
        .bind(crate::db::now())
        .bind(self.site)
        .bind(key)
        .execute(self.db)
        .await;
        if let Err(e) = result {
            tracing::error!(site = self.site, key, error = %e, "recording a store action failed");
        }
    }
}
