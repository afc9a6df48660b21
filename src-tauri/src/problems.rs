//! The problem list's commands (问题清单, issue 18 item 3): the village's list with its counts
//! by state, the worker's answer to a problem (核实无误 / 已整改, the domain's actions through
//! the replica), and whether a record may be written today by the year's phases.

use jiandang_replica::{ProblemAnswer, ProblemList, WriteWindow};
use tauri::State;
use uuid::Uuid;

use crate::AppState;
use crate::error::CmdResult;
use crate::view::{ActionAnswer, OutboxIndex};

/// The village's problems as the device holds them (synced like every record).
#[tauri::command(async)]
pub fn list_problems(state: State<'_, AppState>, village_id: Uuid) -> CmdResult<ProblemList> {
    Ok(state.replica.problem_list(village_id)?)
}

/// The worker's answer: done (the problem's changes saved with their outbox rows, the sync
/// nudged) or refused with the domain's reasons, nothing saved.
#[tauri::command(async)]
pub fn answer_problem(
    state: State<'_, AppState>,
    problem_id: Uuid,
    answer: ProblemAnswer,
) -> CmdResult<ActionAnswer> {
    let acted = state.replica.answer_problem(problem_id, answer)?;
    if acted.is_done() {
        state.nudge();
    }
    let ob = OutboxIndex::new(state.replica.outbox()?);
    Ok(ActionAnswer::new(acted, &ob))
}

/// Whether `record_id` may be written today (the phases and the village's open problems);
/// `None` before the county's policy has arrived.
#[tauri::command(async)]
pub fn write_window(state: State<'_, AppState>, record_id: Uuid) -> CmdResult<Option<WriteWindow>> {
    match state.replica.write_window(record_id) {
        Ok(w) => Ok(Some(w)),
        Err(jiandang_replica::Error::NoPolicy | jiandang_replica::Error::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
