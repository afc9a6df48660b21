//! The server's identity (issue 15): a random id kept in the database, new in every backup
//! file and again on every restore, and sent in every sync answer. A device remembers it;
//! when it changes, the server may have lost changes the device had sent after the backup
//! was taken, and the device sends them again (`GET /api/v1/identity` tells it from which
//! county seq on).
//!
//! The table keeps every identity the database has had, oldest first, each with the last
//! seq the database held when it was made: up to that seq, the log is the one the previous
//! identity had. A restored database carries the history of its backup, so a device that
//! knew an identity made after the backup (on the lost branch) finds it missing and shares
//! nothing (seq 0): it sends everything it keeps, and the server's change ids sort out what
//! it already holds.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use jiandang_protocol::{PROTOCOL_VERSION, ServerIdentity};
use rusqlite::{Connection, params};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::storage::Store;

/// Why an identity was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A backup file (so that a backup copied into place by hand is still a new server).
    Backup,
    /// `jiandang restore` put a backup in place.
    Restore,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Backup => "backup",
            Reason::Restore => "restore",
        }
    }
}

/// Every identity of the database, oldest first: (id, since_seq).
fn history(conn: &Connection) -> Result<Vec<(Uuid, u64)>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT id, since_seq FROM server_identity ORDER BY n")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, since) = row?;
        let id = Uuid::parse_str(&id)
            .map_err(|_| AppError::internal("server_identity holds an id that is not a UUID"))?;
        out.push((id, since.max(0) as u64));
    }
    Ok(out)
}

/// The identity the database has now.
pub fn current(conn: &Connection) -> Result<Uuid, AppError> {
    history(conn)?
        .last()
        .map(|(id, _)| *id)
        .ok_or_else(|| AppError::internal("the database has no server identity"))
}

/// Gives the database a new identity, sharing every seq it holds with the previous one.
pub fn renew(conn: &Connection, reason: Reason, now_ms: i64) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let since = Store::new(conn).max_seq()?;
    conn.execute(
        "INSERT INTO server_identity (id, since_seq, made_ms, reason) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), since as i64, now_ms, reason.as_str()],
    )?;
    Ok(id)
}

/// How much of the county's sequence the database shares with the identity `known`: every
/// seq it holds when `known` is the current identity; up to the earliest renewal after
/// `known` when it is an older one; nothing (0) when the database never had it.
pub fn shared_seq(conn: &Connection, known: Uuid) -> Result<u64, AppError> {
    let history = history(conn)?;
    let Some(at) = history.iter().position(|(id, _)| *id == known) else {
        return Ok(0);
    };
    let later = &history[at + 1..];
    match later.iter().map(|(_, since)| *since).min() {
        Some(since) => Ok(since),
        None => Store::new(conn).max_seq(),
    }
}

/// The query of `GET /api/v1/identity`.
#[derive(Debug, Deserialize)]
pub struct IdentityQuery {
    /// The identity the device remembers.
    pub known: Option<Uuid>,
}

/// `GET /api/v1/identity?known=ID` (any signed-in caller): the server's identity and what it
/// shares with `known`.
pub async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Result<Json<ServerIdentity>, AppError> {
    let Query(query) = query.map_err(|_| AppError::bad_request("known 应为服务器标识（UUID）"))?;
    let server_id = state.identity;
    let shared_seq = match query.known {
        Some(known) => state.db.read(move |conn| shared_seq(conn, known)).await?,
        None => 0,
    };
    Ok(Json(ServerIdentity {
        protocol: PROTOCOL_VERSION,
        server_id,
        shared_seq,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(conn: &Connection, id: Uuid, since: i64) {
        conn.execute(
            "INSERT INTO server_identity (id, since_seq, reason) VALUES (?1, ?2, 'restore')",
            params![id.to_string(), since],
        )
        .expect("identity");
    }

    #[test]
    fn a_device_shares_the_sequence_up_to_the_earliest_restore_after_what_it_knew() {
        let mut conn = Connection::open_in_memory().expect("db");
        crate::db::migrate(&mut conn).expect("migrate");
        let first = current(&conn).expect("first identity");
        let (backup, restore) = (Uuid::from_u128(1), Uuid::from_u128(2));
        add(&conn, backup, 40);
        add(&conn, restore, 55);
        assert_eq!(current(&conn).expect("current"), restore);
        assert_eq!(shared_seq(&conn, first).expect("first"), 40);
        assert_eq!(shared_seq(&conn, backup).expect("backup"), 55);
        // The current identity shares everything (an empty log: 0).
        assert_eq!(shared_seq(&conn, restore).expect("current"), 0);
        // An identity of a branch the restore threw away shares nothing.
        assert_eq!(shared_seq(&conn, Uuid::from_u128(9)).expect("lost"), 0);
    }
}
