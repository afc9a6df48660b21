//! The spot-check tables (`spot_plans`, `spot_assignments`, `spot_scope`): plans as the domain
//! keeps them, the frame each was drawn from, assignments and the per-checker scope that sync
//! reads. A published plan's row cannot be updated or deleted (a trigger of the migration).

use std::collections::BTreeMap;

use jiandang_domain::spotcheck::frame::Frame;
use jiandang_domain::spotcheck::plan::{Assignment, Plan, PlanState};
use jiandang_protocol::spotcheck::{FrameSummary, PlanSummary, SeedSource, StratumSizeView};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;

/// A plan's row.
pub struct PlanRow {
    pub plan: Plan,
    pub frame: Option<Frame>,
    pub seed_source: Option<SeedSource>,
    pub left_out_households: u32,
    pub left_out_villages: u32,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub published_ms: Option<i64>,
}

impl PlanRow {
    /// The frame in figures, once drawn.
    pub fn frame_summary(&self) -> Option<FrameSummary> {
        let frame = self.frame.as_ref()?;
        Some(FrameSummary {
            version: frame.version().0,
            villages: count(frame.villages().len()),
            households: count(frame.households().len()),
            left_out_villages: self.left_out_villages,
            left_out_households: self.left_out_households,
            strata: frame
                .strata()
                .into_iter()
                .map(|((village_type, household_type), size)| StratumSizeView {
                    village_type,
                    household_type,
                    households: size.households,
                    persons: size.persons,
                })
                .collect(),
        })
    }
}

/// The plan's title, whatever its state.
pub fn title(plan: &Plan) -> &str {
    match plan {
        Plan::Draft(p) => &p.title,
        Plan::Drawn(p) => p.title(),
        Plan::Published(p) => p.title(),
    }
}

pub fn insert(conn: &Connection, plan: &Plan, by: Uuid, now_ms: i64) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO spot_plans (id, title, state, plan, created_by, created_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        plan.id().to_string(),
        title(plan),
        state_str(plan.state()),
        serde_json::to_string(plan)?,
        by.to_string(),
        now_ms
    ])?;
    Ok(())
}

/// Writes a plan back (its state, spec, draw and frame). The migration's trigger refuses
/// the write for a plan stored as published.
pub fn update(conn: &Connection, row: &PlanRow, now_ms: i64) -> Result<(), AppError> {
    let frame = row.frame.as_ref().map(serde_json::to_string).transpose()?;
    conn.prepare_cached(
        "UPDATE spot_plans SET title = ?2, state = ?3, plan = ?4, frame = ?5, seed_source = ?6,
             left_out_households = ?7, left_out_villages = ?8, updated_ms = ?9,
             published_ms = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        row.plan.id().to_string(),
        title(&row.plan),
        state_str(row.plan.state()),
        serde_json::to_string(&row.plan)?,
        frame,
        row.seed_source.map(seed_source_str),
        row.left_out_households,
        row.left_out_villages,
        now_ms,
        row.published_ms
    ])?;
    Ok(())
}

pub fn load(conn: &Connection, id: Uuid) -> Result<Option<PlanRow>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT plan, frame, seed_source, left_out_households, left_out_villages,
                 created_ms, updated_ms, published_ms
             FROM spot_plans WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })
        .optional()?;
    let Some((plan, frame, seed_source, lo_h, lo_v, created, updated, published)) = row else {
        return Ok(None);
    };
    Ok(Some(PlanRow {
        plan: serde_json::from_str(&plan)?,
        frame: frame.as_deref().map(serde_json::from_str).transpose()?,
        seed_source: match seed_source.as_deref() {
            Some("given") => Some(SeedSource::Given),
            Some("server") => Some(SeedSource::Server),
            _ => None,
        },
        left_out_households: lo_h,
        left_out_villages: lo_v,
        created_ms: created,
        updated_ms: updated,
        published_ms: published,
    }))
}

/// Every plan, newest first.
pub fn list(conn: &Connection) -> Result<Vec<PlanSummary>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.plan, p.created_ms, p.published_ms,
             (SELECT COUNT(*) FROM spot_assignments a WHERE a.plan_id = p.id)
         FROM spot_plans p ORDER BY p.created_ms DESC, p.id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let plan: Plan = serde_json::from_str(&row.get::<_, String>(0)?)?;
        let draw = plan.drawn();
        out.push(PlanSummary {
            id: plan.id(),
            title: title(&plan).to_owned(),
            state: plan.state(),
            year: plan.spec().year,
            villages_drawn: draw.map_or(0, |d| count(d.villages.len())),
            households_drawn: draw.map_or(0, |d| count(d.households.len())),
            assignments: row.get(3)?,
            created_ms: row.get(1)?,
            published_ms: row.get(2)?,
        });
    }
    Ok(out)
}

/// A plan's assignments, in the order they were made.
pub fn assignments(conn: &Connection, plan: Uuid) -> Result<Vec<Assignment>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT assignment FROM spot_assignments WHERE plan_id = ?1 ORDER BY created_ms, id",
    )?;
    let mut rows = stmt.query([plan.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

/// Stores an assignment and each checker's scope: its households (in the villages the draw
/// found them in) and its villages to screen.
pub fn insert_assignment(
    conn: &Connection,
    assignment: &Assignment,
    household_villages: &BTreeMap<Uuid, Uuid>,
    by: Uuid,
    now_ms: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO spot_assignments (id, plan_id, assignment, created_by, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        assignment.id.to_string(),
        assignment.plan_id.to_string(),
        serde_json::to_string(assignment)?,
        by.to_string(),
        now_ms
    ])?;
    let mut scope = conn.prepare_cached(
        "INSERT OR IGNORE INTO spot_scope (user_id, plan_id, village_id, household_id, assignment_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for checker in assignment.checkers {
        for household in &assignment.households {
            let village = household_villages
                .get(household)
                .ok_or_else(|| AppError::internal("an assigned household without its village"))?;
            scope.execute(params![
                checker.to_string(),
                assignment.plan_id.to_string(),
                village.to_string(),
                household.to_string(),
                assignment.id.to_string()
            ])?;
        }
        for village in &assignment.villages {
            scope.execute(params![
                checker.to_string(),
                assignment.plan_id.to_string(),
                village.to_string(),
                "",
                assignment.id.to_string()
            ])?;
        }
    }
    Ok(())
}

/// The assignments a checker is in, of every plan.
pub fn assignments_of(conn: &Connection, user: Uuid) -> Result<Vec<Assignment>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.assignment FROM spot_assignments a
         WHERE a.id IN (SELECT assignment_id FROM spot_scope WHERE user_id = ?1)
         ORDER BY a.created_ms, a.id",
    )?;
    let mut rows = stmt.query([user.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

/// Every assignment of every plan.
pub fn all_assignments(conn: &Connection) -> Result<Vec<Assignment>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT assignment FROM spot_assignments ORDER BY created_ms, id")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

/// A checker's scope in one village: (plan, household) pairs, household `None` for a village
/// to screen.
pub fn scope_in(
    conn: &Connection,
    user: Uuid,
    village: Uuid,
) -> Result<Vec<(Uuid, Option<Uuid>)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT plan_id, household_id FROM spot_scope WHERE user_id = ?1 AND village_id = ?2",
    )?;
    let mut rows = stmt.query(params![user.to_string(), village.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let plan = parse_uuid(&row.get::<_, String>(0)?)?;
        let household: String = row.get(1)?;
        let household = if household.is_empty() {
            None
        } else {
            Some(parse_uuid(&household)?)
        };
        out.push((plan, household));
    }
    Ok(out)
}

/// The villages named, with their towns.
pub fn places(
    conn: &Connection,
    villages: &[Uuid],
) -> Result<Vec<jiandang_protocol::VillageInfo>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.name, t.name FROM villages v JOIN towns t ON t.id = v.town_id WHERE v.id = ?1",
    )?;
    let mut out = Vec::new();
    for id in villages {
        if let Some((name, town)) = stmt
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            out.push(jiandang_protocol::VillageInfo {
                id: *id,
                name,
                town,
            });
        }
    }
    Ok(out)
}

/// Whether each user is an enabled supervisor; the display names of those who are.
pub fn supervisors(conn: &Connection, users: &[Uuid]) -> Result<Vec<Option<String>>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT display_name FROM users WHERE id = ?1 AND role = 'supervisor' AND disabled = 0",
    )?;
    users
        .iter()
        .map(|u| {
            Ok(stmt
                .query_row([u.to_string()], |r| r.get::<_, String>(0))
                .optional()?)
        })
        .collect()
}

/// A user's display name.
pub fn display_name(conn: &Connection, user: Uuid) -> Result<String, AppError> {
    Ok(conn
        .prepare_cached("SELECT display_name FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

fn state_str(state: PlanState) -> &'static str {
    match state {
        PlanState::Draft => "draft",
        PlanState::Drawn => "drawn",
        PlanState::Published => "published",
    }
}

fn seed_source_str(source: SeedSource) -> &'static str {
    match source {
        SeedSource::Given => "given",
        SeedSource::Server => "server",
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
