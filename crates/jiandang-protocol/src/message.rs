//! The messages: change sets and push answers, pull pages, snapshots, enrollment, and the
//! county's views of history and conflicts.

use jiandang_domain::{Finding, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{ErrorCode, Hlc, PROTOCOL_VERSION};

/// One field edit of one record (the unit of merge). A new record is just changes to the
/// fields of a record id the server has not seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Made on the device once per edit; the server never applies one id twice.
    pub change_id: Uuid,
    pub record_id: Uuid,
    pub kind: RecordKind,
    /// The village the record belongs to: every record carries it, so scope is one column.
    pub village_id: Uuid,
    /// Dot path of the JSON leaf in the record's form (`income.wage`); see [`crate::flatten`].
    pub field: String,
    /// The value the device saw before the edit (null: none).
    pub old: Value,
    /// The new value (null: the field is cleared).
    pub new: Value,
    /// The county sequence number of the field value the edit was based on; 0 = the field
    /// had never been synced to this device.
    pub base_seq: u64,
    pub hlc: Hlc,
}

/// A frozen batch of a device's outbox (变更集). The device makes `change_set_id` once and
/// re-sends the same id after any cut; the server answers a replay with its first answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    pub protocol: u32,
    pub change_set_id: Uuid,
    pub device_id: Uuid,
    pub changes: Vec<Change>,
}

/// What the server did with one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; `seq` is its number in the county's sequence. If it beat a concurrent edit
    /// of the same field, the loser's value is kept as a conflict for the county.
    Accepted { seq: u64 },
    /// The same field was changed concurrently and the other edit has the later stamp: this
    /// value is kept as a conflict, the device takes `current` (set at county seq `seq`).
    Superseded { seq: u64, current: Value },
    /// Not applied. The device keeps the change, visible with `message`, and may resend it
    /// after fixing. `code` is one of entry_closed, forbidden_village, rule_refused,
    /// bad_request.
    Refused { code: ErrorCode, message: String },
}

/// The outcome of one change of a pushed set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeResult {
    pub change_id: Uuid,
    pub outcome: Outcome,
}

/// The domain rules' findings on one record after the push, as the server judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordFindings {
    pub record_id: Uuid,
    pub findings: Vec<Finding>,
}

/// The answer to `POST /api/v1/push`: one result per change, in the set's order, and the
/// findings on every household the set touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub protocol: u32,
    pub change_set_id: Uuid,
    pub results: Vec<ChangeResult>,
    pub findings: Vec<RecordFindings>,
    /// The server's identity ([`ServerIdentity`]): new whenever its database is restored
    /// from a backup. Absent from servers older than it (a device then keeps what it knew).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Uuid>,
}

/// A change as the county's log holds it: numbered, with who sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedChange {
    pub seq: u64,
    #[serde(flatten)]
    pub change: Change,
    pub user_id: Uuid,
    pub device_id: Uuid,
}

/// The answer to `GET /api/v1/pull?after=SEQ&limit=N`: the changes that set a current
/// value, after `after`, in the caller's villages, in seq order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPage {
    pub protocol: u32,
    pub changes: Vec<LoggedChange>,
    /// The cursor for the next page (the last seq looked at; may pass changes the caller
    /// may not see).
    pub next_after: u64,
    /// Whether more changes may follow right away.
    pub more: bool,
    /// The server's identity ([`ServerIdentity`]): new whenever its database is restored
    /// from a backup. Absent from servers older than it (a device then keeps what it knew).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Uuid>,
}

/// The roles of the county's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 调查员 / 信息采集员.
    SurveyWorker,
    /// 驻村工作队员.
    WorkTeamMember,
    /// 乡镇审核员.
    Supervisor,
    /// 乡镇扶贫干部: reads and reviews the villages of its towns (the county dashboard).
    TownOfficer,
    /// 县扶贫办管理员.
    CountyAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SurveyWorker,
        Role::WorkTeamMember,
        Role::Supervisor,
        Role::TownOfficer,
        Role::CountyAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SurveyWorker => "survey_worker",
            Role::WorkTeamMember => "work_team_member",
            Role::Supervisor => "supervisor",
            Role::TownOfficer => "town_officer",
            Role::CountyAdmin => "county_admin",
        }
    }

    /// The role's name for people (the dashboard's user list).
    pub fn zh(self) -> &'static str {
        match self {
            Role::SurveyWorker => "调查员",
            Role::WorkTeamMember => "驻村工作队员",
            Role::Supervisor => "督导核查员",
            Role::TownOfficer => "乡镇扶贫干部",
            Role::CountyAdmin => "县扶贫办管理员",
        }
    }

    /// Whether the role signs in to the county dashboard (the field roles use the app).
    pub fn uses_dashboard(self) -> bool {
        matches!(
            self,
            Role::Supervisor | Role::TownOfficer | Role::CountyAdmin
        )
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `POST /api/v1/enroll`: a device signs in once and gets a revocable token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub protocol: u32,
    pub username: String,
    pub password: String,
    pub device_name: String,
}

/// A user as the server shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A village the user is assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageInfo {
    pub id: Uuid,
    pub name: String,
    /// The town (乡镇) the village is in.
    pub town: String,
}

/// The answer to enrollment. `token` goes in `Authorization: Bearer <token>` from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub protocol: u32,
    pub token: String,
    pub device_id: Uuid,
    pub user: UserInfo,
    pub villages: Vec<VillageInfo>,
    /// The server's identity ([`ServerIdentity`]): new whenever its database is restored
    /// from a backup. Absent from servers older than it (a device then keeps what it knew).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Uuid>,
}

/// The answer to `GET /api/v1/identity?known=ID`: who the server is now, and how much of
/// the county's sequence it shares with the identity `known` a device remembers.
///
/// A county server's database gets a new identity when it is restored from a backup (and
/// the backup file one of its own when it is made). Every seq up to `shared_seq` means the
/// same change under both identities; later ones may be gone or numbered anew. A device that
/// sees the identity change sends again every change accepted after `shared_seq` (the server
/// keeps a change id once, so what it still holds is not applied twice) and pulls again
/// from there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerIdentity {
    pub protocol: u32,
    pub server_id: Uuid,
    /// 0 when `known` is not an identity this database descends from (nothing is shared).
    pub shared_seq: u64,
}

impl ChangeSet {
    pub fn new(change_set_id: Uuid, device_id: Uuid, changes: Vec<Change>) -> ChangeSet {
        ChangeSet {
            protocol: PROTOCOL_VERSION,
            change_set_id,
            device_id,
            changes,
        }
    }
}
