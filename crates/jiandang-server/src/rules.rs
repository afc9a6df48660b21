//! The domain rules, run server-side: after a push, every household it touched is assembled
//! from the records table (the household, its members, member changes, procedure, exit
//! measures, GPS fixes and photos) into a `jiandang_domain::bundle::HouseholdBundle` and
//! judged by `check_household_bundle`; the findings are stored per household and returned
//! split per record, with record-relative paths. A change that marks a household exited
//! (`basic.status` → 已脱贫) is refused when `exit::check_exit` fails.

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::bundle::{HouseholdBundle, check_household_bundle};
use jiandang_domain::codes::household::ExitStatus;
use jiandang_domain::exit::check_exit;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, RecordKind};
use jiandang_protocol::{Change, RecordFindings, unflatten};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;
use crate::sync::record_leaves;

/// The field that holds a household's 脱贫状态.
pub const STATUS_FIELD: &str = "basic.status";

/// The year's rules the server judges by.
#[derive(Debug, Clone)]
pub struct Rules {
    pub policy: YearPolicy,
}

impl Rules {
    pub fn shangqiu_2018() -> Rules {
        Rules {
            policy: YearPolicy::shangqiu_2018(),
        }
    }

    /// Judges every household the records belong to, stores the findings per household and
    /// returns them per record.
    pub fn check_records(
        &self,
        tx: &Connection,
        touched: &BTreeSet<Uuid>,
    ) -> Result<Vec<RecordFindings>, AppError> {
        let mut households = BTreeSet::new();
        for record in touched {
            if let Some(household) = household_of(tx, *record)? {
                households.insert(household);
            }
        }
        let mut out = Vec::new();
        for household in households {
            let Some(loaded) = load_bundle(tx, household, Read::Docs)? else {
                continue;
            };
            let (findings, owners) = match loaded {
                Ok(bundle) => (self.judge(&bundle), owners(&bundle)),
                Err(finding) => (vec![finding], vec![("household".to_owned(), household)]),
            };
            store_findings(tx, household, &findings)?;
            out.extend(split(&findings, &owners, household));
        }
        Ok(out)
    }

    /// `Some(message)` when the change marks a household exited and the exit gate fails.
    pub fn exit_gate(&self, tx: &Connection, change: &Change) -> Result<Option<String>, AppError> {
        if change.kind != RecordKind::Household || change.field != STATUS_FIELD {
            return Ok(None);
        }
        let exits = serde_json::from_value::<ExitStatus>(change.new.clone())
            .is_ok_and(ExitStatus::is_exited);
        if !exits {
            return Ok(None);
        }
        let reasons: Vec<String> = match load_bundle(
            tx,
            change.record_id,
            Read::Fields(Some((&change.field, &change.new))),
        )? {
            Some(Ok(bundle)) => match check_exit(&bundle, &self.policy) {
                Ok(()) => Vec::new(),
                Err(findings) => findings.into_iter().map(|f| f.message).collect(),
            },
            Some(Err(finding)) => vec![finding.message],
            None => vec!["户信息尚未录入".to_owned()],
        };
        if reasons.is_empty() {
            Ok(None)
        } else {
            Ok(Some(format!("不能标记为已脱贫：{}", reasons.join("；"))))
        }
    }

    /// Every household-level rule, and the exit gate's reasons when the household is marked
    /// exited (an exit that no longer meets the standard is a finding, W2).
    fn judge(&self, bundle: &HouseholdBundle) -> Vec<Finding> {
        let mut findings = check_household_bundle(bundle, &self.policy);
        if bundle
            .household
            .basic
            .status
            .is_some_and(ExitStatus::is_exited)
            && let Err(reasons) = check_exit(bundle, &self.policy)
        {
            findings.extend(reasons);
        }
        findings
    }
}

/// The household a record belongs to: itself, its `household_id`, or the household its
/// `subject_id` names (GPS fixes and photos); only ever a household of the record's own
/// village, so that a link into another village never gets that household judged, its
/// findings overwritten or returned.
fn household_of(tx: &Connection, record: Uuid) -> Result<Option<Uuid>, AppError> {
    let row: Option<(String, String)> = tx
        .prepare_cached("SELECT kind, village_id FROM records WHERE id = ?1")?
        .query_row([record.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((kind, village)) = row else {
        return Ok(None);
    };
    let link = match RecordKind::parse(&kind) {
        Some(RecordKind::Household) => return Ok(Some(record)),
        Some(
            RecordKind::Member
            | RecordKind::MemberChange
            | RecordKind::Procedure
            | RecordKind::HouseholdExitMeasures,
        ) => "household_id",
        Some(RecordKind::GpsFix | RecordKind::Photo) => "subject_id",
        _ => return Ok(None),
    };
    let value: Option<String> = tx
        .prepare_cached("SELECT value FROM fields WHERE record_id = ?1 AND path = ?2")?
        .query_row(params![record.to_string(), link], |r| r.get(0))
        .optional()?;
    let Some(target) = value
        .and_then(|v| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
    else {
        return Ok(None);
    };
    let is_household: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM records
                 WHERE id = ?1 AND kind = 'household' AND village_id = ?2)",
        )?
        .query_row(params![target.to_string(), village], |r| r.get(0))?;
    Ok(is_household.then_some(target))
}

/// Where a bundle's records are read from.
#[derive(Clone, Copy)]
enum Read<'a> {
    /// The fields, exact in the middle of a change set, with one field overlaid (the change
    /// being judged).
    Fields(Option<(&'a str, &'a Value)>),
    /// The records' stored forms: as exact once the set's docs are rebuilt, and one row per
    /// record to read instead of one per field.
    Docs,
}

/// A record's JSON form (null leaves left out); `None` when it has none.
fn record_form(tx: &Connection, id: Uuid, read: Read<'_>) -> Result<Option<Value>, AppError> {
    match read {
        Read::Fields(overlay) => {
            let mut leaves = record_leaves(tx, id)?;
            if let Some((path, value)) = overlay {
                leaves.insert(path.to_owned(), value.clone());
            }
            Ok((!leaves.is_empty()).then(|| unflatten(&leaves)))
        }
        Read::Docs => {
            let doc: Option<String> = tx
                .prepare_cached("SELECT doc FROM records WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))
                .optional()?;
            // A form that cannot be read is judged as empty: the bundle then lacks what it
            // held (a finding says so), rather than failing every push of the household.
            let doc: Option<Value> = doc.map(|d| {
                crate::sync::read_form(&d).unwrap_or_else(|| {
                    tracing::warn!(record = %id, "rules: a stored record cannot be read");
                    Value::Object(serde_json::Map::new())
                })
            });
            Ok(doc.filter(|d| d.as_object().is_none_or(|m| !m.is_empty())))
        }
    }
}

/// The household and every record linked to it. `None`: no such household; `Some(Err)`: the
/// records do not read as a bundle.
fn load_bundle(
    tx: &Connection,
    household: Uuid,
    read: Read<'_>,
) -> Result<Option<Result<HouseholdBundle, Finding>>, AppError> {
    let Some(form) = record_form(tx, household, read)? else {
        return Ok(None);
    };
    let mut records: Vec<(RecordKind, Value)> = vec![(RecordKind::Household, form)];
    // Not a join of fields and records: joined, SQLite's check of the partial indexes marks
    // the statement to be prepared again after every use (the cache clears its bindings),
    // which cost more than the rest of the lookup. Only records of the household's own
    // village belong to it: a record of another village naming it is not its member.
    let linked: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT r.id, r.kind FROM records r WHERE r.id IN (
                 SELECT record_id FROM fields WHERE path = 'household_id' AND value = ?1
                 UNION ALL
                 SELECT record_id FROM fields WHERE path = 'subject_id' AND value = ?1)
                 AND r.village_id = (SELECT village_id FROM records WHERE id = ?2)
             ORDER BY 2, 1",
        )?
        .query_map(
            params![
                serde_json::to_string(&household.to_string())?,
                household.to_string()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    for (id, kind) in linked {
        let Some(kind) = RecordKind::parse(&kind) else {
            continue;
        };
        let linked_read = match read {
            Read::Fields(_) => Read::Fields(None),
            Read::Docs => Read::Docs,
        };
        let form = record_form(tx, parse_uuid(&id)?, linked_read)?;
        records.push((
            kind,
            form.unwrap_or_else(|| Value::Object(serde_json::Map::new())),
        ));
    }
    let bundle = HouseholdBundle::from_records(records.iter().map(|(k, v)| (*k, v)));
    Ok(Some(bundle.map_err(|e| {
        Finding::error(e.code(), e.path(), format!("记录无法组成贫困户：{e}"))
    })))
}

/// Each record of the bundle with the prefix of its findings' paths.
fn owners(b: &HouseholdBundle) -> Vec<(String, Uuid)> {
    let mut out = vec![("household".to_owned(), b.household.id)];
    let indexed = |name: &str, ids: Vec<Uuid>| -> Vec<(String, Uuid)> {
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| (format!("{name}[{i}]"), id))
            .collect()
    };
    out.extend(indexed("members", b.members.iter().map(|m| m.id).collect()));
    out.extend(indexed(
        "member_changes",
        b.member_changes.iter().map(|m| m.id).collect(),
    ));
    out.extend(indexed(
        "gps_fixes",
        b.gps_fixes.iter().map(|g| g.id).collect(),
    ));
    out.extend(indexed("photos", b.photos.iter().map(|p| p.id).collect()));
    if let Some(p) = &b.procedure {
        out.push(("procedure".to_owned(), p.id));
    }
    if let Some(m) = &b.exit_measures {
        out.push(("exit_measures".to_owned(), m.id));
    }
    out
}

/// Splits bundle findings per record, paths made relative to the record. A finding that
/// names no record of the bundle stays with the household, its path unchanged. Every
/// household gets an entry (empty when it is clean) so the device can clear old findings.
fn split(findings: &[Finding], owners: &[(String, Uuid)], household: Uuid) -> Vec<RecordFindings> {
    let mut per: BTreeMap<Uuid, Vec<Finding>> = BTreeMap::from([(household, Vec::new())]);
    for f in findings {
        let owner = owners.iter().find_map(|(prefix, id)| {
            let rest = f.path.strip_prefix(prefix.as_str())?;
            if rest.is_empty() {
                Some((*id, String::new()))
            } else {
                rest.strip_prefix('.').map(|r| (*id, r.to_owned()))
            }
        });
        let (id, path) = owner.unwrap_or((household, f.path.clone()));
        let mut f = f.clone();
        f.path = path;
        per.entry(id).or_default().push(f);
    }
    let mut out: Vec<RecordFindings> = Vec::with_capacity(per.len());
    if let Some(findings) = per.remove(&household) {
        out.push(RecordFindings {
            record_id: household,
            findings,
        });
    }
    out.extend(per.into_iter().map(|(record_id, findings)| RecordFindings {
        record_id,
        findings,
    }));
    out
}

fn store_findings(tx: &Connection, record: Uuid, findings: &[Finding]) -> Result<(), AppError> {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    tx.prepare_cached(
        "INSERT INTO findings (record_id, findings, errors, checked_seq)
         VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(seq), 0) FROM change_log))
         ON CONFLICT (record_id) DO UPDATE SET findings = excluded.findings,
             errors = excluded.errors, checked_seq = excluded.checked_seq",
    )?
    .execute(params![
        record.to_string(),
        serde_json::to_string(findings)?,
        errors
    ])?;
    Ok(())
}
