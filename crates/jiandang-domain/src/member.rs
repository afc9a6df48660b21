//! The family member record (家庭成员, FORMS.md §2), one per person, 户主 included.
//!
//! JSON shape: a flat object with the fields below in snake_case; codes are official code
//! strings, `health` is a list of codes, yes/no answers are booleans, dates `YYYY-MM-DD`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::household::{
    DropoutReason, Education, Ethnicity, Health, IdType, LabourSkill, MemberStatus,
    PoliticalStatus, Relationship, Sex, StudentStatus, WorkStatus,
};
use crate::id_number::{IdNumber, IdNumberError};
use crate::policy::YearPolicy;
use crate::time::Date;

/// A 家庭成员 (N2).
///
/// `id_number` is kept as entered (a string) so a record with a mistyped number still loads
/// and the rules can say what is wrong; [`Member::parsed_id`] gives the typed [`IdNumber`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Member {
    pub id: Uuid,
    pub household_id: Uuid,
    /// 人编号 (aab001), assigned by the national system.
    pub person_number: Option<String>,
    /// 姓名 (aab002), as on the ID card.
    pub name: String,
    /// 性别 (aab003).
    pub sex: Option<Sex>,
    /// 证件类型 (aab018).
    pub id_type: Option<IdType>,
    /// 证件号码 (aab004), as entered.
    pub id_number: Option<String>,
    /// 出生日期 (aab005).
    pub birth_date: Option<Date>,
    /// 与户主关系 (aab006).
    pub relationship: Option<Relationship>,
    /// 民族 (aab007).
    pub ethnicity: Option<Ethnicity>,
    /// 政治面貌 (aak033).
    pub political_status: Option<PoliticalStatus>,
    /// 文化程度 (aab008), for non-students.
    pub education: Option<Education>,
    /// 在校生状况 (aab009) this year (C8).
    pub student_status: Option<StudentStatus>,
    /// 在校生状况 last year, verified or collected this year (C8).
    pub student_status_last_year: Option<StudentStatus>,
    /// 失学或辍学原因, for compulsory-age children not in school.
    pub dropout_reason: Option<DropoutReason>,
    /// 健康状况 (aab017), several values; 健康 excludes the others.
    pub health: Vec<Health>,
    /// 劳动技能 (aab010).
    pub labour_skill: Option<LabourSkill>,
    /// 务工状况 / 务工区域.
    pub work_status: Option<WorkStatus>,
    /// 务工所在地 (aab025–aab028): the administrative division code of the place of work.
    pub work_place: Option<String>,
    /// 务工企业名称 (aab029).
    pub employer: Option<String>,
    /// 务工时间（月） (aab012), 0–12, months worked in the income period.
    pub work_months: Option<u8>,
    /// 是否现役军人 (aab019).
    pub active_military: Option<bool>,
    /// 是否会讲普通话 (aab065).
    pub speaks_mandarin: Option<bool>,
    /// 是否享受农村居民最低生活保障 (aab030).
    pub minimum_allowance: Option<bool>,
    /// 是否特困供养人员.
    pub extreme_poverty_support: Option<bool>,
    /// 是否参加城乡居民基本医疗保险 (aab013).
    pub basic_medical_insurance: Option<bool>,
    /// 是否参加大病保险 (aab022).
    pub critical_illness_insurance: Option<bool>,
    /// 是否参加商业补充医疗保险 (aab067).
    pub commercial_medical_insurance: Option<bool>,
    /// 是否参加城乡居民基本养老保险 (aab014).
    pub resident_pension: Option<bool>,
    /// 是否参加城镇职工基本养老保险 (aab021).
    pub employee_pension: Option<bool>,
    /// 是否享受人身意外保险补贴 (aab066).
    pub accident_insurance_subsidy: Option<bool>,
    /// 联系电话 (aab031).
    pub phone: Option<String>,
    /// 人员状态 (aab015): present, or naturally decreased (W6).
    pub status: MemberStatus,
}

impl Default for Member {
    fn default() -> Member {
        Member {
            id: Uuid::nil(),
            household_id: Uuid::nil(),
            person_number: None,
            name: String::new(),
            sex: None,
            id_type: None,
            id_number: None,
            birth_date: None,
            relationship: None,
            ethnicity: None,
            political_status: None,
            education: None,
            student_status: None,
            student_status_last_year: None,
            dropout_reason: None,
            health: Vec::new(),
            labour_skill: None,
            work_status: None,
            work_place: None,
            employer: None,
            work_months: None,
            active_military: None,
            speaks_mandarin: None,
            minimum_allowance: None,
            extreme_poverty_support: None,
            basic_medical_insurance: None,
            critical_illness_insurance: None,
            commercial_medical_insurance: None,
            resident_pension: None,
            employee_pension: None,
            accident_insurance_subsidy: None,
            phone: None,
            status: MemberStatus::Present,
        }
    }
}

impl Member {
    /// Whether the member still belongs to the household (not naturally decreased).
    pub fn is_present(&self) -> bool {
        self.status == MemberStatus::Present
    }

    pub fn is_head(&self) -> bool {
        self.relationship == Some(Relationship::Head)
    }

    /// The ID number parsed by its 证件类型 (居民身份证 when the type is blank); `None` when
    /// no number was entered.
    pub fn parsed_id(&self) -> Option<Result<IdNumber, IdNumberError>> {
        let raw = self.id_number.as_deref()?;
        Some(IdNumber::parse_as(
            self.id_type.unwrap_or(IdType::ResidentId),
            raw,
        ))
    }

    /// The birth date: the entered one, else the one in a valid ID number.
    pub fn birth(&self) -> Option<Date> {
        self.birth_date.or_else(|| {
            self.parsed_id()
                .and_then(Result::ok)
                .map(|id| id.birth_date())
        })
    }

    /// Age on the policy's reference date, when the birth date is known.
    pub fn age(&self, policy: &YearPolicy) -> Option<i32> {
        self.birth().map(|b| policy.age(b))
    }

    /// Healthy: 健康 ticked, or only 长期慢性病 (FORMS.md §7.2 counts chronic illness as able
    /// to attend school).
    pub fn is_healthy(&self) -> bool {
        self.health.contains(&Health::Healthy)
    }

    pub fn is_disabled(&self) -> bool {
        self.health.contains(&Health::Disabled)
    }

    /// Whether the member is in school this year.
    pub fn in_school(&self) -> bool {
        self.student_status.is_some_and(StudentStatus::in_school)
    }
}
