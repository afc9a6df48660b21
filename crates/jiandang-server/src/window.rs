//! The entry window (录入期): record writes are open while today (Beijing) falls in a phase
//! whose `writes_open` is set, or while the county admin has reopened the village.

use jiandang_domain::Date;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::error::AppError;

/// Whether the village takes record writes on `today`.
pub fn writes_open(conn: &Connection, village: Uuid, today: Date) -> Result<bool, AppError> {
    let today = today.to_string();
    let open = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM phases WHERE writes_open = 1 AND starts <= ?1 AND ends >= ?1)
                 OR EXISTS (SELECT 1 FROM village_reopenings WHERE village_id = ?2 AND until >= ?1)",
        )?
        .query_row(params![today, village.to_string()], |r| r.get(0))?;
    Ok(open)
}

/// The message of an `entry_closed` refusal.
pub const CLOSED_MESSAGE: &str =
    "录入期已结束（11月30日24时截止），修改已保留在本机；请联系县扶贫办重新开放本村后再同步";
