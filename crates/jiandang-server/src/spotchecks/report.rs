//! A plan's results as a workbook (抽查结果): the estimates the county reads at
//! `…/estimates`, the draw's strata with what their checks found, and each drawn household's
//! check with its 户编号 and head, gathered here into `jiandang_export::spotcheck`'s report and
//! written on the blocking pool. Handed out like every export: logged in `export_log`
//! (export `spot_check_results`, scope county) before its bytes leave.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::response::Response;
use jiandang_domain::spotcheck::codes::{HouseholdType, VillageType};
use jiandang_domain::spotcheck::estimate::{Scope, ScopeEstimates};
use jiandang_domain::spotcheck::stats::IntervalMethod;
use jiandang_domain::{StoredRecord, Timestamp, judge};
use jiandang_export::spotcheck::{HouseholdRow, ScopeRow, SpotCheckReport, StratumRow};
use jiandang_export::{ExportMeta, Format, Places};
use rusqlite::Connection;
use uuid::Uuid;

use super::{plan_estimates, plans, register};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::exports::{Made, file_response, log_export, places};

/// The export's name in the audit trail.
pub const EXPORT: &str = "spot_check_results";

/// Gathers, writes, logs and answers the workbook of plan `id`.
pub async fn workbook(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    method: Option<IntervalMethod>,
    rho: f64,
) -> Result<Response, AppError> {
    let policy = state.rules.policy().evaluation.clone();
    let method = method.unwrap_or(policy.interval);
    let user = caller.user_id;
    let (report, version, for_whom) = state
        .db
        .read(move |conn| {
            let report = gather(conn, id, &policy, method, rho)?;
            let version =
                i64::try_from(crate::storage::Store::new(conn).max_seq()?).unwrap_or(i64::MAX);
            let name = plans::display_name(conn, user)?;
            Ok((report, version, name))
        })
        .await?;
    let meta = ExportMeta {
        for_whom,
        generated_at: Timestamp::from_millis(state.clock.now_ms()),
        version,
        year: state.rules.policy().year,
    };
    let households = report.households.len() as u64;
    let file_name = format!("抽查结果-{}.xlsx", report.plan_title);
    let bytes =
        tokio::task::spawn_blocking(move || jiandang_export::spotcheck::workbook(&report, &meta))
            .await
            .map_err(|e| AppError::internal(format!("export task: {e}")))?
            .map_err(|e| AppError::internal(format!("export {} failed: {}", e.code(), e)))?;
    let by = (caller.user_id, caller.device_id);
    let size = bytes.len();
    let now = state.clock.now_ms();
    state
        .db
        .call(move |conn| {
            log_export(
                conn,
                Some(by),
                EXPORT,
                Format::Xlsx,
                jiandang_export::Scope::County,
                version,
                households,
                size,
                now,
            )
        })
        .await?;
    tracing::info!(user = %caller.user_id, plan = %id, bytes = size, "spot-check results handed out");
    Ok(file_response(Made {
        bytes: Arc::new(bytes),
        file_name,
        format: Format::Xlsx,
        households,
    }))
}

/// The report of plan `id`: its estimates by `policy`, `method` and `rho`, its strata and
/// each drawn household's check.
pub fn gather(
    conn: &Connection,
    id: Uuid,
    policy: &jiandang_domain::evaluation::EvaluationPolicy,
    method: IntervalMethod,
    rho: f64,
) -> Result<SpotCheckReport, AppError> {
    let (collected, row, estimates) = plan_estimates(conn, id, policy, method, rho)?;
    let places = places(conn)?;
    let (Some(draw), Some(frame)) = (row.plan.drawn(), row.frame.as_ref()) else {
        return Err(AppError::internal("a plan with estimates has a draw"));
    };
    // A town of the estimates is a division code (the first 9 digits of its villages'); its
    // name is the town of its villages when they all have the same one.
    let mut towns_of_code: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in frame.villages() {
        if let Some(code) = &v.town {
            towns_of_code
                .entry(code.clone())
                .or_default()
                .insert(names(&places, v.id).0);
        }
    }
    let town_of_code: BTreeMap<String, String> = towns_of_code
        .into_iter()
        .map(|(code, names)| {
            let name = match names.len() {
                1 => names.into_iter().next().unwrap_or_default(),
                _ => format!("乡镇区划代码 {code}"),
            };
            (code, name)
        })
        .collect();
    let mut scopes = vec![scope_row(&places, &town_of_code, estimates.county)];
    scopes.extend(
        estimates
            .towns
            .into_iter()
            .map(|e| scope_row(&places, &town_of_code, e)),
    );
    scopes.extend(
        estimates
            .villages
            .into_iter()
            .map(|e| scope_row(&places, &town_of_code, e)),
    );
    // Each stratum's counted checks: sealed household checks and screened households.
    let village_type: BTreeMap<Uuid, VillageType> = draw
        .villages
        .iter()
        .map(|v| (v.village_id, v.village_type))
        .collect();
    let mut found: BTreeMap<(VillageType, HouseholdType), (u32, u32, u32)> = BTreeMap::new();
    for h in &collected.results.households {
        if let Some(vt) = village_type.get(&h.village_id) {
            let e = found.entry((*vt, h.household_type)).or_default();
            e.0 += 1;
            e.1 += h.persons;
            e.2 += h.wrong_exit_persons;
        }
    }
    let strata = draw
        .stratum_outcomes
        .iter()
        .map(|o| {
            let (checked, persons, wrong) = found
                .get(&(o.village_type, o.household_type))
                .copied()
                .unwrap_or_default();
            StratumRow {
                outcome: o.clone(),
                checked,
                persons,
                wrong_exit_persons: wrong,
            }
        })
        .collect();
    let mut households = Vec::with_capacity(collected.households.len());
    for p in &collected.households {
        let records: Vec<StoredRecord> = register::household_records(conn, p.household_id)?
            .into_iter()
            .filter(|r| r.village_id == p.village_id)
            .collect();
        let bundle = judge::household_bundle(p.household_id, &records);
        let (town, village) = names(&places, p.village_id);
        households.push(HouseholdRow {
            town,
            village,
            household_number: bundle
                .as_ref()
                .and_then(|b| b.household.basic.household_number.clone()),
            head_name: bundle.as_ref().and_then(|b| {
                b.members
                    .iter()
                    .find(|m| m.is_present() && m.is_head())
                    .map(|m| m.name.clone())
            }),
            household_type: p.household_type,
            state: p.state.zh().to_owned(),
            wrong_exit_persons: p.wrong_exit_persons,
            missed_persons: p.missed_persons,
            recognises: p.recognises,
            findings: p.findings,
            differences: p.differences,
        });
    }
    // In town, village and 户编号 order, as a clerk looks them up.
    households.sort_by(|a, b| {
        (&a.town, &a.village, &a.household_number).cmp(&(&b.town, &b.village, &b.household_number))
    });
    Ok(SpotCheckReport {
        plan_title: plans::title(&row.plan).to_owned(),
        policy: policy.id.clone(),
        confidence: policy.confidence,
        method,
        assumed_rho: rho,
        seed: Some(format!("{:016x}", draw.seed.0)),
        frame_version: i64::try_from(draw.frame_version.0).ok(),
        checks: collected.checks,
        scopes,
        strata,
        households,
    })
}

/// The town and village names of a village.
fn names(places: &Places, village: Uuid) -> (String, String) {
    match places.village(village) {
        Some(p) => (
            places
                .town(p.town_id)
                .map_or_else(String::new, |t| t.name.clone()),
            p.name.clone(),
        ),
        None => (String::new(), String::new()),
    }
}

fn scope_row(
    places: &Places,
    town_of_code: &BTreeMap<String, String>,
    estimates: ScopeEstimates,
) -> ScopeRow {
    let (town, village) = match &estimates.scope {
        Scope::County => ("全县".to_owned(), String::new()),
        Scope::Town(code) => (
            town_of_code
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.clone()),
            String::new(),
        ),
        Scope::Village(v) => names(places, *v),
    };
    ScopeRow {
        town,
        village,
        estimates,
    }
}
