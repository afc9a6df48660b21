//! The supervisor's phone (issue 13, docs/spot-checks.md): its worklist kept for offline use,
//! the check record of a drawn household, the seal of a blind observation and the differences
//! the county lists once the sealed record has reached it.
//!
//! The device never holds the register of a household before its check is sealed on the
//! server: the seal is the domain's [`SpotCheck::seal`] here, offline if need be, and the
//! comparison is the server's reveal (`GET /api/v1/spotchecks/checks/{id}/register`), taken
//! into the record by [`SpotCheck::take_differences`]. Each writes its record and outbox rows
//! in one transaction, judged once, like every other action of the app.

use jiandang_domain::spotcheck::check::{CheckError, SpotCheck};
use jiandang_domain::{Finding, RecordKind};
use jiandang_protocol::spotcheck::{CheckRegister, Worklist};
use jiandang_protocol::{Role, UserInfo};
use serde_json::Value;
use uuid::Uuid;

use crate::app::Acted;
use crate::judging;
use crate::store::{StoredRecord, leaves, set_leaf, stored, write_doc};
use crate::sync::{Progress, SyncOptions};
use crate::{Error, Replica};

impl Replica {
    /// Whether the enrolled user checks households for the county's spot-checks (督导核查):
    /// its phone lists its assignments instead of a village's households.
    pub fn is_checker(&self) -> Result<bool, Error> {
        let user: Option<String> =
            self.conn()
                .query_row("SELECT user_json FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(match user {
            Some(text) => serde_json::from_str::<UserInfo>(&text)?.role == Role::Supervisor,
            None => false,
        })
    }

    /// The worklist as last fetched from the county (`None` before the first one, and for
    /// every user who is not a checker).
    pub fn worklist(&self) -> Result<Option<Worklist>, Error> {
        let text: Option<String> = self.conn().query_row(
            "SELECT worklist_json FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }

    /// `GET /api/v1/spotchecks/assignments`, kept for offline use. Returns whether the answer
    /// holds an assignment the device did not know: the records it brings into the device's
    /// scope were logged before the device's cursor, so a pull would not send them and the
    /// sync round takes a new snapshot (docs/spot-checks.md, "What a supervisor's device
    /// holds").
    pub(crate) async fn fetch_worklist(&self, progress: &mut Progress) -> Result<bool, Error> {
        let (base, token) = self.endpoint()?;
        let list: Worklist = self
            .send_json::<(), _>(
                self.http()
                    .get(format!("{base}/api/v1/spotchecks/assignments"))
                    .bearer_auth(&token),
                None,
                progress,
            )
            .await?;
        let known = self.worklist()?;
        let new = list.assignments.iter().any(|a| {
            !known
                .as_ref()
                .is_some_and(|k| k.assignments.iter().any(|b| b.id == a.id))
        });
        self.conn().execute(
            "UPDATE sync_state SET worklist_json = ?1 WHERE id = 1",
            [serde_json::to_string(&list)?],
        )?;
        Ok(new)
    }

    /// The check record of a drawn household on this device (the pair shares one: the first
    /// by id when two were started), or `None` before either checker has started it.
    pub fn spot_check_of(
        &self,
        village_id: Uuid,
        household_id: Uuid,
    ) -> Result<Option<StoredRecord>, Error> {
        let wanted = Value::String(household_id.to_string());
        Ok(self
            .records_of_village(village_id, Some(RecordKind::SpotCheck))?
            .into_iter()
            .find(|r| r.doc.get("household_id") == Some(&wanted)))
    }

    /// 封存 (EVALUATION.md §9.2): seals the observation of a check record as saved, now by
    /// the replica's clock. From here on the observation is not changed (the server refuses
    /// it too) and the register may be compared. Refused, nothing written, when the record
    /// is sealed already.
    pub fn seal_spot_check(&self, id: Uuid) -> Result<Acted, Error> {
        let now = self.now();
        self.edit_check(id, |check| check.seal(now))
    }

    /// 显示差异: pushes what waits (the seal must have reached the county), asks the county
    /// for the differences between its register and the sealed observation, and keeps them
    /// in the record (a classification already made stays). Online only; the county answers
    /// `conflict` before it holds the seal.
    pub async fn reveal_spot_check(&self, id: Uuid) -> Result<Acted, Error> {
        self.push(&SyncOptions::default()).await?;
        let (base, token) = self.endpoint()?;
        let mut progress = Progress::default();
        let register: CheckRegister = self
            .send_json::<(), _>(
                self.http()
                    .get(format!("{base}/api/v1/spotchecks/checks/{id}/register"))
                    .bearer_auth(&token),
                None,
                &mut progress,
            )
            .await?;
        // Only the differences are kept: the register's household and members stay on the
        // county server (the device holds what the checkers compare, nothing more).
        self.edit_check(id, |check| check.take_differences(register.differences))
    }

    /// One change of a check record through the domain: read in the transaction that
    /// writes it, the fields the domain changed written with their outbox rows, the record
    /// judged once.
    fn edit_check(
        &self,
        id: Uuid,
        edit: impl FnOnce(SpotCheck) -> Result<SpotCheck, CheckError>,
    ) -> Result<Acted, Error> {
        let policy = self.stored_policy();
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let current = stored(&tx, id)?.ok_or(Error::NotFound)?;
        if current.kind != RecordKind::SpotCheck {
            return Err(Error::RecordMismatch);
        }
        let check: SpotCheck = serde_path_to_error::deserialize(current.doc.clone())
            .map_err(|e| Error::Form(e.path().to_string()))?;
        let edited = match edit(check) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Acted::Refused {
                    reasons: vec![refusal(&e)],
                });
            }
        };
        // Only what a seal or a reveal changes is written: the rest of the record stays as
        // the checkers saved it, leaf for leaf.
        let mut l = leaves(&current.doc);
        set_leaf(
            &mut l,
            "observed_at",
            &serde_json::to_value(edited.observed_at)?,
        );
        let differences = if edited.differences.is_empty() {
            Value::Null
        } else {
            serde_json::to_value(&edited.differences)?
        };
        set_leaf(&mut l, "differences", &differences);
        let (record, _) = write_doc(&tx, current.kind, id, current.village_id, l, now)?;
        let findings = judging::judge_and_store(&tx, &record, policy.as_deref(), now)?;
        tx.commit()?;
        Ok(Acted::Done {
            records: vec![record],
            findings,
        })
    }
}

/// A refused seal or reveal as the UI shows it: the domain's code and message, on the seal's
/// field.
fn refusal(e: &CheckError) -> Finding {
    Finding::error(e.code(), "observed_at", e.to_string()).requirement("EVALUATION §9.2")
}
