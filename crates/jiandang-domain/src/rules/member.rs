//! Rules over one family member (FORMS.md §2, §6.5, §6.6, §7): ID number, required fields,
//! student status against age (both years, C8), labour and work plausibility.
//!
//! Paths are relative to the member record (`id_number`, `student_status`);
//! [`crate::bundle`] prefixes them with `members[i].`.

use crate::codes::Coded;
use crate::codes::household::{
    DropoutReason, Education, Health, IdType, LabourSkill, Relationship, StudentStatus,
};
use crate::finding::Finding;
use crate::member::Member;
use crate::phone::is_mobile_phone;
use crate::policy::YearPolicy;

/// Every finding about one member. Decreased members are checked only for their identity
/// (they stay in the record, the rest of their answers are history).
pub fn check(m: &Member, policy: &YearPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    identity(m, &mut out);
    if !m.is_present() {
        return out;
    }
    required(m, policy, &mut out);
    health(m, &mut out);
    schooling(m, policy, &mut out);
    labour_and_work(m, policy, &mut out);
    if let Some(phone) = m.phone.as_deref()
        && !phone.trim().is_empty()
        && !is_mobile_phone(phone)
    {
        out.push(
            Finding::warning("member.phone_shape", "phone", "联系电话应为11位手机号码")
                .requirement("§7.3"),
        );
    }
    out
}

fn identity(m: &Member, out: &mut Vec<Finding>) {
    if m.name.trim().is_empty() {
        out.push(Finding::error("member.name_missing", "name", "请填写姓名").requirement("§2"));
    }
    if m.sex.is_none() {
        out.push(Finding::error("member.sex_missing", "sex", "请选择性别").requirement("§2"));
    }
    match m.parsed_id() {
        None => out.push(
            Finding::error("member.id_number_missing", "id_number", "请填写证件号码")
                .requirement("§6.6"),
        ),
        Some(Err(e)) => {
            let code = format!("member.id_number.{}", e.code());
            out.push(Finding::error(&code, "id_number", e.to_string()).requirement("§6.6"));
        }
        Some(Ok(id)) => {
            if let Some(b) = m.birth_date
                && b != id.birth_date()
            {
                out.push(
                    Finding::error(
                        "member.birth_date_mismatch",
                        "birth_date",
                        "出生日期与证件号码中的出生日期不一致",
                    )
                    .requirement("§6.6"),
                );
            }
            if let Some(s) = m.sex
                && s != id.sex()
            {
                out.push(
                    Finding::error(
                        "member.sex_mismatch",
                        "sex",
                        "性别与证件号码第17位不一致（奇数为男，偶数为女）",
                    )
                    .requirement("§6.6"),
                );
            }
        }
    }
    if m.birth_date.is_none() {
        out.push(
            Finding::error("member.birth_date_missing", "birth_date", "请填写出生日期")
                .requirement("§2"),
        );
    }
}

fn required(m: &Member, policy: &YearPolicy, out: &mut Vec<Finding>) {
    let mut missing = |code: &str, path: &str, label: &str| {
        out.push(Finding::error(code, path, format!("请填写{label}")).requirement("§7.1"));
    };
    if m.relationship.is_none() {
        missing("member.relationship_missing", "relationship", "与户主关系");
    }
    if m.ethnicity.is_none() {
        missing("member.ethnicity_missing", "ethnicity", "民族");
    }
    if m.health.is_empty() {
        missing("member.health_missing", "health", "健康状况");
    }
    let age = m.age(policy);
    if m.labour_skill.is_none() && age.is_some_and(|a| policy.is_working_age(a)) {
        missing("member.labour_skill_missing", "labour_skill", "劳动技能");
    }
    if m.education.is_none() && !m.in_school() && m.student_status.is_some() {
        missing(
            "member.education_missing",
            "education",
            "文化程度（非在校生）",
        );
    }
    if m.basic_medical_insurance.is_none() {
        missing(
            "member.medical_insurance_missing",
            "basic_medical_insurance",
            "是否参加城乡居民基本医疗保险",
        );
    }
    if let (Some(r), Some(s)) = (m.relationship, m.sex)
        && let Some(implied) = r.implied_sex()
        && implied != s
    {
        out.push(
            Finding::warning(
                "member.relationship_sex",
                "relationship",
                format!("与户主关系为“{}”，与性别“{}”不符", r.zh(), s.zh()),
            )
            .requirement("§2.1"),
        );
    }
    if m.relationship == Some(Relationship::Head) && age.is_some_and(|a| a < policy.working_age_min)
    {
        out.push(
            Finding::warning(
                "member.head_minor",
                "relationship",
                "户主未满16周岁，请核实",
            )
            .requirement("§7.1"),
        );
    }
}

fn health(m: &Member, out: &mut Vec<Finding>) {
    if m.is_healthy() && m.health.len() > 1 {
        out.push(
            Finding::error(
                "member.health_exclusive",
                "health",
                "健康状况选择“健康”时不能同时选择其他状况",
            )
            .requirement("§2"),
        );
    }
    if m.is_disabled() && m.id_type != Some(IdType::DisabilityCert) {
        out.push(
            Finding::warning(
                "member.disabled_without_certificate",
                "id_type",
                "残疾人员应录入第二代残疾人证号码（证件类型为残疾人证）",
            )
            .requirement("§7.2"),
        );
    }
    if m.id_type == Some(IdType::DisabilityCert) && m.is_healthy() {
        out.push(
            Finding::warning(
                "member.certificate_but_healthy",
                "health",
                "持有残疾人证，健康状况却为“健康”，请核实",
            )
            .requirement("§7.2"),
        );
    }
}

fn schooling(m: &Member, policy: &YearPolicy, out: &mut Vec<Finding>) {
    let Some(age) = m.age(policy) else {
        return;
    };
    match m.education {
        Some(Education::Preschool) if age >= 7 => out.push(
            Finding::warning(
                "member.education_age",
                "education",
                format!("{age}岁，文化程度为“学龄前儿童”，请核实"),
            )
            .requirement("§2.2"),
        ),
        Some(e @ (Education::SeniorHigh | Education::College)) if age < 15 => out.push(
            Finding::warning(
                "member.education_age",
                "education",
                format!("{age}岁，文化程度为“{}”，请核实", e.zh()),
            )
            .requirement("§2.2"),
        ),
        _ => {}
    }
    // C8: both years are collected for everyone of school age.
    if (3..=23).contains(&age) {
        if m.student_status.is_none() {
            out.push(
                Finding::error(
                    "member.student_status_missing",
                    "student_status",
                    format!("请填写{}年在校生状况", policy.year),
                )
                .requirement("C8"),
            );
        }
        if m.student_status_last_year.is_none() && age >= 4 {
            out.push(
                Finding::error(
                    "member.student_status_last_year_missing",
                    "student_status_last_year",
                    format!("请核实并填写{}年在校生状况", policy.year - 1),
                )
                .requirement("C8"),
            );
        }
    }
    if let (Some(prev), Some(now)) = (m.student_status_last_year, m.student_status)
        && !prev.plausible_next().contains(&now)
    {
        out.push(
            Finding::warning(
                "member.student_status_sequence",
                "student_status",
                format!(
                    "{}年在校生状况“{}”不是{}年“{}”的下一年级，请核实",
                    policy.year,
                    now.zh(),
                    policy.year - 1,
                    prev.zh()
                ),
            )
            .requirement("C8"),
        );
    }
    let Some(status) = m.student_status else {
        return;
    };
    if policy.is_compulsory_school_age(age) && !status.in_school() {
        let able = !m.is_disabled() && !m.health.contains(&Health::SeriousIllness);
        if able {
            out.push(
                Finding::warning(
                    "member.compulsory_age_not_in_school",
                    "student_status",
                    "义务教育阶段适龄儿童为非在校生（失学辍学），义务教育有保障未解决",
                )
                .requirement("W2"),
            );
        }
        if m.dropout_reason.is_none() {
            out.push(
                Finding::error(
                    "member.dropout_reason_missing",
                    "dropout_reason",
                    "义务教育阶段适龄儿童未在校，请填写失学或辍学原因",
                )
                .requirement("§2"),
            );
        }
    }
    if let Some(reason) = m.dropout_reason
        && matches!(reason, DropoutReason::Illness | DropoutReason::Disability)
        && m.is_healthy()
    {
        out.push(
            Finding::warning(
                "member.dropout_reason_health",
                "dropout_reason",
                format!("失学辍学原因为“{}”，健康状况却为“健康”", reason.zh()),
            )
            .requirement("§2"),
        );
    }
    if age <= 14 && status.is_upper_secondary_or_above() {
        out.push(
            Finding::warning(
                "member.student_too_young",
                "student_status",
                format!("{age}岁，在校生状况为“{}”，请核实", status.zh()),
            )
            .requirement("§7.1"),
        );
    }
    if age >= 16 && matches!(status, StudentStatus::Preschool | StudentStatus::Primary) {
        out.push(
            Finding::warning(
                "member.student_too_old",
                "student_status",
                format!("{age}岁，在校生状况为“{}”，请核实", status.zh()),
            )
            .requirement("§7.2"),
        );
    }
    if age > 30 && status.in_school() {
        out.push(
            Finding::warning(
                "member.student_over_30",
                "student_status",
                "30岁以上仍为在校生，请核实",
            )
            .requirement("§7.2"),
        );
    }
}

fn labour_and_work(m: &Member, policy: &YearPolicy, out: &mut Vec<Finding>) {
    let age = m.age(policy);
    let working_age = age.is_some_and(|a| policy.is_working_age(a));
    match m.labour_skill {
        Some(LabourSkill::None) if working_age && m.is_healthy() && !m.in_school() => out.push(
            Finding::warning(
                "member.labour_working_age_none",
                "labour_skill",
                "劳动年龄内健康的非在校生为“无劳动力”，请核实",
            )
            .requirement("§7.1"),
        ),
        Some(LabourSkill::LostCapacity) if m.is_healthy() => out.push(
            Finding::warning(
                "member.labour_healthy_lost",
                "labour_skill",
                "健康状况为“健康”，劳动技能却为“丧失劳动力”，请核实",
            )
            .requirement("§7.1"),
        ),
        Some(skill) if skill.is_labourer() && age.is_some_and(|a| a < policy.working_age_min) => {
            out.push(
                Finding::warning(
                    "member.labour_child",
                    "labour_skill",
                    format!(
                        "未满{}周岁，劳动技能为“{}”，请核实",
                        policy.working_age_min,
                        skill.zh()
                    ),
                )
                .requirement("§7.2"),
            )
        }
        _ => {}
    }
    let months = m.work_months.unwrap_or(0);
    if months > 12 {
        out.push(
            Finding::error(
                "member.work_months_range",
                "work_months",
                "务工时间应为0–12个月",
            )
            .requirement("§7.1"),
        );
    }
    let has_place = m
        .work_place
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let has_employer = m.employer.as_deref().is_some_and(|s| !s.trim().is_empty());
    if months > 0 {
        if !has_place {
            out.push(
                Finding::error(
                    "member.work_place_missing",
                    "work_place",
                    "有务工时间，请填写务工所在地",
                )
                .requirement("§7.1"),
            );
        }
        if !has_employer {
            out.push(
                Finding::error(
                    "member.employer_missing",
                    "employer",
                    "有务工时间，请填写务工企业名称",
                )
                .requirement("§7.2"),
            );
        }
        if m.work_status.is_none() {
            out.push(
                Finding::error(
                    "member.work_status_missing",
                    "work_status",
                    "有务工时间，请选择务工状况",
                )
                .requirement("§2"),
            );
        }
        if matches!(
            m.labour_skill,
            Some(LabourSkill::None | LabourSkill::LostCapacity)
        ) {
            out.push(
                Finding::warning(
                    "member.work_without_capacity",
                    "work_months",
                    "无劳动力或丧失劳动力人员有务工时间，请核实",
                )
                .requirement("§7.1"),
            );
        }
    } else if has_place {
        out.push(
            Finding::error(
                "member.work_place_without_months",
                "work_months",
                "已填写务工所在地，但务工时间为0",
            )
            .requirement("§7.1"),
        );
    }
}
