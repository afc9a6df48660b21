//! Who helps (N6, C7): 帮扶单位 (help unit), 帮扶责任人 (help-responsible person) and
//! 驻村工作队员 (village work-team member), FORMS.md §1.10. The unit is entered first; a
//! helper or a team member picks their sending unit from the units already entered, so both
//! hold the unit's id.
//!
//! ID numbers are kept as entered (a string), as on the member record, so a mistyped number
//! still loads and the rules can say what is wrong.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::household::{PoliticalStatus, Sex};
use crate::codes::village::{Affiliation, CadreEducation, PostRank};
use crate::time::Date;

/// 帮扶单位.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HelpUnit {
    pub id: Uuid,
    /// 单位名称 (aap001).
    pub name: Option<String>,
    /// 隶属关系.
    pub affiliation: Option<Affiliation>,
    /// 单位地址.
    pub address: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
}

/// 帮扶责任人 (AK11): a cadre paired with households (the pairing sits on the household,
/// [`crate::household::Pairing`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Helper {
    pub id: Uuid,
    /// 帮扶单位 (aap110): an already-entered [`HelpUnit`] (C7).
    pub help_unit_id: Option<Uuid>,
    /// 姓名 (aab002).
    pub name: Option<String>,
    /// 性别 (aab003).
    pub sex: Option<Sex>,
    /// 证件号码 (aab004), as entered.
    pub id_number: Option<String>,
    /// 出生日期 (aab005).
    pub birth_date: Option<Date>,
    /// 政治面貌 (aak033).
    pub political_status: Option<PoliticalStatus>,
    /// 学历 (aak036).
    pub education: Option<CadreEducation>,
    /// 技术特长 (aak037).
    pub specialty: Option<String>,
    /// 职务 (aaf031): the post held in the unit.
    pub post: Option<String>,
    /// 行政职务级别.
    pub post_rank: Option<PostRank>,
    /// 联系电话 (aar012).
    pub phone: Option<String>,
}

/// 驻村工作队员: a cadre sent by a unit to live in one village.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkTeamMember {
    pub id: Uuid,
    /// The village the member is stationed in.
    pub village_id: Uuid,
    /// 派出单位: an already-entered [`HelpUnit`] (C7).
    pub help_unit_id: Option<Uuid>,
    /// 姓名.
    pub name: Option<String>,
    /// 性别.
    pub sex: Option<Sex>,
    /// 证件号码, as entered.
    pub id_number: Option<String>,
    /// 政治面貌.
    pub political_status: Option<PoliticalStatus>,
    /// 学历.
    pub education: Option<CadreEducation>,
    /// 原职务 (aak888 派出单位职务).
    pub former_post: Option<String>,
    /// 行政职务级别.
    pub post_rank: Option<PostRank>,
    /// 是否第一书记.
    pub is_first_secretary: Option<bool>,
    /// 是否队长.
    pub is_team_leader: Option<bool>,
    /// 驻村开始时间.
    pub start: Option<Date>,
    /// 驻村结束时间.
    pub end: Option<Date>,
    /// 联系电话.
    pub phone: Option<String>,
}
