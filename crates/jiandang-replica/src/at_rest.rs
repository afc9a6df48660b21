//! The replica at rest: the database file encrypted by SQLCipher with a random key from the
//! platform's key store, a plain replica of an older build converted on open, one file (and
//! key) per user on a device, and the erase a device the county marked lost does on itself.
//!
//! One user per replica: each (server, user name) has its own file, `replica-<hash>.db`
//! (the hash of the two, so the folder names nobody), with its own key. Another user signing
//! in seals the first user's file (closed, encrypted, its edits kept as they are) and opens
//! or creates their own; when the first user signs in again, their file opens with their
//! unsent edits waiting, and the next round sends them. The file the app opens at start is
//! named in `current-replica` beside them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiandang_protocol::{ErrorCode, LossReport, PROTOCOL_VERSION};
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::keystore::{KeyStore, ReplicaKey};
use crate::sync::{ProgressFn, SyncOptions, SyncReport};
use crate::{Clock, Error, Files, Replica, photo_dir_of, prepare, stored_policy};

/// What every plain SQLite file starts with; an encrypted one starts with random bytes.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The file (beside the replicas) that names the replica the app opens at start.
const CURRENT: &str = "current-replica";

/// The replica file of a device before any user signed in (and of older builds).
const FIRST: &str = "replica.db";

/// What [`Replica::sign_in_as`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedIn {
    /// The replica open was this user's already (or nobody's yet): it stays.
    Same,
    /// Another user's replica was sealed (closed, kept encrypted with its unsent edits) and
    /// this user's opened.
    Switched,
}

/// What a replica file holds at its start.
enum FileState {
    Missing,
    Plain,
    Encrypted,
}

fn file_state(path: &Path) -> Result<FileState, Error> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::Missing),
        Err(e) => return Err(e.into()),
    };
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(match read {
        0 => FileState::Missing,
        _ if &head == PLAIN_HEADER => FileState::Plain,
        _ => FileState::Encrypted,
    })
}

/// The key store's name for a replica file's key: its file name.
fn key_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FIRST.to_owned())
}

/// The replica file of a user of a server: a hash of both, so the folder names nobody.
pub(crate) fn user_file_name(server_url: &str, username: &str) -> String {
    let mut h = Sha256::new();
    h.update(server_url.trim_end_matches('/').as_bytes());
    h.update(b"\n");
    h.update(username.as_bytes());
    let digest = hex::encode(h.finalize());
    format!("replica-{}.db", &digest[..16])
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Makes a rename or removal in `dir` durable (a directory's entries are fsynced through it).
fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

fn stored_key(keys: &dyn KeyStore, name: &str) -> Result<Option<ReplicaKey>, Error> {
    match keys.get(name).map_err(Error::KeyStore)? {
        None => Ok(None),
        Some(bytes) => ReplicaKey::from_bytes(&bytes)
            .map(Some)
            .ok_or(Error::ReplicaLocked),
    }
}

fn new_key(keys: &dyn KeyStore, name: &str) -> Result<ReplicaKey, Error> {
    let key = ReplicaKey::random().map_err(Error::KeyStore)?;
    // Stored before the file is encrypted with it: a cut between the two leaves a key
    // with no file yet (used next time), never a file without its key.
    keys.put(name, key.as_bytes()).map_err(Error::KeyStore)?;
    Ok(key)
}

/// Opens the replica file at `path` with its key, creating both if there is no file, and
/// converting a plain file (an older build's) first. A file whose key is gone is
/// `replica_locked`.
fn open_keyed(path: &Path, keys: &dyn KeyStore) -> Result<Connection, Error> {
    let name = key_name(path);
    let key = match (file_state(path)?, stored_key(keys, &name)?) {
        (FileState::Missing, Some(key)) | (FileState::Encrypted, Some(key)) => key,
        (FileState::Missing, None) => new_key(keys, &name)?,
        (FileState::Plain, key) => {
            let key = match key {
                Some(key) => key,
                None => new_key(keys, &name)?,
            };
            encrypt_plain(path, &key)?;
            key
        }
        (FileState::Encrypted, None) => return Err(Error::ReplicaLocked),
    };
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "key", key.sql_text())?;
    // SQLCipher reads the first page only now: a wrong key fails here, not mid-save.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(Error::ReplicaLocked)
        }
        Err(e) => Err(e.into()),
    }
}

/// Converts a plain replica into an encrypted one in place: every table copied by
/// `sqlcipher_export` into a new file beside it (its WAL checkpointed in first, the schema
/// version carried over), fsynced, then renamed over the plain file. A cut before the rename
/// leaves the plain file whole (converted again next time); after it, the encrypted one.
fn encrypt_plain(path: &Path, key: &ReplicaKey) -> Result<(), Error> {
    let tmp = sibling(path, ".encrypting");
    remove_if_present(&tmp)?;
    {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tmp_text = tmp
            .to_str()
            .ok_or_else(|| Error::Io(std::io::Error::other("replica path is not UTF-8")))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            params![tmp_text, key.sql_text()],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute("DETACH DATABASE encrypted", [])?;
        conn.close().map_err(|(_, e)| e)?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    remove_if_present(&sibling(path, "-wal"))?;
    remove_if_present(&sibling(path, "-shm"))?;
    sync_dir(parent(path))?;
    Ok(())
}

/// Closes the connection in `slot` (an in-memory one takes its place until the caller puts
/// the next file's there).
fn close(slot: &mut Connection) -> Result<(), Error> {
    let old = std::mem::replace(slot, Connection::open_in_memory()?);
    old.close().map_err(|(_, e)| e)?;
    Ok(())
}

impl Replica {
    /// Opens (or creates) the encrypted replica at `path`, its key from `keys` (a new
    /// random one for a new file); a plain replica of an older build is converted first,
    /// every record, edit and outbox entry kept. Photos live beside it as with
    /// [`Replica::open`].
    pub fn open_encrypted(
        path: &Path,
        keys: Arc<dyn KeyStore>,
        clock: Clock,
    ) -> Result<Replica, Error> {
        let conn = open_keyed(path, keys.as_ref())?;
        Replica::from_connection(conn, path, Some(keys), clock)
    }

    /// Opens the device's replica in `dir`: the one its last user signed in to (named in
    /// `current-replica`), else `replica.db`.
    pub fn open_device(
        dir: &Path,
        keys: Arc<dyn KeyStore>,
        clock: Clock,
    ) -> Result<Replica, Error> {
        let name = match std::fs::read_to_string(dir.join(CURRENT)) {
            Ok(s) => s.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FIRST.to_owned(),
            Err(e) => return Err(e.into()),
        };
        // Only a bare file name is taken from the pointer: never a path elsewhere.
        let name = if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            FIRST.to_owned()
        } else {
            name
        };
        Replica::open_encrypted(&dir.join(name), keys, clock)
    }

    /// Makes the open replica `username`'s at `server_url` before they sign in: another
    /// user's replica is sealed and this user's opened (their unsent edits waiting in it
    /// since they last signed in), see the module's notes. A plain replica (tests, the
    /// bench) has one user and stays. Waits for a sync round in progress to finish.
    pub async fn sign_in_as(&self, server_url: &str, username: &str) -> Result<SignedIn, Error> {
        let Some(keys) = self.inner.keys.clone() else {
            return Ok(SignedIn::Same);
        };
        let _exclusive = self.inner.round.write().await;
        let dir = parent(&self.path()).to_owned();
        let target = dir.join(user_file_name(server_url, username));
        let current = self.path();
        let outcome = match self.enrollment()? {
            Some(e)
                if e.server_url == server_url.trim_end_matches('/')
                    && e.user.username == username =>
            {
                if current != target {
                    self.relocate(keys.as_ref(), &target)?;
                }
                SignedIn::Same
            }
            Some(e) => {
                // Sealed under its own user's name, so that user finds it again.
                let own = dir.join(user_file_name(&e.server_url, &e.user.username));
                if current != own {
                    self.relocate(keys.as_ref(), &own)?;
                }
                self.reopen(keys.as_ref(), &target)?;
                SignedIn::Switched
            }
            // Nobody's yet (a new device, or one wiped): it becomes this user's, unless they
            // have their own already, which then opens (the empty one is erased).
            None if current == target => SignedIn::Same,
            None if matches!(file_state(&target)?, FileState::Missing) => {
                self.relocate(keys.as_ref(), &target)?;
                SignedIn::Same
            }
            None => {
                self.erase_files(keys.as_ref(), false)?;
                self.reopen(keys.as_ref(), &target)?;
                SignedIn::Switched
            }
        };
        write_current(&dir, &key_name(&target))?;
        Ok(outcome)
    }

    /// Opens another replica file in place of this one (created if absent).
    fn reopen(&self, keys: &dyn KeyStore, path: &Path) -> Result<(), Error> {
        let mut conn = self.conn();
        close(&mut conn)?;
        let next = prepare(open_keyed(path, keys)?)?;
        let policy = stored_policy(&next)?;
        *conn = next;
        let photos = photo_dir_of(path);
        std::fs::create_dir_all(&photos)?;
        *self.files() = Files {
            db: path.to_owned(),
            photos,
        };
        self.cache_policy(policy);
        Ok(())
    }

    /// Moves this replica to another file name (its photos and key with it), and reopens it.
    fn relocate(&self, keys: &dyn KeyStore, to: &Path) -> Result<(), Error> {
        let from = self.path();
        // The key first: a store that fails here leaves the replica open as it was.
        let key = stored_key(keys, &key_name(&from))?.ok_or(Error::ReplicaLocked)?;
        {
            let mut conn = self.conn();
            close(&mut conn)?;
            keys.put(&key_name(to), key.as_bytes())
                .map_err(Error::KeyStore)?;
            std::fs::rename(&from, to)?;
            let photos = photo_dir_of(&from);
            if photos.exists() {
                std::fs::rename(&photos, photo_dir_of(to))?;
            }
            sync_dir(parent(to))?;
            keys.delete(&key_name(&from)).map_err(Error::KeyStore)?;
        }
        self.reopen(keys, to)
    }

    /// Removes the open replica's file, its photos and its key; with `fresh`, an empty
    /// replica (a new key) takes its place at the same path.
    fn erase_files(&self, keys: &dyn KeyStore, fresh: bool) -> Result<(), Error> {
        let path = self.path();
        {
            let mut conn = self.conn();
            close(&mut conn)?;
            for p in [path.clone(), sibling(&path, "-wal"), sibling(&path, "-shm")] {
                remove_if_present(&p)?;
            }
            let photos = photo_dir_of(&path);
            match std::fs::remove_dir_all(&photos) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
            sync_dir(parent(&path))?;
            // Without its key the file's bytes, should a copy survive on the flash, read as
            // noise.
            keys.delete(&key_name(&path)).map_err(Error::KeyStore)?;
        }
        if fresh {
            self.reopen(keys, &path)?;
        }
        Ok(())
    }

    /// Erases this replica, its key and its photos, leaving an empty one (nobody signed in)
    /// in its place. Waits for a sync round in progress to finish.
    pub async fn erase(&self) -> Result<(), Error> {
        let Some(keys) = self.inner.keys.clone() else {
            return Err(Error::NotEncrypted);
        };
        let _exclusive = self.inner.round.write().await;
        self.erase_files(keys.as_ref(), true)
    }

    /// What this replica holds that the county does not: the loss report's figures.
    pub fn loss_report(&self) -> Result<LossReport, Error> {
        let conn = self.conn();
        let count = |sql: &str| -> Result<u64, Error> {
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
        };
        let unsent_changes =
            count("SELECT count(*) FROM outbox WHERE status IN ('pending', 'in_flight')")?;
        let refused_changes = count("SELECT count(*) FROM outbox WHERE status = 'refused'")?;
        let unsent_photos = count("SELECT count(*) FROM photos WHERE complete = 0")?;
        let mut stmt = conn.prepare(
            "SELECT record_id FROM outbox WHERE status IN ('pending', 'in_flight', 'refused')
             UNION SELECT photo_id FROM photos WHERE complete = 0 AND photo_id IS NOT NULL
             ORDER BY 1",
        )?;
        let record_ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok().and_then(|s| Uuid::parse_str(&s).ok()))
            .collect();
        Ok(LossReport {
            protocol: PROTOCOL_VERSION,
            unsent_changes,
            refused_changes,
            unsent_photos,
            record_ids,
            reported_ms: self.now_ms(),
        })
    }

    /// One sync round as the app runs it ([`Replica::sync_once`] while no user switch or
    /// erase can start). A device the county marked lost is told so by the server: it then
    /// reports what it had not sent and erases itself (replica, key, photos), and the
    /// round's answer is `device_lost`.
    pub async fn sync_round(
        &self,
        opts: &SyncOptions,
        on_progress: Option<&ProgressFn>,
    ) -> Result<SyncReport, Error> {
        let result = {
            let _shared = self.inner.round.read().await;
            self.sync_once(opts, on_progress).await
        };
        match result {
            Err(e) if is_lost(&e) => {
                self.report_loss_and_erase().await?;
                Err(e)
            }
            other => other,
        }
    }

    /// Sends the loss report, then erases. The erase happens even when the report cannot be
    /// sent (the server down again, the network cut): the people's data on a lost phone
    /// weighs more than the county's list of what it lost, which then reads "not reported".
    pub async fn report_loss_and_erase(&self) -> Result<(), Error> {
        let report = self.loss_report()?;
        let sent = self.send_loss_report(&report).await;
        if let Err(e) = &sent {
            tracing::warn!(code = e.code(), "loss report not sent; erasing anyway");
        }
        self.erase().await?;
        tracing::info!(
            unsent_changes = report.unsent_changes,
            unsent_photos = report.unsent_photos,
            reported = sent.is_ok(),
            "replica erased: the county marked this device lost"
        );
        Ok(())
    }

    async fn send_loss_report(&self, report: &LossReport) -> Result<(), Error> {
        let (base, token) = self.endpoint()?;
        let resp = self
            .http()
            .post(format!("{base}/api/v1/device/loss-report"))
            .bearer_auth(token)
            .json(report)
            .send()
            .await
            .map_err(crate::sync::network)?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(());
        }
        let body = resp.bytes().await.map_err(crate::sync::network)?;
        Err(crate::sync::server_error(status, &body))
    }
}

/// Whether the server said this device was marked lost.
pub fn is_lost(e: &Error) -> bool {
    matches!(
        e,
        Error::Server {
            code: ErrorCode::DeviceLost,
            ..
        }
    )
}

/// Names the replica the app opens next time (written whole, then renamed: never half).
fn write_current(dir: &Path, name: &str) -> Result<(), Error> {
    let tmp = dir.join(format!("{CURRENT}.tmp"));
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(name.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(CURRENT))?;
    sync_dir(dir)
}
