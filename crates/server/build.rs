//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds
//! the files of `migrations/` (SQLite) and `migrations_pg/` (PostgreSQL)
//! but does not watch the directories for new ones.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations_pg");
}
