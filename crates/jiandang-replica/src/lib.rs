//! The device side of Jiandang: a SQLite replica of the user's villages that works for days
//! offline, the outbox of local edits, the photo store and the sync client that moves both
//! to the county server and back.
//!
//! Invariants:
//! - every save writes the record and its outbox rows in one SQLite transaction, durable
//!   (WAL, `synchronous = FULL`) before the call returns;
//! - an outbox row is never deleted: a refused change stays, visible with the server's reason;
//! - a change set's id is stored before it is sent, so a cut resends the same id;
//! - a pulled value never overwrites a field whose local edit is still waiting for an answer.

mod app;
mod at_rest;
pub mod error;
mod judging;
pub mod keystore;
pub mod list;
pub mod migrations;
pub mod photo;
pub mod plan;
pub mod problems;
pub mod query;
mod restored;
mod retry;
pub mod spot;
mod store;
pub mod sync;
pub mod typed;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use jiandang_domain::policy::YearPolicy;

pub use app::{Acted, ActionName, EditHook, HouseholdActions, MemberChange, Offer};
pub use at_rest::SignedIn;
pub use error::Error;
pub use jiandang_protocol::Hlc;
pub use jiandang_protocol::LossReport;
pub use keystore::{KeyStore, KeyStoreError, MemoryKeyStore, ReplicaKey};
pub use problems::{
    ProblemAnswer, ProblemCounts, ProblemList, ProblemRow, StateCount, WriteWindow,
};
pub use query::{
    HouseholdBundle, HouseholdFilter, HouseholdRow, OutboxEntry, OutboxSummary, PhotoProgress,
};
pub use retry::Retry;
pub use store::{Conflict, Saved, StoredRecord};
pub use sync::{Progress, SyncLoop, SyncOptions, SyncReport};
pub use typed::DomainRecord;

/// The device's wall clock in UTC milliseconds. Tests hand in a skewed one.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })
}

/// The replica on one device: one SQLite file plus a photo folder beside it. Cheap to clone;
/// every clone shares the one connection. An encrypted replica (the app's) can be switched
/// to another user's file or erased in place: every clone follows.
#[derive(Clone)]
pub struct Replica {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<rusqlite::Connection>,
    /// The database file and its photo folder (they change when the user does).
    files: Mutex<Files>,
    /// Where the keys of an encrypted replica are kept; `None` for a plain one.
    keys: Option<Arc<dyn KeyStore>>,
    /// Held (shared) by a sync round and an enrolment, (exclusive) by a user switch or an
    /// erase: a round never starts on one user's file and ends on another's.
    round: tokio::sync::RwLock<()>,
    clock: Clock,
    /// Replaced whole when the app trusts one more certificate ([`Replica::trust_certificate_pem`]).
    http: Mutex<reqwest::Client>,
    /// The county's policy as last fetched (`sync_state.policy_json`), read once.
    policy: Mutex<Option<Arc<YearPolicy>>>,
    edit_hook: Mutex<Option<EditHook>>,
}

impl Replica {
    /// Opens (or creates) the replica at `path` with the system clock.
    pub fn open(path: &Path) -> Result<Replica, Error> {
        Replica::open_with_clock(path, system_clock())
    }

    /// Opens (or creates) the replica at `path`, migrating it to the latest schema. Photos
    /// live in the folder `<file name>.photos` beside the database.
    pub fn open_with_clock(path: &Path, clock: Clock) -> Result<Replica, Error> {
        let conn = rusqlite::Connection::open(path)?;
        Replica::from_connection(conn, path, None, clock)
    }

    /// Sets the connection up and makes the replica around it.
    fn from_connection(
        conn: rusqlite::Connection,
        path: &Path,
        keys: Option<Arc<dyn KeyStore>>,
        clock: Clock,
    ) -> Result<Replica, Error> {
        let conn = prepare(conn)?;
        let policy = stored_policy(&conn)?;
        let photo_dir = photo_dir_of(path);
        std::fs::create_dir_all(&photo_dir)?;
        let http = http_client(None)?;
        Ok(Replica {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                files: Mutex::new(Files {
                    db: path.to_owned(),
                    photos: photo_dir,
                }),
                keys,
                round: tokio::sync::RwLock::new(()),
                clock,
                http: Mutex::new(http),
                policy: Mutex::new(policy),
                edit_hook: Mutex::new(None),
            }),
        })
    }

    /// The folder that holds the photo files.
    pub fn photo_dir(&self) -> PathBuf {
        self.files().photos.clone()
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.files().db.clone()
    }

    pub(crate) fn files(&self) -> MutexGuard<'_, Files> {
        self.inner.files.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn now_ms(&self) -> i64 {
        (self.inner.clock)()
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, rusqlite::Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (the transaction
        // rolls back on drop), so a poisoned lock is safe to take over.
        self.inner
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn http(&self) -> reqwest::Client {
        // A clone of the client shares its connection pool.
        self.inner
            .http
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Trusts one more certificate authority (PEM) for HTTPS besides the system's roots:
    /// a county serving a certificate of its own CA, or a test serving one made on the spot.
    pub fn trust_certificate_pem(&self, pem: &[u8]) -> Result<(), Error> {
        let cert = reqwest::Certificate::from_pem(pem)
            .map_err(|e| Error::BadResponse(format!("certificate: {e}")))?;
        let client = http_client(Some(cert))?;
        *self.inner.http.lock().unwrap_or_else(|p| p.into_inner()) = client;
        Ok(())
    }

    pub(crate) fn stored_policy(&self) -> Option<Arc<YearPolicy>> {
        self.inner
            .policy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn cache_policy(&self, policy: Option<Arc<YearPolicy>>) {
        *self.inner.policy.lock().unwrap_or_else(|p| p.into_inner()) = policy;
    }
}

/// A replica's database file and its photo folder.
pub(crate) struct Files {
    pub db: PathBuf,
    pub photos: PathBuf,
}

/// The photo folder of a database file: `<file name>.photos` beside it.
fn photo_dir_of(path: &Path) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "replica".to_owned());
    path.parent()
        .unwrap_or_else(|| Path::new("."))
        .join(format!("{file_name}.photos"))
}

/// A freshly opened connection (keyed already, if it is encrypted) set up and migrated.
fn prepare(mut conn: rusqlite::Connection) -> Result<rusqlite::Connection, Error> {
    // WAL with synchronous=FULL: a commit is on disk (the WAL fsynced) before it returns,
    // so a save the user saw succeed survives a dead battery.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations::apply(&mut conn)?;
    let node = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT OR IGNORE INTO sync_state (id, node) VALUES (1, ?1)",
        [&node],
    )?;
    Ok(conn)
}

/// The policy kept in the file. One that no longer reads (written by an older build) is as
/// none: the next sync round fetches the county's again.
fn stored_policy(conn: &rusqlite::Connection) -> Result<Option<Arc<YearPolicy>>, Error> {
    let text: Option<String> =
        conn.query_row("SELECT policy_json FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })?;
    Ok(text
        .and_then(|t| YearPolicy::from_json(&t).ok())
        .map(Arc::new))
}

/// The sync client: the system's roots, and `extra_root` if given.
fn http_client(extra_root: Option<reqwest::Certificate>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(120));
    if let Some(cert) = extra_root {
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| Error::Network(e.to_string()))
}
