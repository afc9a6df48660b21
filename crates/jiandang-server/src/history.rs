//! A record's history from the change log (the audit trail): who, when, from which device,
//! which field, old → new, and whether the change won. A change made on the county dashboard
//! names its session as the device, shown as the dashboard.

use axum::Json;
use axum::extract::{Path, State};
use jiandang_protocol::{PROTOCOL_VERSION, RecordHistory, Role};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, Via};
use crate::error::AppError;
use crate::session::sees_id_numbers;
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
            let (village, mut entries) = store
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
            // On the dashboard, ID numbers show whole only to the roles that see them (a
            // device holds its villages' numbers anyway).
            if caller.via == Via::Session && !sees_id_numbers(caller.role) {
                let kind = store.head(record)?.and_then(|h| h.kind);
                for e in &mut entries {
                    e.old = crate::dashboard::masked_change(kind, &e.field, e.old.take());
                    e.new = crate::dashboard::masked_change(kind, &e.field, e.new.take());
                }
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
