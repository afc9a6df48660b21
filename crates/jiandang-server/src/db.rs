//! The server's SQLite file: opening, pragmas, migrations, and the connections requests go
//! through.
//!
//! One writer connection behind a tokio mutex, used on the blocking pool: SQLite has one
//! writer at a time anyway, and a push must read and write in one transaction. Pushes share
//! the writer's transactions by group commit; reads go to reader connections.
//! `synchronous=FULL` (with WAL): an accepted change is acknowledged to a device that then drops it from its
//! outbox, so the commit must be on disk before the answer leaves, even after a power cut;
//! group commit makes that one fsync for all the change sets waiting at that moment.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use tokio::sync::{Mutex, Semaphore, oneshot};

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
    (
        "0003-blob-scope",
        include_str!("../../../migrations/server/0003-blob-scope/up.sql"),
    ),
    (
        "0004-export-log",
        include_str!("../../../migrations/server/0004-export-log/up.sql"),
    ),
    (
        "0005-county-policy",
        include_str!("../../../migrations/server/0005-county-policy/up.sql"),
    ),
    (
        "0006-bundle-findings",
        include_str!("../../../migrations/server/0006-bundle-findings/up.sql"),
    ),
    (
        "0007-spot-checks",
        include_str!("../../../migrations/server/0007-spot-checks/up.sql"),
    ),
    (
        "0008-dashboard",
        include_str!("../../../migrations/server/0008-dashboard/up.sql"),
    ),
    (
        "0009-id-index",
        include_str!("../../../migrations/server/0009-id-index/up.sql"),
    ),
    (
        "0010-server-identity",
        include_str!("../../../migrations/server/0010-server-identity/up.sql"),
    ),
    (
        "0011-device-loss",
        include_str!("../../../migrations/server/0011-device-loss/up.sql"),
    ),
];

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("数据库打不开：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库版本 {found} 比本程序认识的 {known} 新，请升级 jiandang")]
    TooNew { found: i64, known: i64 },
    #[error("县级政策参数读不出：{0}")]
    Policy(String),
}

/// Opens (or creates) the file and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    stable_plans(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies the migrations not yet applied, each in its own transaction.
///
/// Hand-written rather than `rusqlite_migration`: its latest release (2.6) is built on
/// rusqlite 0.40 and the workspace is on 0.43 (two `libsqlite3-sys` cannot link together). The
/// scheme is the crate's (`user_version` counts the applied migrations), so a swap when it
/// catches up keeps every existing file's version.
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

/// Readers kept open beside the writer (WAL lets them read while it writes).
const READERS: usize = 4;
/// Most change sets one group commit takes in; the rest wait for the next one.
const MAX_GROUP: usize = 64;

/// The database as the handlers see it: one writer connection, a few reader connections,
/// and group commit for pushes.
///
/// - [`Db::call`]: one caller at a time on the writer, in its own transactions.
/// - [`Db::read`]: a reader connection (sign-in checks, pull, snapshot, history, blob
///   reads), so reads never queue behind writes.
/// - [`Db::call_grouped`]: the job runs in a savepoint of a transaction shared with the other
///   jobs waiting at that moment, and its answer is released only after that transaction
///   committed: one fsync for many change sets, and nothing acknowledged before it is on
///   disk. A job that fails rolls back its savepoint alone.
#[derive(Clone)]
pub struct Db {
    writer: Arc<Mutex<Connection>>,
    readers: Option<Arc<Readers>>,
    queue: Arc<std::sync::Mutex<VecDeque<GroupJob>>>,
    groups: Arc<AtomicU64>,
}

struct Readers {
    path: PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
    permits: Semaphore,
}

/// A job of a group commit.
trait Job: Send {
    /// Runs on the shared transaction; says whether it succeeded, and gives back what to do
    /// once the transaction has committed (`None`) or failed (the error).
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Finish);
    /// Answers without running (the transaction could not begin).
    fn fail(self: Box<Self>, error: AppError);
}

type GroupJob = Box<dyn Job>;
type Finish = Box<dyn FnOnce(Option<AppError>) + Send>;

struct Pending<R, F> {
    f: F,
    answer: oneshot::Sender<Result<R, AppError>>,
}

impl<R, F> Job for Pending<R, F>
where
    R: Send + 'static,
    F: FnOnce(&Connection) -> Result<R, AppError> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Finish) {
        let Pending { f, answer } = *self;
        let out = f(conn);
        let ok = out.is_ok();
        let finish: Finish = Box::new(move |failed: Option<AppError>| {
            let _ = answer.send(match (out, failed) {
                (Ok(_), Some(e)) => Err(e),
                (out, _) => out,
            });
        });
        (ok, finish)
    }

    fn fail(self: Box<Self>, error: AppError) {
        let _ = self.answer.send(Err(error));
    }
}

impl Db {
    /// A database with the writer only (reads share it).
    pub fn new(conn: Connection) -> Db {
        Db {
            writer: Arc::new(Mutex::new(conn)),
            readers: None,
            queue: Arc::default(),
            groups: Arc::default(),
        }
    }

    /// A database on a file, with reader connections opened on it as needed and the WAL
    /// checkpointed in the background.
    ///
    /// The writer's own automatic checkpoint ran inside a commit: every few hundred pushes
    /// one of them copied the WAL into the database and fsynced it while every other push
    /// waited (p99 over 1 s in the bench's peak). A thread of its own now checkpoints
    /// (PASSIVE: it never blocks the writer or the readers) every [`CHECKPOINT_EVERY`]; the
    /// writer keeps an automatic checkpoint only as a backstop, at a far larger WAL.
    pub fn with_readers(conn: Connection, path: &Path) -> Db {
        // Best effort: the pragma cannot fail on a file in WAL mode.
        let _ = conn.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES);
        let db = Db {
            readers: Some(Arc::new(Readers {
                path: path.to_owned(),
                idle: std::sync::Mutex::new(Vec::new()),
                permits: Semaphore::new(READERS),
            })),
            ..Db::new(conn)
        };
        spawn_checkpointer(path.to_owned(), Arc::downgrade(&db.writer));
        db
    }

    /// Runs `f` with the writer connection on the blocking pool, one caller at a time.
    pub async fn call<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        let guard = self.writer.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let mut conn = guard;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` on a reader connection (the writer when the database has no readers). `f`
    /// must not write: the connection is `query_only`.
    pub async fn read<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.call(f).await;
        };
        let _permit = readers
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::internal("reader pool closed"))?;
        let pool = readers.clone();
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().ok().and_then(|mut v| v.pop());
            let mut conn = match idle {
                Some(conn) => conn,
                None => open_reader(&pool.path)?,
            };
            let out = f(&mut conn);
            // A connection left inside a transaction by a failed read is not reused.
            if conn.is_autocommit()
                && let Ok(mut idle) = pool.idle.lock()
            {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// How many group commits have run (each one transaction, one fsync).
    pub fn groups_committed(&self) -> u64 {
        self.groups.load(Ordering::Relaxed)
    }

    /// Runs `f` inside a group commit (see [`Db`]); its answer comes back once the group's
    /// transaction is on disk.
    pub async fn call_grouped<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, AppError> + Send + 'static,
    {
        let (answer, mut rx) = oneshot::channel::<Result<R, AppError>>();
        let job: GroupJob = Box::new(Pending { f, answer });
        self.queue
            .lock()
            .map_err(|_| AppError::internal("group commit queue poisoned"))?
            .push_back(job);
        loop {
            if let Ok(answer) = rx.try_recv() {
                return answer;
            }
            let guard = self.writer.clone().lock_owned().await;
            // Answered by the group that ran while this one waited for the writer.
            if let Ok(answer) = rx.try_recv() {
                return answer;
            }
            let jobs: Vec<GroupJob> = {
                let mut q = self
                    .queue
                    .lock()
                    .map_err(|_| AppError::internal("group commit queue poisoned"))?;
                let n = q.len().min(MAX_GROUP);
                q.drain(..n).collect()
            };
            if jobs.is_empty() {
                drop(guard);
                return rx
                    .await
                    .unwrap_or_else(|_| Err(AppError::internal("group commit dropped a job")));
            }
            let groups = self.groups.clone();
            tokio::task::spawn_blocking(move || {
                let mut conn = guard;
                run_group(&mut conn, jobs);
                groups.fetch_add(1, Ordering::Relaxed);
            })
            .await
            .map_err(|e| AppError::internal(format!("database task failed: {e}")))?;
        }
    }
}

/// One group commit: every job in its own savepoint of one transaction, then one commit,
/// then the answers.
fn run_group(conn: &mut Connection, jobs: Vec<GroupJob>) {
    let fail = |e: &rusqlite::Error| AppError::internal(format!("sqlite: {e}"));
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            for job in jobs {
                job.fail(fail(&e));
            }
            return;
        }
    };
    let mut finishes = Vec::with_capacity(jobs.len());
    for job in jobs {
        match tx.savepoint() {
            Ok(sp) => {
                let (ok, finish) = job.run(&sp);
                // A failed job's savepoint rolls back (the default drop behaviour).
                let kept = if ok { sp.commit() } else { sp.finish() };
                finishes.push((finish, kept.err().map(|e| e.to_string())));
            }
            Err(e) => job.fail(fail(&e)),
        }
    }
    let committed = tx.commit().err().map(|e| e.to_string());
    for (finish, own) in finishes {
        let failed = own.or_else(|| committed.clone());
        finish(failed.map(|e| AppError::internal(format!("sqlite: {e}"))));
    }
}

/// How often the background checkpoint runs.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// The writer's own automatic checkpoint, in WAL pages (4 KiB): a backstop should the
/// background one fall behind (SQLite's default is 1,000).
const BACKSTOP_CHECKPOINT_PAGES: i64 = 16_000;

/// Checkpoints the WAL of `path` every [`CHECKPOINT_EVERY`] on a connection of its own,
/// until the database (its writer) is dropped.
fn spawn_checkpointer(path: PathBuf, writer: std::sync::Weak<Mutex<Connection>>) {
    let spawned = std::thread::Builder::new()
        .name("wal-checkpoint".to_owned())
        .spawn(move || {
            let conn = match Connection::open(&path) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpointer could not open the database");
                    return;
                }
            };
            let _ = conn.busy_timeout(std::time::Duration::from_millis(100));
            while writer.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                let r: rusqlite::Result<(i64, i64, i64)> =
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    });
                if let Err(e) = r {
                    tracing::debug!(error = %e, "WAL checkpoint skipped");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no WAL checkpointer thread: the writer checkpoints alone");
    }
}

fn open_reader(path: &Path) -> Result<Connection, AppError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    stable_plans(&conn)?;
    Ok(conn)
}

/// Keeps a prepared statement's plan whatever values are bound to it (SQLite's query planner
/// stability guarantee). Without it SQLite, built with STAT4, marked some statements to be
/// prepared again on every new binding (the sign-in check's lookup by token among them):
/// the statement cache then saved nothing and a one-change push spent a third of its
/// sign-in time in the SQL parser. No statement here depends on a bound value to find its
/// index: the partial indexes are met by literals.
fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}
