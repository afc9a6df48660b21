//! County backups (issue 15): a consistent copy of the server's database while it serves,
//! put back by a restore that keeps the replaced file aside, and the lock that tells a
//! restore a server holds the file.
//!
//! The database is the whole county: records, the change log, users and devices, and the
//! photos too (blobs live in the `blobs` table, not in files beside it), so one file is a
//! county backup. A backup is taken with SQLite's online backup API in one step: one read
//! transaction, so the copy is the database as of one commit, while `serve` goes on
//! writing (WAL: a reader never blocks the writer). The copy is checked with
//! `PRAGMA integrity_check` before it is given its name, and it gets an identity of its
//! own ([`crate::identity`]), so that devices notice when it is put back.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use uuid::Uuid;

use crate::identity::{self, Reason};
use crate::storage::Store;

/// Why a backup or restore did not happen. Nothing is replaced or half-written then.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("数据库文件不存在：{0}")]
    Missing(PathBuf),
    #[error("目标文件已存在，不会覆盖：{0}")]
    Exists(PathBuf),
    #[error("县级服务器正在使用该数据库（{0} 被锁定）；请先停止 jiandang serve 再恢复")]
    ServerRunning(PathBuf),
    #[error("备份文件校验失败（PRAGMA integrity_check）：{0}")]
    Corrupt(String),
    #[error("数据库出错：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("文件读写出错：{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Db(#[from] crate::DbError),
    #[error("{0}")]
    App(String),
}

impl From<crate::AppError> for BackupError {
    fn from(e: crate::AppError) -> BackupError {
        BackupError::App(match e.cause() {
            Some(cause) => format!("{}（{cause}）", e.message),
            None => e.message,
        })
    }
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// The last county seq the copy holds.
    pub max_seq: u64,
    /// The copy's own identity (none for a database of a version before identities).
    pub server_id: Option<Uuid>,
}

/// Copies the database at `db` to `out` (a new file; an existing one is never overwritten),
/// consistent as of one commit even while a server writes to it, checked, with an identity
/// of its own, and on disk before this returns.
pub fn backup(db: &Path, out: &Path, now_ms: i64) -> Result<BackupReport, BackupError> {
    if !db.is_file() {
        return Err(BackupError::Missing(db.to_owned()));
    }
    if out.exists() {
        return Err(BackupError::Exists(out.to_owned()));
    }
    let partial = with_suffix(out, ".partial");
    // A partial file is what an interrupted backup left: never a backup, so it goes.
    remove_if_exists(&partial)?;
    let result = write_copy(db, &partial, now_ms);
    let (max_seq, server_id) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, out)?;
    sync_dir(out)?;
    Ok(BackupReport {
        path: out.to_owned(),
        bytes: std::fs::metadata(out)?.len(),
        max_seq,
        server_id,
    })
}

fn write_copy(db: &Path, partial: &Path, now_ms: i64) -> Result<(u64, Option<Uuid>), BackupError> {
    let source = Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut copy = Connection::open(partial)?;
    {
        let backup = Backup::new(&source, &mut copy)?;
        // Every page in one step: one read transaction, so the copy is one commit's state.
        // Stepping in pieces would start over whenever the server commits in between.
        let mut tries = 0;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::Busy | StepResult::Locked if tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                StepResult::More => {}
                other => return Err(BackupError::App(format!("备份未完成：{other:?}"))),
            }
        }
    }
    drop(source);
    // A self-contained file: no WAL beside it to lose when the file is copied elsewhere.
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    check_integrity(&copy)?;
    let tx = copy.transaction()?;
    // A database of a version before identities has none to renew: the restore gives it
    // one (its migration makes the table, then the restore renews it).
    let has_identity: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'server_identity')",
        [],
        |r| r.get(0),
    )?;
    let server_id = if has_identity {
        Some(identity::renew(&tx, Reason::Backup, now_ms)?)
    } else {
        None
    };
    let max_seq = Store::new(&tx).max_seq()?;
    tx.commit()?;
    copy.close().map_err(|(_, e)| e)?;
    Ok((max_seq, server_id))
}

/// `PRAGMA integrity_check` says `ok`, or the first of what it found.
pub fn check_integrity(conn: &Connection) -> Result<(), BackupError> {
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(BackupError::Corrupt(verdict))
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// Where the replaced database went (with its `-wal` beside it, if it had one); `None`
    /// when there was no database at `db`.
    pub kept_aside: Option<PathBuf>,
    pub max_seq: u64,
    /// The restored database's new identity.
    pub server_id: Uuid,
}

/// Puts the backup `from` in place as the database `db`: refused while a server holds
/// `db` ([`ServeLock`]); the backup is copied (never moved: it stays a backup), checked,
/// migrated to this version's schema and given a new identity before it takes the
/// database's name; the file it replaces is renamed aside, never deleted.
pub fn restore(from: &Path, db: &Path, now_ms: i64) -> Result<RestoreReport, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    // Held until the new file is in place: no server starts on a half-restored county.
    let _lock = ServeLock::acquire(db)?;
    let incoming = with_suffix(db, ".restoring");
    remove_if_exists(&incoming)?;
    std::fs::copy(from, &incoming)?;
    let prepared = prepare_restored(&incoming, now_ms);
    let (max_seq, server_id) = match prepared {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            remove_sidecars(&incoming);
            return Err(e);
        }
    };
    File::open(&incoming)?.sync_all()?;
    let kept_aside = if db.exists() {
        let aside = with_suffix(db, &format!(".before-restore-{}", utc_stamp(now_ms)));
        if aside.exists() {
            return Err(BackupError::Exists(aside));
        }
        std::fs::rename(db, &aside)?;
        // The WAL holds commits of the replaced file: it goes with it, under its new name
        // (SQLite finds `<file>-wal`), and the shared-memory index with it.
        for sidecar in ["-wal", "-shm"] {
            let from = with_suffix(db, sidecar);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, sidecar))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&incoming, db)?;
    sync_dir(db)?;
    Ok(RestoreReport {
        kept_aside,
        max_seq,
        server_id,
    })
}

fn prepare_restored(path: &Path, now_ms: i64) -> Result<(u64, Uuid), BackupError> {
    let mut conn = Connection::open(path)?;
    check_integrity(&conn)?;
    // A backup made by an older version is brought up to this one (and gets the identity
    // table if it had none).
    crate::db::migrate(&mut conn)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let tx = conn.transaction()?;
    let server_id = identity::renew(&tx, Reason::Restore, now_ms)?;
    let max_seq = Store::new(&tx).max_seq()?;
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    Ok((max_seq, server_id))
}

/// An exclusive lock on `<db>.lock`, held by `jiandang serve` for as long as it runs and by
/// a restore while it replaces the file. The OS drops it when the process ends, however it
/// ends, so a crashed server never leaves the county locked.
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
    pub path: PathBuf,
}

impl ServeLock {
    /// Takes the lock, or `ServerRunning` if another process (or handle) holds it.
    pub fn acquire(db: &Path) -> Result<ServeLock, BackupError> {
        let path = with_suffix(db, ".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(ServeLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(BackupError::ServerRunning(path)),
            Err(TryLockError::Error(e)) => Err(BackupError::Io(e)),
        }
    }
}

/// `path` with `suffix` added to its file name.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn remove_sidecars(path: &Path) {
    for sidecar in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(path, sidecar));
    }
}

/// Makes a rename in the file's folder durable (the folder's entry is on disk too).
fn sync_dir(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// A UTC instant as `YYYYMMDDTHHMMSSZ`: sorts as time does, fits in a file name.
pub fn utc_stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let day = jiandang_domain::Date::from_days_since_epoch(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        day.year(),
        day.month(),
        day.day(),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sort_as_time_does() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        // 2026-12-03 17:08:38 UTC.
        assert_eq!(utc_stamp(1_796_317_718_000), "20261203T170838Z");
        assert!(utc_stamp(1_796_317_718_000) < utc_stamp(1_796_317_719_000));
    }
}
