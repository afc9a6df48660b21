//! The county's messages beyond sync: a record's history, conflicts and their resolution,
//! administration (users, devices, phases, reopened villages), blob status, health.

use jiandang_domain::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Hlc, Role};

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub protocol: u32,
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// One logged change of a record (the audit trail): who, when, from which device, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub seq: u64,
    pub change_id: Uuid,
    pub field: String,
    pub old: Value,
    pub new: Value,
    /// `accepted` or `superseded`.
    pub outcome: String,
    pub hlc: Hlc,
    /// When the server received it, UTC milliseconds.
    pub received_ms: i64,
    pub user_id: Uuid,
    pub username: String,
    pub device_id: Uuid,
    pub device_name: String,
}

/// `GET /api/v1/records/{id}/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordHistory {
    pub protocol: u32,
    pub record_id: Uuid,
    pub entries: Vec<HistoryEntry>,
}

/// One side of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictSide {
    pub value: Value,
    pub hlc: Hlc,
    pub user_id: Uuid,
    pub device_id: Uuid,
}

/// How the county resolved a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub value: Value,
    pub resolved_by: Uuid,
    pub resolved_ms: i64,
    /// The logged change that applied the value.
    pub seq: u64,
}

/// Two concurrent edits of one field: the winner is the current value, the loser is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: u64,
    pub record_id: Uuid,
    pub village_id: Uuid,
    pub field: String,
    pub losing: ConflictSide,
    pub winning: ConflictSide,
    /// The seq of the change that made the conflict.
    pub seq: u64,
    pub resolution: Option<Resolution>,
}

/// `GET /api/v1/conflicts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictList {
    pub protocol: u32,
    pub conflicts: Vec<Conflict>,
}

/// `POST /api/v1/conflicts/{id}/resolve`: the value the field is to have (the losing one,
/// the winning one, or another).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolveConflict {
    pub protocol: u32,
    pub value: Value,
}

/// A user as the county admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub villages: Vec<Uuid>,
    /// The towns of a town officer (its villages are theirs).
    #[serde(default)]
    pub towns: Vec<Uuid>,
}

/// `GET /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub protocol: u32,
    pub users: Vec<UserView>,
}

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUser {
    pub protocol: u32,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub villages: Vec<Uuid>,
    /// A town officer's towns.
    #[serde(default)]
    pub towns: Vec<Uuid>,
}

/// `PUT /api/v1/admin/users/{id}`: what to change; absent fields stay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UpdateUser {
    pub protocol: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub villages: Option<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub towns: Option<Vec<Uuid>>,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub revoked: bool,
    pub enrolled_ms: i64,
    /// When it last pushed, pulled or took a snapshot, UTC milliseconds.
    #[serde(default)]
    pub last_seen_ms: Option<i64>,
    /// When the county marked it lost (its next contact erases it), UTC milliseconds.
    #[serde(default)]
    pub lost_ms: Option<i64>,
    /// What it reported it had not sent when it was told it was lost.
    #[serde(default)]
    pub loss_report: Option<LossReport>,
}

/// `POST /api/v1/device/loss-report`: what a device the county marked lost held and had not
/// sent, just before it erased itself. Counts and record ids only: never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossReport {
    pub protocol: u32,
    /// Field edits never acknowledged by the server (waiting or sent without an answer).
    pub unsent_changes: u64,
    /// Edits the server refused that were never resent.
    pub refused_changes: u64,
    /// Photos and thumbnails not wholly uploaded.
    pub unsent_photos: u64,
    /// The records those edits and photos belong to (sorted, each once).
    pub record_ids: Vec<Uuid>,
    /// The device's clock when it reported, UTC milliseconds.
    pub reported_ms: i64,
}

/// `GET /api/v1/admin/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub protocol: u32,
    pub devices: Vec<DeviceView>,
}

/// A phase of the year (NOTICE.md timeline). `ends` is inclusive: the entry phase ending
/// 11-30 closes at 11-30 24:00 Beijing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    pub starts: Date,
    pub ends: Date,
    /// Whether record writes are open during the phase.
    pub writes_open: bool,
    /// Whether, with writes closed, a device may still write the records an open problem of
    /// the problem list is about (the verification and correction phases). Absent: no.
    #[serde(default)]
    pub problem_writes_open: bool,
}

/// `GET /api/v1/admin/phases`, also the body of `PUT /api/v1/admin/phases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phases {
    pub protocol: u32,
    pub phases: Vec<Phase>,
}

/// `POST /api/v1/admin/villages/{id}/reopen`: record writes open for the village through
/// `until` (inclusive, Beijing date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReopenVillage {
    pub protocol: u32,
    pub until: Date,
}

/// The answer to a reopening, and one village's window state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageWindow {
    pub protocol: u32,
    pub village_id: Uuid,
    /// Whether record writes are open today.
    pub writes_open: bool,
    /// The latest reopening's last day, if any.
    pub reopened_until: Option<Date>,
}

/// The answer to a blob `PUT` (the same facts are in the `Upload-Offset` and
/// `Upload-Complete` headers of `HEAD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    pub protocol: u32,
    pub sha256: String,
    pub held: u64,
    pub total: u64,
    pub complete: bool,
}

/// `POST /api/v1/exports/jobs`: makes an export off the request, for the county-wide ones
/// that take seconds; the answer is an [`ExportJob`] to poll. `export` and `format` as in
/// `GET /api/v1/exports/{export}.{format}`; no `village` and no `town`: the whole county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportJobRequest {
    pub protocol: u32,
    pub export: String,
    pub format: String,
    #[serde(default)]
    pub village: Option<Uuid>,
    #[serde(default)]
    pub town: Option<Uuid>,
}

/// An export job and how far it has got: `state` is `running`, `done` (fetch the file at
/// `GET /api/v1/exports/jobs/{id}/file`) or `failed` (`error_code`, `error_message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportJob {
    pub protocol: u32,
    pub id: Uuid,
    pub state: String,
    /// Households written so far, of `total`.
    pub done: u64,
    pub total: u64,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// One export handed out (the export audit trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLogEntry {
    pub id: u64,
    /// Who: absent for `jiandang export` on the server's file (`via` = `cli`).
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub device_id: Option<Uuid>,
    /// `api` or `cli`.
    pub via: String,
    pub export: String,
    pub format: String,
    /// `county`, `town` or `village`, with the town's or village's id.
    pub scope: String,
    pub scope_id: Option<Uuid>,
    /// The register's version the export holds (the highest change sequence number).
    pub version_seq: i64,
    pub households: u64,
    pub bytes: u64,
    /// When, UTC milliseconds.
    pub created_ms: i64,
}

/// `GET /api/v1/admin/exports`: the latest exports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLog {
    pub protocol: u32,
    pub entries: Vec<ExportLogEntry>,
}

/// `GET /api/v1/policy`: the year's policy the county judges by (the poverty line, the
/// income period, the timeline, the exit procedure's notice days, the evaluation standard).
/// Devices fetch it at every sync and keep it, so they judge offline by the county's own
/// policy, never by one compiled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDoc {
    pub protocol: u32,
    pub policy: jiandang_domain::policy::YearPolicy,
    /// The server's identity ([`crate::ServerIdentity`]): the first answer of every sync
    /// round, so a device notices a restored server before it pushes anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Uuid>,
}
