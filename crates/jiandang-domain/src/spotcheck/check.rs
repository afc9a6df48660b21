//! The records a supervisor's phone keeps and syncs (EVALUATION.md §4, §5, §8.3, §9.2):
//! 入户核查表 ([`SpotCheck`]: the blind observation, the §4 checklist, the differences
//! classified after the reveal, the §5 findings, 群众认可), 非建档立卡户排查表
//! ([`ScreenedHousehold`]: the short form of a non-registered household), and 村排查情况表
//! ([`VillageScreening`]: the screened population of a village, the 漏评率 denominator).
//!
//! Blindness is a rule on the record: differences exist only after the observation is sealed
//! ([`SpotCheck::observed_at`]), and [`SpotCheck::reveal`] is the one way to make them. A
//! finding that needs correcting becomes a problem-list item through [`ProblemSeed`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codes::{
    CheckItem, CheckResult, FindingCode, FindingSeverity, Indicator, MissedScope, NoWorriesGap,
    RiskFlag,
};
use super::diff::{Difference, RegisteredHousehold, diff};
use crate::finding::Finding;
use crate::household::{Household, NoWorries};
use crate::member::Member;
use crate::money::Money;
use crate::problem::{Problem, ProblemSeverity, ProblemSource, Raise};
use crate::record::RecordKind;
use crate::time::{Date, Timestamp};

/// 入户核查表: one drawn household checked at the door by a pair of checkers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpotCheck {
    pub id: Uuid,
    pub village_id: Uuid,
    /// The plan that drew the household.
    pub plan_id: Uuid,
    /// The drawn household.
    pub household_id: Uuid,
    /// 核查日期.
    pub checked_on: Option<Date>,
    /// 核查人 (the pair, as they sign the sheet).
    pub checkers: Option<String>,
    /// 是否见到户主或家庭成员: a check where nobody was met records no observation.
    pub met_household: Option<bool>,
    /// What the checkers saw, in the household form's shape (EVALUATION.md §9.2: the
    /// collection form's fields in verify mode). Fields left empty were not observed.
    pub observed: Household,
    /// The persons found living in the household, in the member form's shape. A row whose
    /// `id` is a registered member's is that member; any other id is a person the register
    /// does not have.
    pub observed_members: Vec<Member>,
    /// 观察记录完成时间: when the checkers sealed what they observed. Only then are the
    /// register's values shown and the differences listed.
    pub observed_at: Option<Timestamp>,
    /// The §4 checklist.
    pub checklist: Vec<ChecklistRow>,
    /// The differences between the register and the observation, listed at the reveal and
    /// classified by the checkers.
    pub differences: Vec<Difference>,
    /// The §5 findings.
    pub findings: Vec<CheckFinding>,
    /// 群众认可 (§2, §4.6).
    pub recognition: Recognition,
    /// 备注.
    pub note: Option<String>,
}

/// One row of the §4 checklist: what was checked, the result and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistRow {
    pub kind: CheckItem,
    #[serde(default)]
    pub result: Option<CheckResult>,
    /// 佐证: what the checkers looked at (户口本, 存折 …).
    #[serde(default)]
    pub evidence: Option<String>,
    /// Photos of the evidence.
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

/// 群众认可 of a surveyed household (§2: policies, measures and their effect, the exit result,
/// the cadres' help). `recognises` is what 认可度 counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Recognition {
    /// 是否认可 (overall).
    pub recognises: Option<bool>,
    /// 认可扶贫政策.
    pub policies: Option<bool>,
    /// 认可帮扶措施及成效.
    pub measures: Option<bool>,
    /// 认可脱贫结果 (exited households).
    pub exit_result: Option<bool>,
    /// 认可干部帮扶工作.
    pub cadre_help: Option<bool>,
    /// 不认可原因.
    pub reason: Option<String>,
}

/// A record a finding or a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: Uuid,
}

/// One §5 finding at a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckFinding {
    pub code: FindingCode,
    /// For `missed`: a whole household or a member.
    #[serde(default)]
    pub missed_scope: Option<MissedScope>,
    /// For `two_three_gap`: the item.
    #[serde(default)]
    pub gap: Option<NoWorriesGap>,
    #[serde(default)]
    pub severity: Option<FindingSeverity>,
    /// The register record the finding is about (the household, or a member); `None` for a
    /// person or household the register does not have.
    #[serde(default)]
    pub record: Option<RecordRef>,
    /// Dot path of the field in that record (`living.dilapidated`), or empty for the record.
    #[serde(default)]
    pub path: String,
    /// Persons the finding counts for the indicators: 错退 persons of the household, 漏评
    /// persons found. 0 for findings that feed no indicator.
    #[serde(default)]
    pub persons: u32,
    /// 需更正: the register must change (a problem-list item).
    #[serde(default)]
    pub needs_correction: bool,
    /// 核查说明, zh-CN.
    #[serde(default)]
    pub note: Option<String>,
}

/// What a problem-list item (问题清单, issue 18) needs from a spot-check finding: where it came
/// from, the record and field, what to verify at the door, and the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemSeed {
    /// The plan and the check record the finding comes from.
    pub plan_id: Uuid,
    pub check_id: Uuid,
    pub check_kind: RecordKind,
    pub village_id: Uuid,
    /// The register record to correct; `None` for a household the register does not have
    /// (a 漏评 household to identify).
    pub record: Option<RecordRef>,
    /// Dot path of the field, or empty.
    pub path: String,
    /// Stable code of the problem: `spot.` and the finding code (`spot.wrong_exit`).
    pub code: String,
    /// What to verify, zh-CN.
    pub verify_zh: String,
    /// The finding in words, zh-CN: the code's label and the checkers' note. No names or ID
    /// numbers.
    pub text_zh: String,
}

impl ProblemSeed {
    /// The problem-list item this finding raises, through the one constructor of a problem
    /// ([`Problem::raise`]): 待核实, raised at `at`, about the seed's record and field, from
    /// the check record it came from. `household` is the drawn household (the household of a
    /// member the finding is about); `None` for a household the register does not have.
    pub fn raise(&self, id: Uuid, household: Option<Uuid>, at: Timestamp) -> Problem {
        let record = self.record;
        let household_id = match record {
            Some(r) if r.kind == RecordKind::Household => Some(r.id),
            _ => household,
        };
        Problem::raise(
            id,
            Raise {
                source: ProblemSource::SpotCheck,
                check: self.code.clone(),
                key: format!(
                    "{}|{}|{}|{}",
                    self.code,
                    self.check_id,
                    record.map(|r| r.id.to_string()).unwrap_or_default(),
                    self.path
                ),
                title: "抽查核查发现的问题".to_owned(),
                requirement: Some("EVALUATION §6".to_owned()),
                severity: ProblemSeverity::Error,
                village_id: self.village_id,
                record_kind: record.map(|r| r.kind),
                record_id: record.map(|r| r.id),
                household_id,
                path: self.path.clone(),
                field_label: None,
                text: self.text_zh.clone(),
                verify: self.verify_zh.clone(),
                rank: None,
                raised_by: None,
                source_ref: Some(self.check_id),
            },
            at,
        )
    }
}

/// Why a check record operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("尚未完成观察记录，不能显示登记信息")]
    NotObserved,
    #[error("观察记录已完成，不能再修改观察值")]
    Sealed,
    #[error("核查记录与登记户不一致")]
    WrongHousehold,
}

impl CheckError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::NotObserved => "spot.not_observed",
            CheckError::Sealed => "spot.observation_sealed",
            CheckError::WrongHousehold => "spot.wrong_household",
        }
    }
}

impl SpotCheck {
    /// Seals the observation at `at` and lists the differences from the register, for the
    /// checkers to classify. A sealed observation is not sealed again (its differences keep
    /// their classifications).
    pub fn reveal(
        mut self,
        register: RegisteredHousehold<'_>,
        at: Timestamp,
    ) -> Result<SpotCheck, CheckError> {
        if register.household.id != self.household_id {
            return Err(CheckError::WrongHousehold);
        }
        if self.observed_at.is_some() {
            return Err(CheckError::Sealed);
        }
        self.differences = diff(register, &self.observed, &self.observed_members);
        self.observed_at = Some(at);
        Ok(self)
    }

    /// Seals the observation at `at` without the register at hand: the supervisor's phone,
    /// which holds no register value of the household before its seal has reached the
    /// server (docs/spot-checks.md), seals here and takes the differences the server's
    /// [`SpotCheck::reveal`] lists with [`SpotCheck::take_differences`]. A record that
    /// already lists differences, or is sealed, is refused: sealing is done once, before
    /// anything of the register is seen.
    pub fn seal(mut self, at: Timestamp) -> Result<SpotCheck, CheckError> {
        if self.observed_at.is_some() || !self.differences.is_empty() {
            return Err(CheckError::Sealed);
        }
        self.observed_at = Some(at);
        Ok(self)
    }

    /// Takes the differences listed by the reveal of this record's sealed observation (the
    /// server's answer to the phone): the checkers' classifications and notes already made
    /// on a difference of the same record, field and kind are kept, so taking them again
    /// after a later sync loses nothing. Refused before the seal (the check would not be
    /// blind).
    pub fn take_differences(mut self, listed: Vec<Difference>) -> Result<SpotCheck, CheckError> {
        self.require_observed()?;
        let same = |a: &Difference, b: &Difference| {
            a.kind == b.kind && a.record == b.record && a.field == b.field
        };
        let merged = listed
            .into_iter()
            .map(|mut d| {
                if let Some(old) = self.differences.iter().find(|o| same(o, &d)) {
                    d.classification = d.classification.or(old.classification);
                    d.note = d.note.take().or_else(|| old.note.clone());
                }
                d
            })
            .collect();
        self.differences = merged;
        Ok(self)
    }

    /// Refuses to show the register's values for this household until the observation is
    /// sealed: what the server and the phone ask before they send or show them.
    pub fn require_observed(&self) -> Result<Timestamp, CheckError> {
        self.observed_at.ok_or(CheckError::NotObserved)
    }

    /// Persons of the household counted for the indicators: the observed members when the
    /// checkers listed them, else `registered` (the register's present members).
    pub fn persons(&self, registered: u32) -> u32 {
        let observed = self
            .observed_members
            .iter()
            .filter(|m| m.is_present())
            .count();
        if observed > 0 {
            u32::try_from(observed).unwrap_or(u32::MAX)
        } else {
            registered
        }
    }

    /// 错退 persons found.
    pub fn wrong_exit_persons(&self) -> u32 {
        indicator_persons(&self.findings, Indicator::WrongExit)
    }

    /// 漏评 persons found (members missing from the register).
    pub fn missed_persons(&self) -> u32 {
        indicator_persons(&self.findings, Indicator::Missed)
    }

    /// The findings and classified differences that need the register corrected, as seeds of
    /// problem-list items.
    pub fn problems(&self) -> Vec<ProblemSeed> {
        let household = RecordRef {
            kind: RecordKind::Household,
            id: self.household_id,
        };
        let mut out: Vec<ProblemSeed> = self
            .findings
            .iter()
            .filter(|f| f.needs_correction)
            .map(|f| ProblemSeed {
                plan_id: self.plan_id,
                check_id: self.id,
                check_kind: RecordKind::SpotCheck,
                village_id: self.village_id,
                record: f.record.or(Some(household)),
                path: f.path.clone(),
                code: format!("spot.{}", crate::codes::Coded::code(f.code)),
                verify_zh: verify_text(f.code, f.gap),
                text_zh: finding_text(f),
            })
            .collect();
        for d in &self.differences {
            if d.classification.is_some_and(|c| c.needs_correction()) {
                out.push(ProblemSeed {
                    plan_id: self.plan_id,
                    check_id: self.id,
                    check_kind: RecordKind::SpotCheck,
                    village_id: self.village_id,
                    record: d.record,
                    path: d.field.clone(),
                    code: format!(
                        "spot.{}",
                        crate::codes::Coded::code(FindingCode::DataMismatch)
                    ),
                    verify_zh: format!("核实「{}」并更正登记信息", d.label_zh),
                    text_zh: match &d.note {
                        Some(note) => format!("抽查发现「{}」与登记不一致：{note}", d.label_zh),
                        None => format!("抽查发现「{}」与登记不一致", d.label_zh),
                    },
                });
            }
        }
        out
    }

    /// What is wrong with the record as kept: differences before the observation was sealed
    /// (the check was not blind), findings without what they need. The server runs this on
    /// push like the household rules.
    pub fn check(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.observed_at.is_none() && !self.differences.is_empty() {
            out.push(
                Finding::error(
                    "spot.not_blind",
                    "differences",
                    "观察记录完成前不能列出与登记信息的差异：请先完成观察记录",
                )
                .requirement("EVALUATION §9.2"),
            );
        }
        out.extend(check_findings(&self.findings));
        out
    }
}

/// 非建档立卡户排查表: the short form of a non-registered household met in a screened
/// village (EVALUATION.md §3.1 排查; issue 13: members, 两不愁三保障, income, risk flags).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreenedHousehold {
    pub id: Uuid,
    pub village_id: Uuid,
    pub plan_id: Uuid,
    /// The frame household when the screening started from a roster or a department's list.
    pub frame_household_id: Option<Uuid>,
    /// 自然村（村民小组）.
    pub natural_village_id: Option<Uuid>,
    /// 排查日期.
    pub checked_on: Option<Date>,
    /// 核查人.
    pub checkers: Option<String>,
    /// 户主姓名, to find the household again.
    pub head_name: Option<String>,
    /// 家庭人口数 (共享家庭收支人口).
    pub persons: Option<u32>,
    /// The members, in the member form's shape (name, relationship, health, labour …).
    pub members: Vec<Member>,
    /// 两不愁三保障, as on the household form.
    pub no_worries: NoWorries,
    /// 人均纯收入估算 (元/人·年).
    pub income_per_capita: Option<Money>,
    /// 风险标识.
    pub risk: Vec<RiskFlag>,
    /// 是否疑似漏评: meets the identification standard but is not registered.
    pub suspected_missed: Option<bool>,
    /// 群众认可 (non-registered households are surveyed too).
    pub recognition: Recognition,
    pub note: Option<String>,
}

impl ScreenedHousehold {
    /// 漏评 persons this household counts for: all its persons when suspected 漏评.
    pub fn missed_persons(&self) -> u32 {
        if self.suspected_missed == Some(true) {
            self.persons
                .unwrap_or_else(|| u32::try_from(self.members.len()).unwrap_or(u32::MAX))
        } else {
            0
        }
    }

    /// The problem a suspected 漏评 household raises: identify it (新识别, W5).
    pub fn problem(&self) -> Option<ProblemSeed> {
        (self.suspected_missed == Some(true)).then(|| ProblemSeed {
            plan_id: self.plan_id,
            check_id: self.id,
            check_kind: RecordKind::ScreenedHousehold,
            village_id: self.village_id,
            record: None,
            path: String::new(),
            code: format!("spot.{}", crate::codes::Coded::code(FindingCode::Missed)),
            verify_zh: verify_text(FindingCode::Missed, None),
            text_zh: match &self.note {
                Some(note) => format!("排查发现疑似漏评户：{note}"),
                None => "排查发现疑似漏评户".to_owned(),
            },
        })
    }
}

/// 村排查情况表: a screened village's non-registered population, the denominator of 漏评率
/// (EVALUATION.md §2, §8.3: store the screened population, not just the interviewed
/// households).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageScreening {
    pub id: Uuid,
    pub village_id: Uuid,
    pub plan_id: Uuid,
    /// 排查的自然村（村民小组）; empty when the whole village was screened.
    pub natural_village_ids: Vec<Uuid>,
    /// 排查开始日期.
    pub started_on: Option<Date>,
    /// 排查结束日期.
    pub finished_on: Option<Date>,
    pub checkers: Option<String>,
    /// 排查非建档立卡户数.
    pub non_registered_households: Option<u32>,
    /// 排查非建档立卡人口数: the 漏评率 denominator.
    pub non_registered_persons: Option<u32>,
    /// 村档核查 (§4.9): whether the village archive was complete.
    pub archive_complete: Option<bool>,
    pub note: Option<String>,
}

fn indicator_persons(findings: &[CheckFinding], indicator: Indicator) -> u32 {
    findings
        .iter()
        .filter(|f| f.code.indicator() == Some(indicator))
        .map(|f| f.persons)
        .sum()
}

fn check_findings(findings: &[CheckFinding]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let path = |field: &str| format!("findings[{i}].{field}");
        match f.code {
            FindingCode::Missed if f.missed_scope.is_none() => out.push(Finding::error(
                "spot.missed_scope",
                path("missed_scope"),
                "漏评须注明是整户漏评还是户内人口应纳未纳",
            )),
            FindingCode::TwoThreeGap if f.gap.is_none() => out.push(Finding::error(
                "spot.gap_item",
                path("gap"),
                "两不愁三保障未解决须注明是哪一项",
            )),
            _ => {}
        }
        if matches!(f.code, FindingCode::WrongExit | FindingCode::Missed) && f.persons == 0 {
            out.push(Finding::error(
                "spot.persons",
                path("persons"),
                "错退、漏评须填写涉及人数",
            ));
        }
    }
    out
}

fn verify_text(code: FindingCode, gap: Option<NoWorriesGap>) -> String {
    match code {
        FindingCode::WrongExit => {
            "核实收入是否稳定超过当年扶贫标准、两不愁三保障是否稳定实现；不符合的按返贫重新纳入"
                .to_owned()
        }
        FindingCode::Missed => "核实是否符合识别标准；符合的按程序新识别纳入".to_owned(),
        FindingCode::WrongInclusion => "核实是否符合识别标准；不符合的按程序剔除".to_owned(),
        FindingCode::ShouldExit => "核实是否达到脱贫标准；达到的按程序退出".to_owned(),
        FindingCode::Returned => "核实返贫原因并按程序重新纳入".to_owned(),
        FindingCode::TwoThreeGap => match gap {
            Some(g) => format!("核实「{}」并落实保障措施", crate::codes::Coded::zh(g)),
            None => "核实两不愁三保障并落实保障措施".to_owned(),
        },
        FindingCode::DataMismatch => "核实并更正登记信息".to_owned(),
        FindingCode::ArchiveDefect => "补齐、更正户档资料".to_owned(),
        FindingCode::ProcedureDefect => "核实识别、退出程序并补齐程序资料".to_owned(),
        FindingCode::SatisfactionNeg => "了解不认可原因，改进帮扶工作".to_owned(),
    }
}

fn finding_text(f: &CheckFinding) -> String {
    let label = crate::codes::Coded::zh(f.code);
    match &f.note {
        Some(note) => format!("抽查发现{label}：{note}"),
        None => format!("抽查发现{label}"),
    }
}
