//! Sending one refused change again, after the user fixed what the server refused it for
//! (the sync screen's 重新提交). Unlike [`Replica::retry_refused`], which requeues every
//! refusal with a code, this touches one outbox row.

use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::store::{leaves, tick};
use crate::{Error, Replica};

/// What a retry of one refused change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Retry {
    /// Queued again, under a new change id so the server judges it afresh, with the value
    /// the field holds on the device now.
    Requeued { change_id: Uuid },
    /// A newer edit of the same field was made since (waiting or answered): it carries what
    /// the user entered last, so there is nothing to resend.
    Superseded,
    /// The change is not refused (any more): nothing to do.
    NotRefused,
}

impl Replica {
    /// Puts the refused change `change_id` back in the queue, alone, in one transaction.
    /// The value sent is the field's current value on the device and the stamp is new: the
    /// retry is the user's decision now. `Error::NotFound` when no outbox row has that id.
    pub fn retry_change(&self, change_id: Uuid) -> Result<Retry, Error> {
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row: Option<(String, String, String, String)> = tx
            .query_row(
                "SELECT record_id, field, status, hlc FROM outbox WHERE change_id = ?1",
                [change_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((record, field, status, hlc)) = row else {
            return Err(Error::NotFound);
        };
        if status != "refused" {
            return Ok(Retry::NotRefused);
        }
        let newer: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND field = ?2
               AND change_id <> ?3 AND (status IN ('pending', 'in_flight') OR hlc > ?4))",
            params![record, field, change_id.to_string(), hlc],
            |r| r.get(0),
        )?;
        if newer {
            return Ok(Retry::Superseded);
        }
        let doc: Option<String> = tx
            .query_row("SELECT doc FROM records WHERE id = ?1", [&record], |r| {
                r.get(0)
            })
            .optional()?;
        let current = doc
            .and_then(|d| serde_json::from_str::<Value>(&d).ok())
            .and_then(|d| leaves(&d).remove(&field));
        let stamp = tick(&tx, now)?;
        let new_id = Uuid::now_v7();
        tx.execute(
            "UPDATE outbox SET change_id = ?1, status = 'pending', change_set_id = NULL,
               new = ?2, hlc = ?3, refusal_code = NULL, refusal_message = NULL,
               resolved_at = NULL
             WHERE change_id = ?4",
            params![
                new_id.to_string(),
                current.map(|v| v.to_string()),
                stamp.to_string(),
                change_id.to_string()
            ],
        )?;
        tx.commit()?;
        Ok(Retry::Requeued { change_id: new_id })
    }
}
