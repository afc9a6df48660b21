//! Spot-checks on the county server (抽查, issue 13; `docs/spot-checks.md`): plans drawn from
//! the register as it stands, published (then locked), assigned to pairs of supervisors; a
//! supervisor's blind worklist and, once its observation is sealed, the register's values of
//! a checked household; the county's results (with the problems the findings raise) and its
//! estimates of 错退率, 漏评率 and 群众认可度.
//!
//! Who: the county admin plans, draws, publishes, assigns and reads results and estimates; a
//! supervisor reads its own assignments and the register of its sealed checks; every other
//! role gets 403 on every spot-check endpoint. The domain decides every plan operation
//! (`jiandang_domain::spotcheck::plan`): a published plan is refused a new draw, an edit and
//! a second publication there, and its row is held by a trigger besides.
//!
//! - [`register`]: every read of the register's tables (frame, a household, a plan's check
//!   records; the supervisor's sync scope).
//! - [`frame`]: the sampling frame from those records.
//! - [`plans`]: the plan, assignment and scope tables.
//! - [`scope`]: which spot-check changes a push takes, and the blind rule.
//! - [`results`]: check records → progress, problem seeds and the estimates' input.
//! - [`report`]: a plan's results and estimates as a workbook (抽查结果).

pub mod frame;
pub mod plans;
pub mod register;
pub mod report;
pub mod results;
pub mod scope;

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use jiandang_domain::Timestamp;
use jiandang_domain::judge;
use jiandang_domain::spotcheck::check::{CheckError, SpotCheck};
use jiandang_domain::spotcheck::diff::{RegisteredHousehold, diff};
use jiandang_domain::spotcheck::draw::Seed;
use jiandang_domain::spotcheck::estimate::{Scope, estimate};
use jiandang_domain::spotcheck::plan::{DraftPlan, Plan, PlanError};
use jiandang_domain::spotcheck::stats::IntervalMethod;
use jiandang_domain::{RecordKind, StoredRecord};
use jiandang_protocol::spotcheck::{
    AssignPlan, BlindHousehold, CheckRegister, Checker, CreatePlan, DrawPlan, EditPlan,
    PlanEstimates, PlanList, PlanResults, PlanView, SeedSource, WorkAssignment, Worklist,
};
use jiandang_protocol::{ErrorCode, PROTOCOL_VERSION, Role};
use rusqlite::Connection;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Wire;
use plans::PlanRow;

pub use register::is_spot_kind;
pub use scope::{PushScope, push_scope};

/// The intra-village correlation assumed where a sample cannot show its own design effect
/// (EVALUATION.md §8.2: ρ = 0.05 gives a design effect of 1.7 at 15 households a village).
pub const DEFAULT_RHO: f64 = 0.05;

/// `GET /api/v1/spotchecks/plans`.
pub async fn list_plans(
    State(state): State<AppState>,
    County(_): County,
) -> Result<Json<PlanList>, AppError> {
    let plans = state.db.read(|conn| plans::list(conn)).await?;
    Ok(Json(PlanList {
        protocol: PROTOCOL_VERSION,
        plans,
    }))
}

/// `POST /api/v1/spotchecks/plans`.
pub async fn create_plan(
    State(state): State<AppState>,
    County(caller): County,
    Wire(req): Wire<CreatePlan>,
) -> Result<Json<PlanView>, AppError> {
    let title = plan_title(&req.title)?;
    let spec = match (req.spec, req.preset) {
        (Some(spec), None) => spec,
        (None, Some(preset)) => preset.spec(),
        _ => {
            return Err(AppError::bad_request(
                "请给出抽样设置（spec）或选择一种默认方案（preset），二者只选其一",
            ));
        }
    };
    spec.check().map_err(plan_error)?;
    let plan = Plan::Draft(DraftPlan::new(Uuid::new_v4(), title, spec));
    let now = state.clock.now_ms();
    let by = caller.user_id;
    let view = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            plans::insert(&tx, &plan, by, now)?;
            let view = view(&tx, plan.id())?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    tracing::info!(plan = %view.id, "spot-check plan created");
    Ok(Json(view))
}

/// `GET /api/v1/spotchecks/plans/{id}`.
pub async fn get_plan(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, AppError> {
    let id = plan_id(&id)?;
    Ok(Json(state.db.read(move |conn| view(conn, id)).await?))
}

/// `PUT /api/v1/spotchecks/plans/{id}`: a new title and spec; a drawn plan becomes a draft
/// again, a published one is refused.
pub async fn edit_plan(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
    Wire(req): Wire<EditPlan>,
) -> Result<Json<PlanView>, AppError> {
    let id = plan_id(&id)?;
    let title = plan_title(&req.title)?;
    let now = state.clock.now_ms();
    let view = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut row = plans::load(&tx, id)?.ok_or_else(not_found)?;
            row.plan = row.plan.edit(title, req.spec).map_err(plan_error)?;
            // The draw, if any, is gone with its frame.
            row.frame = None;
            row.seed_source = None;
            row.left_out_households = 0;
            row.left_out_villages = 0;
            plans::update(&tx, &row, now)?;
            let view = view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    Ok(Json(view))
}

/// `POST /api/v1/spotchecks/plans/{id}/draw`: the frame read from the register as it stands
/// (its version is the county's change sequence number), then the domain's draw with the
/// given seed or one from the operating system.
pub async fn draw_plan(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
    Wire(req): Wire<DrawPlan>,
) -> Result<Json<PlanView>, AppError> {
    let id = plan_id(&id)?;
    // Refused before the frame is read, should the plan be published or unknown.
    let year = state
        .db
        .read(move |conn| {
            let row = plans::load(conn, id)?.ok_or_else(not_found)?;
            if row.plan.state() == jiandang_domain::spotcheck::plan::PlanState::Published {
                return Err(plan_error(PlanError::Locked));
            }
            Ok(row.plan.spec().year)
        })
        .await?;
    let (seed, source) = match req.seed {
        Some(seed) => (seed, SeedSource::Given),
        None => (
            Seed(getrandom::u64().map_err(|e| AppError::internal(format!("getrandom: {e}")))?),
            SeedSource::Server,
        ),
    };
    let built = state
        .db
        .read(move |conn| {
            let read = register::frame_records(conn)?;
            frame::build(&read, year).map_err(|e| AppError::internal(format!("frame: {e}")))
        })
        .await?;
    let now = state.clock.now_ms();
    let view = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut row = plans::load(&tx, id)?.ok_or_else(not_found)?;
            // The domain refuses a plan published meanwhile.
            row.plan = row.plan.draw(&built.frame, seed).map_err(plan_error)?;
            row.frame = Some(built.frame);
            row.seed_source = Some(source);
            row.left_out_households = built.left_out_households;
            row.left_out_villages = built.left_out_villages;
            plans::update(&tx, &row, now)?;
            let view = view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    tracing::info!(plan = %id, "spot-check plan drawn");
    Ok(Json(view))
}

/// `POST /api/v1/spotchecks/plans/{id}/publish`: the draw goes to the checkers and is
/// locked. The stored draw is first verified against its seed and frame.
pub async fn publish_plan(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, AppError> {
    let id = plan_id(&id)?;
    let now = state.clock.now_ms();
    let view = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut row = plans::load(&tx, id)?.ok_or_else(not_found)?;
            if let Some(frame) = &row.frame {
                row.plan.verify(frame).map_err(plan_error)?;
            }
            row.plan = row
                .plan
                .publish(Timestamp::from_millis(now))
                .map_err(plan_error)?;
            row.published_ms = Some(now);
            plans::update(&tx, &row, now)?;
            let view = view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    tracing::info!(plan = %id, "spot-check plan published");
    Ok(Json(view))
}

/// `POST /api/v1/spotchecks/plans/{id}/assignments`: drawn households and villages to a pair
/// of supervisors.
pub async fn assign(
    State(state): State<AppState>,
    County(caller): County,
    Path(id): Path<String>,
    Wire(req): Wire<AssignPlan>,
) -> Result<Json<PlanView>, AppError> {
    let id = plan_id(&id)?;
    let now = state.clock.now_ms();
    let by = caller.user_id;
    let view = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let row = plans::load(&tx, id)?.ok_or_else(not_found)?;
            let Plan::Published(plan) = &row.plan else {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "方案尚未发布：发布后才能分配核查任务",
                ));
            };
            if plans::supervisors(&tx, &req.checkers)?
                .iter()
                .any(Option::is_none)
            {
                return Err(AppError::bad_request(
                    "核查人须为启用中的督导核查人员（supervisor）",
                ));
            }
            let existing = plans::assignments(&tx, id)?;
            let assignment = plan
                .assign(
                    &existing,
                    Uuid::new_v4(),
                    req.checkers,
                    req.households,
                    req.villages,
                )
                .map_err(plan_error)?;
            let villages: BTreeMap<Uuid, Uuid> = plan
                .draw()
                .households
                .iter()
                .map(|h| (h.household_id, h.village_id))
                .collect();
            plans::insert_assignment(&tx, &assignment, &villages, by, now)?;
            let view = view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    Ok(Json(view))
}

/// `GET /api/v1/spotchecks/plans/{id}/results`.
pub async fn results(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
) -> Result<Json<PlanResults>, AppError> {
    let id = plan_id(&id)?;
    let collected = state.db.read(move |conn| collect(conn, id)).await?;
    Ok(Json(PlanResults {
        protocol: PROTOCOL_VERSION,
        plan_id: id,
        households: collected.households,
        villages: collected.villages,
        problems: collected.problems,
        set_aside: collected.set_aside,
    }))
}

/// The query of the estimates.
#[derive(Debug, Deserialize)]
pub struct EstimateQuery {
    /// `wilson` (the policy's default) or `clopper_pearson`.
    pub method: Option<IntervalMethod>,
    /// The intra-village correlation assumed, 0 to 1 (default [`DEFAULT_RHO`]).
    pub rho: Option<f64>,
}

/// `GET /api/v1/spotchecks/plans/{id}/estimates?method=&rho=`: the county's, each town's
/// and each drawn village's indicators by the year's evaluation standard.
pub async fn estimates(
    State(state): State<AppState>,
    County(_): County,
    Path(id): Path<String>,
    query: Result<Query<EstimateQuery>, QueryRejection>,
) -> Result<Json<PlanEstimates>, AppError> {
    let id = plan_id(&id)?;
    let Query(query) = query.map_err(|_| {
        AppError::bad_request("method 应为 wilson 或 clopper_pearson，rho 应为 0 到 1 之间的数")
    })?;
    let rho = query.rho.unwrap_or(DEFAULT_RHO);
    if !(0.0..=1.0).contains(&rho) {
        return Err(AppError::bad_request("rho 应为 0 到 1 之间的数"));
    }
    let policy = state.rules.policy().evaluation.clone();
    let method = query.method.unwrap_or(policy.interval);
    let answer = state
        .db
        .read(move |conn| Ok(plan_estimates(conn, id, &policy, method, rho)?.2))
        .await?;
    Ok(Json(answer))
}

/// A plan's collected checks, its row and its estimates of the county, each town and each
/// drawn village.
pub fn plan_estimates(
    conn: &Connection,
    id: Uuid,
    policy: &jiandang_domain::evaluation::EvaluationPolicy,
    method: IntervalMethod,
    rho: f64,
) -> Result<(results::Collected, PlanRow, PlanEstimates), AppError> {
    let collected = collect(conn, id)?;
    let row = plans::load(conn, id)?.ok_or_else(not_found)?;
    let (Some(draw), Some(frame)) = (row.plan.drawn(), row.frame.as_ref()) else {
        return Err(plan_error(PlanError::NotDrawn));
    };
    let one = |scope: Scope| {
        estimate(&scope, frame, &collected.results, policy, Some(method), rho)
            .map_err(|e| AppError::new(ErrorCode::RuleRefused, format!("无法估计：{e}")))
    };
    let drawn: Vec<Uuid> = draw.villages.iter().map(|v| v.village_id).collect();
    let mut town_villages: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for v in &drawn {
        if let Some(town) = frame.village(*v).and_then(|f| f.town.clone()) {
            town_villages.entry(town).or_default().push(*v);
        }
    }
    let towns: BTreeSet<String> = town_villages.keys().cloned().collect();
    let estimates = PlanEstimates {
        protocol: PROTOCOL_VERSION,
        plan_id: id,
        policy: policy.id.clone(),
        method,
        assumed_rho: rho,
        checks: collected.checks,
        county: one(Scope::County)?,
        towns: towns
            .into_iter()
            .map(|t| one(Scope::Town(t)))
            .collect::<Result<_, _>>()?,
        villages: drawn
            .into_iter()
            .map(|v| one(Scope::Village(v)))
            .collect::<Result<_, _>>()?,
        town_villages,
    };
    Ok((collected, row, estimates))
}

/// `GET /api/v1/spotchecks/plans/{id}/results.xlsx?method=&rho=` (county admin): the plan's
/// results as a workbook ([`report`]), logged in the export audit trail.
pub async fn results_workbook(
    State(state): State<AppState>,
    County(caller): County,
    Path(id): Path<String>,
    query: Result<Query<EstimateQuery>, QueryRejection>,
) -> Result<axum::response::Response, AppError> {
    let id = plan_id(&id)?;
    let Query(query) = query.map_err(|_| {
        AppError::bad_request("method 应为 wilson 或 clopper_pearson，rho 应为 0 到 1 之间的数")
    })?;
    let rho = query.rho.unwrap_or(DEFAULT_RHO);
    if !(0.0..=1.0).contains(&rho) {
        return Err(AppError::bad_request("rho 应为 0 到 1 之间的数"));
    }
    report::workbook(&state, &caller, id, query.method, rho).await
}

/// `GET /api/v1/spotchecks/assignments`: a supervisor's own assignments with the blind view
/// of each household; the county admin's: every assignment.
pub async fn worklist(
    State(state): State<AppState>,
    Reader(mine): Reader,
) -> Result<Json<Worklist>, AppError> {
    let assignments = state
        .db
        .read(move |conn| {
            let assignments = match mine {
                Some(user) => plans::assignments_of(conn, user)?,
                None => plans::all_assignments(conn)?,
            };
            let mut rows: BTreeMap<Uuid, PlanRow> = BTreeMap::new();
            let mut out = Vec::new();
            for a in assignments {
                let row = match rows.entry(a.plan_id) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(plans::load(conn, a.plan_id)?.ok_or_else(not_found)?)
                    }
                };
                out.push(work_assignment(conn, row, &a)?);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(Worklist {
        protocol: PROTOCOL_VERSION,
        assignments,
    }))
}

/// `GET /api/v1/spotchecks/checks/{id}/register`: the register's values of a checked
/// household, once the check's observation is sealed on the server; to the pair it was
/// assigned to (and the county admin).
pub async fn check_register(
    State(state): State<AppState>,
    Reader(mine): Reader,
    Path(id): Path<String>,
) -> Result<Json<CheckRegister>, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("核查记录编号格式不对"))?;
    let no_check = || AppError::not_found("没有这条核查记录");
    let answer = state
        .db
        .read(move |conn| {
            let record = register::record(conn, id)?
                .filter(|r| r.kind == RecordKind::SpotCheck)
                .ok_or_else(no_check)?;
            let check = frame::typed::<SpotCheck>(&record).ok_or_else(no_check)?;
            if let Some(user) = mine {
                // Another pair's check answers as if it did not exist: nothing to probe.
                let assigned = plans::scope_in(conn, user, record.village_id)?
                    .iter()
                    .any(|(p, h)| *p == check.plan_id && *h == Some(check.household_id));
                if !assigned {
                    return Err(no_check());
                }
            }
            let observed_at = check
                .require_observed()
                .map_err(|e| AppError::new(ErrorCode::Conflict, e.to_string()))?;
            let records: Vec<StoredRecord> = register::household_records(conn, check.household_id)?
                .into_iter()
                .filter(|r| r.village_id == record.village_id)
                .collect();
            let bundle =
                judge::household_bundle(check.household_id, &records).ok_or_else(|| {
                    AppError::new(ErrorCode::Conflict, CheckError::WrongHousehold.to_string())
                })?;
            let differences = diff(
                RegisteredHousehold {
                    household: &bundle.household,
                    members: &bundle.members,
                },
                &check.observed,
                &check.observed_members,
            );
            Ok(CheckRegister {
                protocol: PROTOCOL_VERSION,
                check_id: id,
                household_id: check.household_id,
                observed_at,
                household: bundle.household,
                members: bundle.members,
                differences,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// The county admin, checked before the request's body is read: every other caller gets 403
/// whatever it sends.
pub struct County(pub Caller);

impl FromRequestParts<AppState> for County {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<County, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_admin()?;
        Ok(County(caller))
    }
}

/// A caller who may read spot-check assignments: the county admin (`None`: all of them) or a
/// supervisor (its own user id); every other caller gets 403.
pub struct Reader(pub Option<Uuid>);

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Reader, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match caller.role {
            Role::CountyAdmin => Ok(Reader(None)),
            Role::Supervisor => Ok(Reader(Some(caller.user_id))),
            Role::SurveyWorker | Role::WorkTeamMember | Role::TownOfficer => {
                Err(AppError::forbidden())
            }
        }
    }
}

/// A plan as the county admin sees it.
fn view(conn: &Connection, id: Uuid) -> Result<PlanView, AppError> {
    let row = plans::load(conn, id)?.ok_or_else(not_found)?;
    let assignments = plans::assignments(conn, id)?;
    Ok(PlanView {
        protocol: PROTOCOL_VERSION,
        id,
        title: plans::title(&row.plan).to_owned(),
        state: row.plan.state(),
        spec: row.plan.spec().clone(),
        draw: row.plan.drawn().cloned(),
        seed_source: row.seed_source,
        frame: row.frame_summary(),
        created_ms: row.created_ms,
        updated_ms: row.updated_ms,
        published_ms: row.published_ms,
        assignments,
    })
}

/// A plan's check records, collected.
fn collect(conn: &Connection, id: Uuid) -> Result<results::Collected, AppError> {
    let row = plans::load(conn, id)?.ok_or_else(not_found)?;
    let (Some(draw), Some(frame)) = (row.plan.drawn(), row.frame.as_ref()) else {
        return Err(plan_error(PlanError::NotDrawn));
    };
    let villages: Vec<Uuid> = draw.villages.iter().map(|v| v.village_id).collect();
    let (records, unreadable) = register::plan_records(conn, id, &villages)?;
    let assignments = plans::assignments(conn, id)?;
    Ok(results::collect(
        draw,
        frame,
        &assignments,
        &records,
        &unreadable,
    ))
}

/// One assignment as its checkers see it: each household's blind view.
fn work_assignment(
    conn: &Connection,
    row: &PlanRow,
    a: &jiandang_domain::spotcheck::plan::Assignment,
) -> Result<WorkAssignment, AppError> {
    let draw = row.plan.drawn();
    let mut households = Vec::new();
    let mut villages: BTreeSet<Uuid> = a.villages.iter().copied().collect();
    for h in &a.households {
        let Some(drawn) = draw.and_then(|d| d.households.iter().find(|d| d.household_id == *h))
        else {
            continue;
        };
        villages.insert(drawn.village_id);
        let records: Vec<StoredRecord> = register::household_records(conn, *h)?
            .into_iter()
            .filter(|r| r.village_id == drawn.village_id)
            .collect();
        let bundle = judge::household_bundle(*h, &records);
        households.push(BlindHousehold {
            household_id: *h,
            village_id: drawn.village_id,
            household_type: drawn.household_type,
            household_number: bundle
                .as_ref()
                .and_then(|b| b.household.basic.household_number.clone()),
            head_name: bundle.as_ref().and_then(|b| {
                b.members
                    .iter()
                    .find(|m| m.is_present() && m.is_head())
                    .map(|m| m.name.clone())
            }),
            natural_village_id: bundle.as_ref().and_then(|b| b.household.natural_village_id),
        });
    }
    let checkers = a
        .checkers
        .iter()
        .map(|c| {
            Ok(Checker {
                id: *c,
                display_name: plans::display_name(conn, *c)?,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(WorkAssignment {
        id: a.id,
        plan_id: a.plan_id,
        plan_title: plans::title(&row.plan).to_owned(),
        year: row.plan.spec().year,
        checkers,
        households,
        screen_villages: a.villages.clone(),
        places: plans::places(conn, &villages.into_iter().collect::<Vec<_>>())?,
    })
}

fn plan_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::bad_request("抽查方案编号格式不对"))
}

fn plan_title(title: &str) -> Result<String, AppError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::bad_request("方案名称应为 1 到 100 个字"));
    }
    Ok(title.to_owned())
}

fn not_found() -> AppError {
    AppError::not_found("没有这个抽查方案")
}

/// A plan operation the domain refused: a state it cannot happen in is a conflict (a
/// published plan is locked), a request naming what the plan does not hold a bad request.
fn plan_error(e: PlanError) -> AppError {
    let code = match &e {
        PlanError::Locked
        | PlanError::NotDrawn
        | PlanError::HouseholdTaken(_)
        | PlanError::FrameVersion { .. }
        | PlanError::DrawMismatch
        | PlanError::Algorithm(_) => ErrorCode::Conflict,
        PlanError::Spec(_)
        | PlanError::HouseholdNotDrawn(_)
        | PlanError::VillageNotDrawn(_)
        | PlanError::Pair
        | PlanError::EmptyAssignment => ErrorCode::BadRequest,
    };
    AppError::new(code, e.to_string())
}
