//! A record's history from the change log (the audit trail): who, when, from which device,
//! which field, old → new, and whether the change won.

use axum::Json;
use axum::extract::{Path, State};
use jiandang_protocol::{PROTOCOL_VERSION, RecordHistory, Role};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::spotchecks::is_spot_kind;
use crate::storage::Store;

/// `GET /api/v1/records/{id}/history`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordHistory>, AppError> {
    let record = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("记录编号格式不对"))?;
    let history = state
        .db
        .read(move |conn| {
            // Same answer for a record of a village not the caller's as for one that does not
            // exist: no probing other villages.
            let store = Store::new(conn);
            let (village, entries) = store
                .history(record)?
                .ok_or_else(|| AppError::not_found("没有这条记录"))?;
            // A check record's history is the county's: the checked village's own users
            // never learn which households were drawn.
            let spot_check = store
                .head(record)?
                .and_then(|head| head.kind)
                .is_some_and(is_spot_kind);
            if !caller.may_access(village) || (spot_check && caller.role != Role::CountyAdmin) {
                return Err(AppError::not_found("没有这条记录"));
            }
            Ok(RecordHistory {
                protocol: PROTOCOL_VERSION,
                record_id: record,
                entries,
            })
        })
        .await?;
    Ok(Json(history))
}
