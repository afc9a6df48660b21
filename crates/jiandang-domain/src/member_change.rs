//! 家庭成员自然增加 / 自然减少 (natural member changes, W6, FORMS.md §3): one record per
//! person who joined or left a registered household in the year, with the Shangqiu reason,
//! its date and proof. Nothing is deleted: a member who leaves keeps their record, marked by
//! the decrease.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::village::{
    ChangeDirection, ChangeProof, MemberChangeReason, NationalChangeBucket,
};
use crate::time::Date;

/// One row of 贫困户家庭成员自然增加情况表 (附件4) or 自然减少情况表 (附件5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberChange {
    pub id: Uuid,
    pub village_id: Uuid,
    pub household_id: Uuid,
    /// 自然增加 or 自然减少: which of the two sheets.
    pub direction: ChangeDirection,
    /// The member added (the new [`crate::member::Member`] record) or removed.
    pub member_id: Uuid,
    /// 增加原因 / 减少原因 (Shangqiu list).
    #[serde(default)]
    pub reason: Option<MemberChangeReason>,
    /// 增加时间 / 减少时间: 出生日期 for a newborn, the date of death, marriage, move ….
    #[serde(default)]
    pub date: Option<Date>,
    /// 证明材料.
    #[serde(default)]
    pub proof: Option<ChangeProof>,
    /// Photos of the proof ([`crate::photo::PhotoRef`] ids).
    #[serde(default)]
    pub proof_photo_ids: Vec<Uuid>,
    /// When the 户主 leaves: the member who becomes 户主.
    #[serde(default)]
    pub new_head_id: Option<Uuid>,
    /// 备注.
    #[serde(default)]
    pub note: Option<String>,
    /// 填报人.
    #[serde(default)]
    pub reported_by: Option<String>,
    /// 填报日期.
    #[serde(default)]
    pub reported_on: Option<Date>,
}

impl MemberChange {
    /// The national statistic bucket the change is exported under, when its reason is known.
    pub fn national_bucket(&self) -> Option<NationalChangeBucket> {
        self.reason.map(MemberChangeReason::national_bucket)
    }
}
