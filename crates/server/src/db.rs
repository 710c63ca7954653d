//! The SQLite store: opening the database file and applying migrations.
//!
//! Migrations live in `crates/server/migrations/` and are embedded in the
//! binary, so `aisle serve --db sqlite://path.db` creates and upgrades the file
//! on start.
//!
//! Latency: SQLite has one writer at a time. With several pooled connections,
//! a write that finds another in progress sleeps in SQLite's busy handler
//! (1, 2, 5, 10, 15… ms) while holding its pool slot, and the write that
//! crosses `wal_autocheckpoint` copies the WAL into the database and syncs it
//! before it returns. Under chat load both put tens of milliseconds on a few
//! percent of messages. So the server uses one connection — statements queue
//! in order in the pool instead of sleeping, each taking microseconds — and
//! checkpoints run every [`CHECKPOINT_EVERY`] on a connection of their own
//! (WAL checkpoints run beside the writer, not in its way).

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// How often the WAL is checkpointed into the database file.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Opens (creating if missing) the database at `url`, applies pending
/// migrations and starts the background checkpoints (they stop when the pool
/// is closed).
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        // One connection: see the module documentation.
        .max_connections(1)
        // Checkpoints are the background task's job.
        .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    let checkpoints = options.connect().await?;
    tokio::spawn(checkpoint(pool.clone(), checkpoints));
    Ok(pool)
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] until `pool` is closed.
/// PASSIVE: it copies what no reader still needs and never waits for the writer.
async fn checkpoint(pool: SqlitePool, mut connection: SqliteConnection) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if pool.is_closed() {
            break;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut connection)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
        }
    }
    let _ = connection.close().await;
}

/// Whether the database answers (`/healthz`).
pub async fn ping(db: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(db).await.map(|_| ())
}

/// The SHA-256 (hex) the database keeps in place of a secret token (agent
/// sessions, resume tokens, push tokens), so a leaked database or backup
/// holds no usable token.
pub fn digest(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Current time as Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_tokens_are_sha256_digests() {
        let digest = super::digest("abc");
        assert_eq!(digest.len(), 64);
        assert_ne!(digest, "abc");
        assert_eq!(digest, super::digest("abc"));
        assert_ne!(digest, super::digest("abd"));
    }
}
