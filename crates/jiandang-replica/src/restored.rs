//! The county server's identity on the device (issue 15): noticing that the server was
//! restored from a backup, and sending again what it may have lost.
//!
//! Every sync answer carries the server's identity; the device keeps the last one it saw.
//! A restored server has a new one, and has forgotten every change accepted after its
//! backup, while the devices that sent them believe them safe. On a new identity the device
//! asks the server how much of the county's sequence the two identities share
//! (`GET /api/v1/identity?known=OLD`), then, in one transaction:
//! - every change it holds as accepted after that seq goes back in the queue under its own
//!   change id (the server keeps each change id once: one it still holds is answered as
//!   before and not applied twice; one it lost is applied again);
//! - its base seqs, field versions and pull cursor come back to that seq, since the server
//!   numbers its changes anew from there; the next pull brings what the others sent again.
//!
//! Accepted changes are kept [`KEEP_ACCEPTED_MS`] after their answer, then pruned: a
//! restore from a backup older than that loses what the devices no longer keep.

use jiandang_protocol::ServerIdentity;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::store::device_id;
use crate::sync::Progress;
use crate::{Error, Replica};

/// How long an accepted change is kept on the device after the server's answer: 30 days,
/// twice the 14 nightly backups `jiandang serve` keeps by default (docs/operations.md).
/// About 300 bytes a change: a worker's busiest month is a few MB.
pub const KEEP_ACCEPTED_MS: i64 = 30 * 24 * 3600 * 1000;

impl Replica {
    /// The county server's identity as this device last saw it.
    pub fn server_id(&self) -> Result<Option<Uuid>, Error> {
        let id: Option<String> = self
            .conn()
            .query_row("SELECT server_id FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        Ok(id.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    /// Notes the identity an answer carried. The first one seen is kept; a different one
    /// means the server was restored: what it may have lost is queued again
    /// ([`Replica::rebase_on_restore`]). Returns whether that happened.
    pub(crate) async fn check_server(
        &self,
        seen: Option<Uuid>,
        progress: &mut Progress,
    ) -> Result<bool, Error> {
        let Some(seen) = seen else {
            // An older server sends none: nothing to compare.
            return Ok(false);
        };
        let known = match self.server_id()? {
            None => {
                self.conn().execute(
                    "UPDATE sync_state SET server_id = ?1 WHERE id = 1",
                    [seen.to_string()],
                )?;
                return Ok(false);
            }
            Some(known) if known == seen => return Ok(false),
            Some(known) => known,
        };
        let (base, token) = self.endpoint()?;
        let identity: ServerIdentity = self
            .send_json::<(), _>(
                self.http()
                    .get(format!("{base}/api/v1/identity"))
                    .query(&[("known", known.to_string())])
                    .bearer_auth(&token),
                None,
                progress,
            )
            .await?;
        let resent = self.rebase_on_restore(identity.shared_seq, identity.server_id)?;
        tracing::warn!(
            shared_seq = identity.shared_seq,
            resent,
            "the county server was restored from a backup: sending again what it may have lost"
        );
        Ok(true)
    }

    /// After a restore that shares the county's sequence up to `shared` with what this
    /// device knew: queues again every change of this device accepted after `shared`, and
    /// brings base seqs, field versions and the cursor back to `shared`, in one transaction.
    /// Returns how many changes go up again.
    ///
    /// A change stamped by another node (made under an earlier enrolment of this replica)
    /// is not sent again: the server takes a stamp only from the device that made it.
    pub fn rebase_on_restore(&self, shared: u64, server_id: Uuid) -> Result<usize, Error> {
        let shared = shared.min(i64::MAX as u64) as i64;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let device = device_id(&tx)?.ok_or(Error::NotEnrolled)?;
        let resent = tx.execute(
            "UPDATE outbox SET status = 'pending', change_set_id = NULL, resent = 1,
               base_seq = MIN(base_seq, ?1), result_seq = NULL, resolved_at = NULL
             WHERE status = 'accepted' AND result_seq > ?1 AND substr(hlc, 23) = ?2",
            params![shared, device.to_string()],
        )?;
        // A set frozen before the restore is sent again under its id; its bases must be
        // seqs the restored server has.
        tx.execute(
            "UPDATE outbox SET base_seq = MIN(base_seq, ?1) WHERE status = 'in_flight'",
            [shared],
        )?;
        tx.execute(
            "UPDATE field_versions SET seq = ?1 WHERE seq > ?1",
            [shared],
        )?;
        tx.execute(
            "UPDATE sync_state SET cursor = MIN(cursor, ?1), server_id = ?2 WHERE id = 1",
            params![shared, server_id.to_string()],
        )?;
        tx.commit()?;
        Ok(resent)
    }

    /// Drops accepted changes answered more than [`KEEP_ACCEPTED_MS`] ago. Returns how many.
    pub fn prune_accepted(&self) -> Result<usize, Error> {
        let before = self.now_ms().saturating_sub(KEEP_ACCEPTED_MS);
        Ok(self.conn().execute(
            "DELETE FROM outbox WHERE status = 'accepted' AND resolved_at < ?1",
            [before],
        )?)
    }
}
