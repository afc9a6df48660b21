//! The domain rules, run server-side: after a push, every household it touched is assembled
//! from the records table (the household and its members) and judged by `jiandang_domain`;
//! the findings are stored per record and returned. A change that marks a household exited
//! (脱贫) is refused when the exit gate fails.

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::codes::household::ExitStatus;
use jiandang_domain::household::{Household, NoWorriesItem};
use jiandang_domain::member::Member;
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

/// A household with its members, as the rules see it.
pub struct Bundle {
    pub household: Household,
    pub members: Vec<Member>,
}

impl Rules {
    pub fn shangqiu_2018() -> Rules {
        Rules {
            policy: YearPolicy::shangqiu_2018(),
        }
    }

    /// Judges every household the records belong to, stores and returns the findings.
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
            let findings = match load_bundle(tx, household, None)? {
                Some(Ok(bundle)) => self.judge(&bundle),
                Some(Err(finding)) => vec![finding],
                None => continue,
            };
            store_findings(tx, household, &findings)?;
            out.push(RecordFindings {
                record_id: household,
                findings,
            });
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
        let reasons = match load_bundle(tx, change.record_id, Some((&change.field, &change.new)))? {
            Some(Ok(bundle)) => self.exit_reasons(&bundle),
            Some(Err(finding)) => vec![finding.message],
            None => vec!["户信息尚未录入".to_owned()],
        };
        if reasons.is_empty() {
            Ok(None)
        } else {
            Ok(Some(format!("不能标记为已脱贫：{}", reasons.join("；"))))
        }
    }

    fn judge(&self, bundle: &Bundle) -> Vec<Finding> {
        let mut findings = Vec::new();
        if bundle
            .household
            .basic
            .status
            .is_some_and(ExitStatus::is_exited)
        {
            for reason in self.exit_reasons(bundle) {
                findings.push(
                    Finding::error("exit.gate_failed", STATUS_FIELD, reason).requirement("W2"),
                );
            }
        }
        findings
    }

    /// Why the household may not exit (W2: every 两不愁三保障 item resolved).
    fn exit_reasons(&self, bundle: &Bundle) -> Vec<String> {
        NoWorriesItem::ALL
            .into_iter()
            .filter(|item| bundle.household.no_worries.get(*item).resolved != Some(true))
            .map(|item| format!("“{}”未解决或未填写", item.zh()))
            .collect()
    }
}

/// The household a record belongs to: itself, or a member's `household_id`.
fn household_of(tx: &Connection, record: Uuid) -> Result<Option<Uuid>, AppError> {
    let kind: Option<String> = tx
        .prepare_cached("SELECT kind FROM records WHERE id = ?1")?
        .query_row([record.to_string()], |r| r.get(0))
        .optional()?;
    match kind.as_deref() {
        Some("household") => Ok(Some(record)),
        Some("member") => {
            let value: Option<String> = tx
                .prepare_cached(
                    "SELECT value FROM fields WHERE record_id = ?1 AND path = 'household_id'",
                )?
                .query_row([record.to_string()], |r| r.get(0))
                .optional()?;
            Ok(value
                .and_then(|v| serde_json::from_str::<Value>(&v).ok())
                .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok())))
        }
        _ => Ok(None),
    }
}

/// The household and its members from the records table, with one field overlaid (the
/// change being judged). `None`: no such household; `Some(Err)`: its form does not read.
fn load_bundle(
    tx: &Connection,
    household: Uuid,
    overlay: Option<(&str, &Value)>,
) -> Result<Option<Result<Bundle, Finding>>, AppError> {
    let mut leaves: BTreeMap<String, Value> = record_leaves(tx, household)?;
    if leaves.is_empty() && overlay.is_none() {
        return Ok(None);
    }
    if let Some((path, value)) = overlay {
        leaves.insert(path.to_owned(), value.clone());
    }
    let household_form: Household = match serde_json::from_value(unflatten(&leaves)) {
        Ok(h) => h,
        Err(e) => {
            return Ok(Some(Err(Finding::error(
                "record.unreadable",
                "",
                format!("户信息与表单格式不符：{e}"),
            ))));
        }
    };
    let mut members = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT r.id FROM fields f JOIN records r ON r.id = f.record_id
         WHERE f.path = 'household_id' AND f.value = ?1 AND r.kind = 'member'",
    )?;
    let ids: Vec<String> = stmt
        .query_map(
            params![serde_json::to_string(&household.to_string())?],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let leaves = record_leaves(tx, parse_uuid(&id)?)?;
        match serde_json::from_value::<Member>(unflatten(&leaves)) {
            Ok(member) => members.push(member),
            Err(e) => {
                return Ok(Some(Err(Finding::error(
                    "record.unreadable",
                    "",
                    format!("家庭成员信息与表单格式不符：{e}"),
                ))));
            }
        }
    }
    Ok(Some(Ok(Bundle {
        household: household_form,
        members,
    })))
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
