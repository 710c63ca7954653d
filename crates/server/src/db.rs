//! The store: one handle, [`Db`], over SQLite (the embedded default) or
//! PostgreSQL (several nodes sharing one database), chosen by the URL
//! (`--db sqlite://aisle.db`, `--db postgres://user@host/aisle`).
//!
//! [`Db`] is sqlx's `AnyPool`: every store module runs the same runtime
//! queries (`sqlx::query`, `$1` placeholders — SQLite reads `$N` as the N-th
//! argument too) on either backend, and the few statements whose dialects
//! truly differ ask [`is_postgres`] which text to run. Only the types the
//! `Any` driver maps are read and written: `i64` (every integer column is a
//! SQLite `INTEGER` / PostgreSQL `BIGINT`), `f64`, `String`, `Vec<u8>` and
//! their `Option`s — no `bool`, no `u32` (bind `i64::from(x)`), and sums and
//! averages are cast (`CAST(SUM(x) AS BIGINT)`), since PostgreSQL answers
//! `NUMERIC` for them.
//!
//! Migrations are embedded per backend: `crates/server/migrations/`
//! (SQLite) and `crates/server/migrations_pg/` (PostgreSQL), applied on
//! start. On PostgreSQL sqlx's migrator holds `pg_advisory_lock` while it
//! runs, so nodes starting at once against an empty database apply them
//! once, the others waiting; [`exclusive`] gives the demo seeding the same
//! treatment.
//!
//! SQLite latency: SQLite has one writer at a time. With several pooled
//! connections, a write that finds another in progress sleeps in SQLite's
//! busy handler (1, 2, 5, 10, 15… ms) while holding its pool slot, and the
//! write that crosses `wal_autocheckpoint` copies the WAL into the database
//! and syncs it before it returns. Under chat load both put tens of
//! milliseconds on a few percent of messages. So the server uses one SQLite
//! connection — statements queue in order in the pool instead of sleeping,
//! each taking microseconds — and checkpoints run every [`CHECKPOINT_EVERY`]
//! on a connection of their own (WAL checkpoints run beside the writer, not
//! in its way).

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;

/// The store handle: a pool of SQLite or PostgreSQL connections.
pub type Db = sqlx::AnyPool;

/// How often the WAL is checkpointed into the database file (SQLite).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The advisory lock key the demo seeding holds on PostgreSQL ([`exclusive`]).
pub const DEMO_SEED_LOCK: i64 = 0x4149_534c_4544_454d; // "AISLEDEM"

/// Connections one node keeps to PostgreSQL at most.
pub const PG_CONNECTIONS: u32 = 16;

/// The database behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file (or memory), one node.
    Sqlite,
    /// PostgreSQL, shared by any number of nodes.
    Postgres,
}

/// The backend a database URL names, or an error naming the accepted schemes.
pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!(
            "--db {url:?}: expected sqlite://FILE (sqlite::memory: for a throwaway one) or postgres://USER@HOST/DATABASE"
        )
    }
}

/// The backend of `db`.
pub fn backend(db: &Db) -> Backend {
    if db
        .connect_options()
        .database_url
        .scheme()
        .starts_with("postgres")
    {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Whether `db` is PostgreSQL (for the few statements whose text differs).
pub fn is_postgres(db: &Db) -> bool {
    backend(db) == Backend::Postgres
}

/// Opens the database at `url` (a SQLite file is created if missing),
/// applies pending migrations and, on SQLite, starts the background
/// checkpoints (they stop when the pool is closed).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    match backend_of(url)? {
        Backend::Sqlite => connect_sqlite(url).await,
        Backend::Postgres => connect_postgres(url).await,
    }
}

async fn connect_sqlite(url: &str) -> anyhow::Result<Db> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let native = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(if memory {
            SqliteJournalMode::Memory
        } else {
            SqliteJournalMode::Wal
        })
        .busy_timeout(Duration::from_secs(5));
    // Creates the file and switches it to WAL (a setting the file keeps),
    // and is the checkpoints' own connection.
    let checkpoints = if memory {
        None
    } else {
        Some(native.connect().await?)
    };
    // The pool's connections are opened by the Any driver from the URL, so
    // the per-connection settings are applied as they open.
    let pool = AnyPoolOptions::new()
        // One connection: see the module documentation.
        .max_connections(1)
        // An in-memory database lives as long as its one connection.
        .idle_timeout(if memory {
            None
        } else {
            Some(Duration::from_secs(600))
        })
        .max_lifetime(if memory {
            None
        } else {
            Some(Duration::from_secs(1800))
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0",
                )
                .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    if let Some(connection) = checkpoints {
        tokio::spawn(checkpoint(pool.clone(), connection));
    }
    Ok(pool)
}

async fn connect_postgres(url: &str) -> anyhow::Result<Db> {
    let pool = AnyPoolOptions::new()
        .max_connections(PG_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    // sqlx's PostgreSQL migrator takes `pg_advisory_lock` for the run:
    // nodes starting together apply each migration once.
    sqlx::migrate!("./migrations_pg").run(&pool).await?;
    Ok(pool)
}

/// Runs `work` while holding the cluster-wide lock `key` (PostgreSQL: a
/// session advisory lock on a connection of its own, so other nodes wait;
/// SQLite: one process, nothing to take). Used for the demo seeding, whose
/// "insert unless there" steps must not interleave across nodes.
pub async fn exclusive<T, F>(db: &Db, key: i64, work: F) -> anyhow::Result<T>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    if !is_postgres(db) {
        return work.await;
    }
    let mut lock = db.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut *lock)
        .await?;
    let result = work.await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        // The session ends with the connection, and its lock with it.
        let _ = lock.detach().close().await;
    }
    result
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] until `pool` is closed.
/// PASSIVE: it copies what no reader still needs and never waits for the writer.
async fn checkpoint(pool: Db, mut connection: SqliteConnection) {
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
pub async fn ping(db: &Db) -> Result<(), sqlx::Error> {
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

/// The current Unix time in milliseconds (heartbeats, failure windows).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
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

    #[test]
    fn the_url_names_the_backend() {
        use super::{Backend, backend_of};
        assert_eq!(backend_of("sqlite://aisle.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            backend_of("postgres://aisle@db/aisle").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            backend_of("postgresql://aisle@db/aisle").unwrap(),
            Backend::Postgres
        );
        assert!(backend_of("mysql://x").is_err());
    }
}
