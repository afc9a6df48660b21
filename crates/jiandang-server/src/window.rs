//! The entry window (录入期): record writes are open while today (Beijing) falls in a phase of
//! the county's policy whose `writes_open` is set, or while the county admin has reopened
//! the village.

use jiandang_domain::Date;
use jiandang_domain::policy::YearPolicy;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::error::AppError;

/// Whether the village takes record writes on `today`.
pub fn writes_open(
    conn: &Connection,
    policy: &YearPolicy,
    village: Uuid,
    today: Date,
) -> Result<bool, AppError> {
    if policy.writes_open_on(today) {
        return Ok(true);
    }
    reopened_on(conn, village, today)
}

/// Whether the county admin has reopened the village through `today` or later.
fn reopened_on(conn: &Connection, village: Uuid, today: Date) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM village_reopenings WHERE village_id = ?1 AND until >= ?2)",
        )?
        .query_row(params![village.to_string(), today.to_string()], |r| r.get(0))?)
}

/// The message of an `entry_closed` refusal.
pub const CLOSED_MESSAGE: &str =
    "录入期已结束（11月30日24时截止），修改已保留在本机；请联系县扶贫办重新开放本村后再同步";
