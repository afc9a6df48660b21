//! The server's SQLite file: opening, pragmas, migrations, and the one connection every
//! request goes through.
//!
//! One connection behind a tokio mutex, used on the blocking pool: SQLite has one writer at
//! a time anyway, and a push must read and write in one transaction. `synchronous=FULL`
//! (with WAL): an accepted change is acknowledged to a device that then drops it from its
//! outbox, so the commit must be on disk before the answer leaves, even after a power cut;
//! at a county's write rate the extra fsync per commit costs nothing that matters.

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::Mutex;

use crate::error::AppError;

/// The embedded migrations, applied in order; `PRAGMA user_version` counts those applied.
/// A migration that has landed is never edited: add a new one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001-init",
        include_str!("../../../migrations/server/0001-init/up.sql"),
    ),
    (
        "0002-subject-index",
        include_str!("../../../migrations/server/0002-subject-index/up.sql"),
    ),
];

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("数据库打不开：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库版本 {found} 比本程序认识的 {known} 新，请升级 jiandang")]
    TooNew { found: i64, known: i64 },
}

/// Opens (or creates) the file and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies the migrations not yet applied, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if applied > known {
        return Err(DbError::TooNew {
            found: applied,
            known,
        });
    }
    for (index, (_name, sql)) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The shared connection.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    pub fn new(conn: Connection) -> Db {
        Db {
            conn: Arc::new(Mutex::new(conn)),
        }
    }

    /// Runs `f` with the connection on the blocking pool, one caller at a time.
    pub async fn call<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        let guard = self.conn.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let mut conn = guard;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }
}
