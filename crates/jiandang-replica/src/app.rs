//! The replica's application API: what the app does, each a call the Tauri shell makes in a
//! line or two (as GitButler's `but-api` sits under its commands). A form save, a draft
//! checked as typed, and every action of the domain (`jiandang_domain::action`): the
//! household's records and the year's policy in, the action's edits written with their outbox
//! rows in ONE transaction, judged once, and a typed answer out. The policy is the county's
//! (fetched by the sync, kept here), the clock is the replica's: the shell holds neither.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiandang_domain::action::members::{Arrival, Departure, Sheet};
use jiandang_domain::action::visit::VisitReport;
use jiandang_domain::action::{self, Edit, Outcome};
use jiandang_domain::exit_procedure::{ExitStep, ExitStepRecord};
use jiandang_domain::judge::{Context, household_bundle};
use jiandang_domain::lifecycle::{HouseholdState, open_exit_procedure};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::visit::SectionCheck;
use jiandang_domain::{Date, Finding, RecordKind, Timestamp};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::judging::{self, household_records, store_judgement};
use crate::store::{Saved, StoredRecord, leaves, set_leaf, stored, write_doc};
use crate::{Error, Replica};

/// Called after each record an action writes, with how many are written so far, inside the
/// action's transaction. Only for fault-injection tests (a test kills the process here and
/// checks that the restarted replica holds all of the action or none of it).
pub type EditHook = Arc<dyn Fn(usize) + Send + Sync>;

/// An action's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Acted {
    /// Done: the records as written, and the household's findings after it.
    Done {
        records: Vec<StoredRecord>,
        findings: Vec<Finding>,
    },
    /// Refused, nothing changed: every reason the domain gives (in Chinese, each naming its
    /// requirement).
    Refused { reasons: Vec<Finding> },
}

impl Acted {
    pub fn is_done(&self) -> bool {
        matches!(self, Acted::Done { .. })
    }
}

/// One action the household page offers, and whether the domain allows it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub action: ActionName,
    /// The button's label.
    pub label_zh: String,
    /// For the exit procedure's step: which step is next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<ExitStep>,
    /// Empty when the domain allows it; otherwise why not (what the button shows when
    /// pressed).
    pub reasons: Vec<Finding>,
}

/// The actions of the household page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    /// 申请预脱贫 (`propose_exit`).
    ProposeExit,
    /// 记录退出程序的下一步 (`record_exit_step`).
    RecordExitStep,
    /// 标记脱贫 (`mark_exited`).
    MarkExited,
    /// 返贫纳入 (`return_to_poverty`).
    ReturnToPoverty,
    /// 新识别录入 (`register_identification`).
    RegisterIdentification,
}

/// Who a natural member change is about.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum MemberChange {
    /// 自然增加: the new member's form as typed.
    Arrival { member: Value },
    /// 自然减少: the member who leaves.
    Departure { member_id: Uuid },
}

/// The 自然增加 / 自然减少 form as the sheet gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ChangeForm {
    #[serde(flatten)]
    sheet: Sheet,
    /// 新户主 (a decrease of the head).
    #[serde(default)]
    new_head_id: Option<Uuid>,
}

/// Where a household stands on its way out of poverty, and what the page offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdActions {
    pub state: HouseholdState,
    pub state_zh: String,
    /// This year's exit procedure, when one is under way or done.
    pub exit_procedure_id: Option<Uuid>,
    /// The steps recorded so far, in order.
    pub steps: Vec<ExitStepRecord>,
    pub offers: Vec<Offer>,
}

impl Replica {
    /// Now, by the replica's clock (the one every save and action is stamped and judged by;
    /// a test hands in its own with [`Replica::open_with_clock`]).
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_ms())
    }

    /// The year's policy the county judges by, as last fetched. `no_policy` before the first
    /// answer of the county server.
    pub fn policy(&self) -> Result<Arc<YearPolicy>, Error> {
        self.stored_policy().ok_or(Error::NoPolicy)
    }

    /// Keeps the county's policy (the sync does it at enrolment and every round; tests set
    /// one directly). Durable before it returns; every judgement after it uses it.
    pub fn set_policy(&self, policy: &YearPolicy) -> Result<(), Error> {
        let text = serde_json::to_string(policy)?;
        self.conn().execute(
            "UPDATE sync_state SET policy_json = ?1 WHERE id = 1",
            [&text],
        )?;
        self.cache_policy(Some(Arc::new(policy.clone())));
        Ok(())
    }

    /// Sets the hook called after each record an action writes (fault-injection tests).
    pub fn set_edit_hook(&self, hook: Option<EditHook>) {
        *self
            .inner
            .edit_hook
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = hook;
    }

    /// The domain's findings on a record as typed, nothing saved: its bundles judged with the
    /// draft in place of what is stored (the as-you-type check). Paths relative to the record;
    /// on a household, the bundle's findings too.
    pub fn check_draft(
        &self,
        kind: RecordKind,
        id: Uuid,
        village_id: Uuid,
        doc: &Value,
    ) -> Result<Vec<Finding>, Error> {
        let policy = self.policy()?;
        let now = self.now_ms();
        let (_, doc) = self.linked(kind, Some(id), village_id, doc)?;
        let conn = self.conn();
        let draft = self.form_record(&conn, kind, id, village_id, &doc, &policy)?;
        Ok(judging::judge(&conn, &draft, &policy, now)?.of(id))
    }

    /// Saves a form as the app's screens hand it over (`id` `None` for a new record): the
    /// record's id (and a household's village) set in its JSON form, a village-side record
    /// linked to its village's 贫困村 form, a household's income totals derived by the domain
    /// from its members present and the year's policy, then [`Replica::save_record`].
    pub fn save_form(
        &self,
        kind: RecordKind,
        id: Option<Uuid>,
        village_id: Uuid,
        doc: &Value,
    ) -> Result<Saved, Error> {
        let (id, doc) = self.linked(kind, id, village_id, doc)?;
        let doc = &doc;
        let record = match self.stored_policy() {
            Some(policy) => {
                let conn = self.conn();
                self.form_record(&conn, kind, id, village_id, doc, &policy)?
            }
            None => StoredRecord {
                kind,
                id,
                village_id,
                doc: with_ids(kind, id, village_id, doc.clone()),
            },
        };
        self.save_record(kind, id, village_id, &record.doc)
    }

    /// A form's id and JSON with its links set as the domain reads them. The village's 贫困村
    /// form is the record its natural villages, work team and exit measures name by
    /// `village_id` (C3, C7); the first one made on the device takes the village's own id, so
    /// what was linked to the village before it names it too.
    fn linked(
        &self,
        kind: RecordKind,
        id: Option<Uuid>,
        village_id: Uuid,
        doc: &Value,
    ) -> Result<(Uuid, Value), Error> {
        let form = self.village_form(village_id)?;
        let id = match (id, kind, form) {
            (Some(id), _, _) => id,
            (None, RecordKind::Village, None) => village_id,
            (None, _, _) => Replica::new_id(),
        };
        let mut doc = doc.clone();
        if matches!(
            kind,
            RecordKind::NaturalVillage
                | RecordKind::WorkTeamMember
                | RecordKind::VillageExitMeasures
        ) && let Value::Object(obj) = &mut doc
        {
            let owner = form.unwrap_or(village_id);
            obj.insert("village_id".into(), Value::String(owner.to_string()));
        }
        Ok((id, doc))
    }

    /// The id of the village's 贫困村 form on the device, if there is one.
    fn village_form(&self, village_id: Uuid) -> Result<Option<Uuid>, Error> {
        Ok(self
            .records_of_village(village_id, Some(RecordKind::Village))?
            .first()
            .map(|r| r.id))
    }

    /// The record a form makes: ids in, a household's income derived.
    fn form_record(
        &self,
        conn: &rusqlite::Connection,
        kind: RecordKind,
        id: Uuid,
        village_id: Uuid,
        doc: &Value,
        policy: &YearPolicy,
    ) -> Result<StoredRecord, Error> {
        let mut record = StoredRecord {
            kind,
            id,
            village_id,
            doc: with_ids(kind, id, village_id, doc.clone()),
        };
        if kind == RecordKind::Household {
            let records = judging::bundle_records(conn, &record)?;
            if let Some(mut b) = household_bundle(id, &records) {
                b.derive(policy);
                if let (Value::Object(obj), Ok(income)) =
                    (&mut record.doc, serde_json::to_value(&b.household.income))
                {
                    obj.insert("income".into(), income);
                }
            }
        }
        Ok(record)
    }

    /// 申请预脱贫 (C9; `action::exit::propose_exit`): the status and this year's exit
    /// procedure.
    pub fn propose_exit(&self, household: Uuid) -> Result<Acted, Error> {
        let procedure = Replica::new_id();
        self.act(household, |records, ctx| {
            action::exit::propose_exit(household, records, procedure, ctx)
        })
    }

    /// One step of the exit procedure (W1, Q2; `action::exit::record_exit_step`).
    pub fn record_exit_step(&self, household: Uuid, step: ExitStepRecord) -> Result<Acted, Error> {
        self.act(household, |records, ctx| {
            action::exit::record_exit_step(household, records, step, ctx)
        })
    }

    /// 标记脱贫 (W1, W2, C9, Q2; `action::exit::mark_exited`).
    pub fn mark_exited(&self, household: Uuid) -> Result<Acted, Error> {
        self.act(household, |records, ctx| {
            action::exit::mark_exited(household, records, ctx)
        })
    }

    /// 返贫纳入 (W5, C2; `action::exit::return_to_poverty`).
    pub fn return_to_poverty(&self, household: Uuid) -> Result<Acted, Error> {
        self.act(household, |records, ctx| {
            action::exit::return_to_poverty(household, records, ctx)
        })
    }

    /// 新识别录入 (W5; `action::exit::register_identification`).
    pub fn register_identification(&self, household: Uuid) -> Result<Acted, Error> {
        self.act(household, |records, ctx| {
            action::exit::register_identification(household, records, ctx)
        })
    }

    /// One of the household page's actions that take nothing but the household (the page
    /// offers them by name, see [`Replica::household_actions`]). The exit procedure's step
    /// carries what the worker entered: [`Replica::record_exit_step`].
    pub fn act_named(&self, household: Uuid, action: ActionName) -> Result<Acted, Error> {
        match action {
            ActionName::ProposeExit => self.propose_exit(household),
            ActionName::MarkExited => self.mark_exited(household),
            ActionName::ReturnToPoverty => self.return_to_poverty(household),
            ActionName::RegisterIdentification => self.register_identification(household),
            ActionName::RecordExitStep => Err(Error::Form("step".into())),
        }
    }

    /// A natural member change as the app's sheet gives it (W6): the 自然增加 / 自然减少 form
    /// as typed (its sheet fields, and on a decrease the 新户主), and either the member who
    /// leaves or the new member's form. See [`Replica::add_member`], [`Replica::remove_member`].
    pub fn member_change(
        &self,
        household: Uuid,
        change_form: Value,
        change: MemberChange,
    ) -> Result<Acted, Error> {
        let form: ChangeForm = serde_path_to_error::deserialize(change_form)
            .map_err(|e| Error::Form(e.path().to_string()))?;
        let acted = match change {
            MemberChange::Arrival { member } => self.add_member(household, member, form.sheet)?,
            MemberChange::Departure { member_id } => {
                self.remove_member(household, member_id, form.new_head_id, form.sheet)?
            }
        };
        // The domain names a refused field by its place in the household's bundle
        // (`member_changes[2].reason`); the sheet shows it beside its own field (`reason`).
        Ok(match acted {
            Acted::Refused { reasons } => Acted::Refused {
                reasons: reasons
                    .into_iter()
                    .map(|f| Finding {
                        path: within_record(&f.path).to_owned(),
                        ..f
                    })
                    .collect(),
            },
            done => done,
        })
    }

    /// 自然增加 (W6; `action::members::add_member`): the member, its change record, the
    /// household's size and income, all or nothing.
    pub fn add_member(&self, household: Uuid, member: Value, sheet: Sheet) -> Result<Acted, Error> {
        let arrival = Arrival {
            member_id: Replica::new_id(),
            change_id: Replica::new_id(),
            member,
            sheet,
        };
        self.act(household, |records, ctx| {
            action::members::add_member(household, records, arrival, ctx)
        })
    }

    /// 自然减少 (W6; `action::members::remove_member`): the change record, the member marked
    /// 已自然减少, a new head when the head leaves, the household's size and income.
    pub fn remove_member(
        &self,
        household: Uuid,
        member_id: Uuid,
        new_head_id: Option<Uuid>,
        sheet: Sheet,
    ) -> Result<Acted, Error> {
        let departure = Departure {
            member_id,
            change_id: Replica::new_id(),
            new_head_id,
            sheet,
        };
        self.act(household, |records, ctx| {
            action::members::remove_member(household, records, departure, ctx)
        })
    }

    /// 入户核实 (C1; `action::visit::record_visit`).
    pub fn record_visit(
        &self,
        household: Uuid,
        date: Date,
        visited_by: Option<String>,
        sections: Vec<SectionCheck>,
        note: Option<String>,
    ) -> Result<Acted, Error> {
        let report = VisitReport {
            visit_id: Replica::new_id(),
            date,
            visited_by,
            sections,
            note,
        };
        self.act(household, |records, ctx| {
            action::visit::record_visit(household, records, report, ctx)
        })
    }

    /// What the household page offers on the household's way out of poverty, each with the
    /// domain's answer now (the same action functions, their edits not applied): the UI shows
    /// them and decides nothing. 标记脱贫 is offered to every household not exited this
    /// year (nor closed), so a worker who presses it too early reads why not.
    pub fn household_actions(&self, household: Uuid) -> Result<HouseholdActions, Error> {
        let policy = self.policy()?;
        let ctx = Context::new(&policy, self.now());
        let records = household_records(&self.conn(), household)?;
        let bundle = household_bundle(household, &records).ok_or(Error::NotFound)?;
        let state = HouseholdState::at(&bundle.household, policy.year);
        let procedure = open_exit_procedure(&bundle, policy.year)
            .map(|(_, p)| p.clone())
            .or_else(|| {
                bundle
                    .exit_procedures
                    .iter()
                    .rev()
                    .find(|p| p.year == Some(policy.year))
                    .cloned()
            });
        let mut offers = Vec::new();
        let mut offer = |action: ActionName, label: &str, step: Option<ExitStep>, o: Outcome| {
            offers.push(Offer {
                action,
                label_zh: label.to_owned(),
                step,
                reasons: o.err().unwrap_or_default(),
            })
        };
        let nil = Uuid::nil();
        match state {
            HouseholdState::Candidate => offer(
                ActionName::RegisterIdentification,
                "新识别录入",
                None,
                action::exit::register_identification(household, &records, &ctx),
            ),
            HouseholdState::Exited { .. } => offer(
                ActionName::ReturnToPoverty,
                "返贫纳入",
                None,
                action::exit::return_to_poverty(household, &records, &ctx),
            ),
            _ => {}
        }
        if state.is_poor() {
            offer(
                ActionName::ProposeExit,
                "申请预脱贫",
                None,
                action::exit::propose_exit(household, &records, nil, &ctx),
            );
        }
        if state == HouseholdState::PreExit
            && let Some(next) = procedure.as_ref().and_then(|p| p.next_step())
        {
            let label = format!("记录：{}", jiandang_domain::codes::Coded::zh(next));
            // Whether the step may be recorded depends on what the worker enters (its date,
            // outcome): only the household's state is asked here.
            offer(
                ActionName::RecordExitStep,
                &label,
                Some(next),
                Ok(Vec::new()),
            );
        }
        if !matches!(
            state,
            HouseholdState::Exited { .. } | HouseholdState::Closed
        ) {
            offer(
                ActionName::MarkExited,
                "标记脱贫",
                None,
                action::exit::mark_exited(household, &records, &ctx),
            );
        }
        Ok(HouseholdActions {
            state,
            state_zh: state.zh().to_owned(),
            exit_procedure_id: procedure.as_ref().map(|p| p.id),
            steps: procedure.map(|p| p.steps).unwrap_or_default(),
            offers,
        })
    }

    /// Runs an action on the household's records (read in the transaction that writes its
    /// edits): refused → nothing written; done → every edit and its outbox rows in ONE
    /// transaction, the household's bundle judged once and its findings stored, durable
    /// before this returns.
    fn act(
        &self,
        household: Uuid,
        action: impl FnOnce(&[StoredRecord], &Context<'_>) -> Outcome,
    ) -> Result<Acted, Error> {
        self.act_on(household, |tx| household_records(tx, household), action)
    }

    /// [`Replica::act`] over the records `load` reads in the transaction, judging `root`'s
    /// bundles after the edits (a problem's actions read the problem and its evidence).
    pub(crate) fn act_on(
        &self,
        root: Uuid,
        load: impl FnOnce(&rusqlite::Connection) -> Result<Vec<StoredRecord>, Error>,
        action: impl FnOnce(&[StoredRecord], &Context<'_>) -> Outcome,
    ) -> Result<Acted, Error> {
        let household = root;
        let policy = self.policy()?;
        let hook = self
            .inner
            .edit_hook
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let records = load(&tx)?;
        let ctx = Context::new(&policy, Timestamp::from_millis(now));
        let edits = match action(&records, &ctx) {
            Ok(edits) => edits,
            Err(reasons) => return Ok(Acted::Refused { reasons }),
        };
        let mut written = Vec::with_capacity(edits.len());
        for (i, edit) in edits.into_iter().enumerate() {
            let record = match edit {
                Edit::Create {
                    kind,
                    id,
                    village_id,
                    doc,
                } => write_doc(&tx, kind, id, village_id, leaves(&doc), now)?.0,
                Edit::Set { kind, id, fields } => {
                    let current = stored(&tx, id)?.ok_or(Error::NotFound)?;
                    if current.kind != kind {
                        return Err(Error::RecordMismatch);
                    }
                    let mut l = leaves(&current.doc);
                    set_fields(&mut l, fields);
                    write_doc(&tx, kind, id, current.village_id, l, now)?.0
                }
            };
            written.push(record);
            if let Some(hook) = &hook {
                hook(i + 1);
            }
        }
        let root = stored(&tx, household)?.ok_or(Error::NotFound)?;
        let judgement = judging::judge(&tx, &root, &policy, now)?;
        store_judgement(&tx, &judgement)?;
        tx.commit()?;
        Ok(Acted::Done {
            records: written,
            findings: judgement.of(household),
        })
    }
}

/// A bundle path's part within its record: `member_changes[2].reason` → `reason`; a path
/// that names no record of the bundle stays as it is.
fn within_record(path: &str) -> &str {
    match path.split_once('.') {
        Some((place, rest)) if place.ends_with(']') && place.contains('[') => rest,
        _ => path,
    }
}

/// Sets an action's fields on a record's leaves: a value that is an object (a section set
/// whole) becomes its leaves under the path.
fn set_fields(l: &mut BTreeMap<String, Value>, fields: BTreeMap<String, Value>) {
    for (path, value) in fields {
        match &value {
            Value::Object(_) => {
                let prefix = format!("{path}.");
                l.retain(|k, _| k != &path && !k.starts_with(&prefix));
                for (sub, v) in leaves(&value) {
                    set_leaf(l, &format!("{path}.{sub}"), &v);
                }
            }
            _ => set_leaf(l, &path, &value),
        }
    }
}

/// A form's JSON with the record's id, and a household's village, from the columns.
fn with_ids(kind: RecordKind, id: Uuid, village_id: Uuid, mut doc: Value) -> Value {
    if doc.is_null() {
        doc = Value::Object(serde_json::Map::new());
    }
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("id".into(), Value::String(id.to_string()));
        if kind == RecordKind::Household {
            obj.insert("village_id".into(), Value::String(village_id.to_string()));
        }
    }
    doc
}

impl Replica {
    /// Saves a record's JSON form: diffs it leaf by leaf against what is stored, and writes
    /// the record and one outbox row per changed field in ONE transaction. The transaction
    /// is durable (WAL fsynced, `synchronous = FULL`) before this returns: a save the user
    /// saw succeed survives the phone dying right after. A field edited again before it was
    /// sent updates its waiting outbox row instead of adding one. A changed field over the
    /// limits the server keeps (`jiandang_protocol::limits`) is refused (`field_limit`) and
    /// nothing is saved. The record's bundles (`jiandang_domain::judge::link_of`) are judged
    /// ONCE, by `judge_bundle_of` under the county's policy, in the same transaction; every
    /// judged record's findings are stored and the record's own are returned (none before
    /// the device has the county's policy).
    pub fn save_record(
        &self,
        kind: RecordKind,
        id: Uuid,
        village_id: Uuid,
        doc: &Value,
    ) -> Result<Saved, Error> {
        let now = self.now_ms();
        let policy = self.stored_policy();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let (record, changed) = write_doc(&tx, kind, id, village_id, leaves(doc), now)?;
        let findings = judging::judge_and_store(&tx, &record, policy.as_deref(), now)?;
        tx.commit()?;
        Ok(Saved {
            record,
            changed_fields: changed,
            findings,
        })
    }
}
