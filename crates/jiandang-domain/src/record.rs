//! The kinds of record Jiandang keeps, each with its form. A record is what sync moves: it
//! has a UUID made where it was created, a kind, and a JSON form whose leaf fields merge
//! one by one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 贫困户 (N1).
    Household,
    /// 家庭成员 (N2).
    Member,
    /// 家庭成员自然增加 / 自然减少 (W6).
    MemberChange,
    /// 贫困村 (N3).
    Village,
    /// 自然村（村民小组） (N4).
    NaturalVillage,
    /// 帮扶单位 (N6, C7).
    HelpUnit,
    /// 帮扶责任人 (N6).
    Helper,
    /// 驻村工作队员 (N6).
    WorkTeamMember,
    /// 2018年脱贫户脱贫措施 (C4).
    HouseholdExitMeasures,
    /// 2018年出列贫困村脱贫措施 (C4).
    VillageExitMeasures,
    /// 新识别 / 返贫纳入 procedure (W5).
    Procedure,
    /// A GPS position of a household, village or county (C5).
    GpsFix,
    /// A photo attached to a record.
    Photo,
    /// 贫困户退出程序 (W1, Q2).
    ExitProcedure,
    /// 入户核实 (C1): a door visit, section by section.
    Visit,
    /// 入户核查表: a supervisor's blind check of a drawn household (EVALUATION.md §4, §5).
    SpotCheck,
    /// 非建档立卡户排查表: a non-registered household met in a screened village.
    ScreenedHousehold,
    /// 村排查情况表: a screened village's non-registered population (漏评率 denominator).
    VillageScreening,
    /// 问题清单 item: a problem the county sends to the village, verified and corrected in
    /// the field, closed by the county (EVALUATION.md §6).
    Problem,
}

impl RecordKind {
    pub const ALL: [RecordKind; 19] = [
        RecordKind::Household,
        RecordKind::Member,
        RecordKind::MemberChange,
        RecordKind::Village,
        RecordKind::NaturalVillage,
        RecordKind::HelpUnit,
        RecordKind::Helper,
        RecordKind::WorkTeamMember,
        RecordKind::HouseholdExitMeasures,
        RecordKind::VillageExitMeasures,
        RecordKind::Procedure,
        RecordKind::GpsFix,
        RecordKind::Photo,
        RecordKind::ExitProcedure,
        RecordKind::Visit,
        RecordKind::SpotCheck,
        RecordKind::ScreenedHousehold,
        RecordKind::VillageScreening,
        RecordKind::Problem,
    ];

    /// The snake_case name used on the wire and in the databases.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Household => "household",
            RecordKind::Member => "member",
            RecordKind::MemberChange => "member_change",
            RecordKind::Village => "village",
            RecordKind::NaturalVillage => "natural_village",
            RecordKind::HelpUnit => "help_unit",
            RecordKind::Helper => "helper",
            RecordKind::WorkTeamMember => "work_team_member",
            RecordKind::HouseholdExitMeasures => "household_exit_measures",
            RecordKind::VillageExitMeasures => "village_exit_measures",
            RecordKind::Procedure => "procedure",
            RecordKind::GpsFix => "gps_fix",
            RecordKind::Photo => "photo",
            RecordKind::ExitProcedure => "exit_procedure",
            RecordKind::Visit => "visit",
            RecordKind::SpotCheck => "spot_check",
            RecordKind::ScreenedHousehold => "screened_household",
            RecordKind::VillageScreening => "village_screening",
            RecordKind::Problem => "problem",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A record as sync stores it: its kind, id and village from the store's columns, and its
/// JSON form (which may lack `id` and `village_id`: the columns hold them). What the judgement
/// pipeline and the actions take, on the device, on the server and from a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub id: Uuid,
    /// The village whose devices hold the record (its scope).
    pub village_id: Uuid,
    pub doc: Value,
}
