//! The spot-check result workbook of one plan (抽查结果, issue 13 and 14): the plan and how it
//! was estimated (说明), the indicators with their intervals and decisions for the county,
//! each town and each drawn village (抽查指标), the draw per stratum with what was checked
//! (分层抽样), and each drawn household's check (入户核查). The server gathers the figures
//! (the domain's estimates, draw and results) into a [`SpotCheckReport`]; this module lays
//! them out with the domain's labels (indicator names, stratum codes, verdicts).

use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::YesNo;
use jiandang_domain::evaluation::{IntervalMethod, Rate};
use jiandang_domain::spotcheck::codes::{HouseholdType, Indicator, VillageType};
use jiandang_domain::spotcheck::draw::StratumOutcome;
use jiandang_domain::spotcheck::estimate::{Decision, IndicatorEstimate, Scope, ScopeEstimates};
use rust_xlsxwriter::Workbook;

use crate::cell::Cell;
use crate::summary::{Section, sections_sheet};
use crate::xlsx::beijing_time;
use crate::{ExportError, ExportMeta};

/// A plan's results, as the server gathers them.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotCheckReport {
    pub plan_title: String,
    /// The evaluation standard's id (`henan-2018`) and its confidence.
    pub policy: String,
    pub confidence: Rate,
    pub method: IntervalMethod,
    pub assumed_rho: f64,
    pub seed: Option<String>,
    /// The register's version the frame was read at.
    pub frame_version: Option<i64>,
    /// Household checks counted in the estimates.
    pub checks: u32,
    /// The county's, then each town's, then each drawn village's estimates.
    pub scopes: Vec<ScopeRow>,
    pub strata: Vec<StratumRow>,
    pub households: Vec<HouseholdRow>,
}

/// The estimates of one scope with its place names (the county: `town` 全县, `village`
/// empty; a town: `village` empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRow {
    pub town: String,
    pub village: String,
    pub estimates: ScopeEstimates,
}

/// One stratum of the draw and what its checks found.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumRow {
    pub outcome: StratumOutcome,
    /// Households of the stratum whose check counts.
    pub checked: u32,
    /// Persons in those households (the 错退率 base of an exited stratum).
    pub persons: u32,
    pub wrong_exit_persons: u32,
}

/// One drawn household's check.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow {
    pub town: String,
    pub village: String,
    pub household_number: Option<String>,
    pub head_name: Option<String>,
    pub household_type: HouseholdType,
    /// Where its check stands, zh-CN (`CheckState::zh`: 未分配, 已分配，未开始, 核查中, 已完成核查, …).
    pub state: String,
    pub wrong_exit_persons: u32,
    pub missed_persons: u32,
    pub recognises: Option<bool>,
    pub findings: u32,
    pub differences: u32,
}

fn int(n: u32) -> Cell {
    Cell::Int(i64::from(n))
}

/// A fraction as a per cent with two decimals (0.0206 → 2.06).
fn percent(x: f64) -> Cell {
    Cell::Hundredths((x * 10_000.0).round() as i64)
}

/// A threshold in basis points as a per cent (200 → 2.00).
fn rate(r: Rate) -> Cell {
    Cell::Hundredths(i64::from(r.0))
}

fn decision_cells(d: Option<&Decision>) -> [Cell; 3] {
    match d {
        Some(d) => [
            rate(d.threshold),
            Cell::text(d.verdict.zh()),
            d.more_households.map_or(Cell::Empty, int),
        ],
        None => [Cell::Empty, Cell::Empty, Cell::Empty],
    }
}

fn indicator_row(
    town: &str,
    village: &str,
    which: Indicator,
    e: Option<&IndicatorEstimate>,
) -> Vec<Cell> {
    let mut row = vec![
        Cell::text(town),
        Cell::text(village),
        Cell::text(which.zh()),
    ];
    match e {
        None => {
            row.extend([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
            row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
            row.extend([Cell::Empty, Cell::text("无样本"), Cell::Empty]);
            row.extend([Cell::Empty, Cell::Empty]);
        }
        Some(e) => {
            row.extend([int(e.found), int(e.base), int(e.households)]);
            row.extend([
                percent(e.interval.estimate),
                percent(e.interval.lower),
                percent(e.interval.upper),
                Cell::Hundredths((e.design_effect * 100.0).round() as i64),
            ]);
            row.extend(decision_cells(Some(&e.decision)));
            let [t, v, _] = decision_cells(e.internal.as_ref());
            row.extend([t, v]);
        }
    }
    row
}

fn indicators_section(title: String, note: Option<String>, scopes: &[&ScopeRow]) -> Section {
    let mut rows = Vec::new();
    for s in scopes {
        let e = &s.estimates;
        for (which, est) in [
            (Indicator::WrongExit, e.wrong_exit.as_ref()),
            (Indicator::Missed, e.missed.as_ref()),
            (Indicator::Recognition, e.recognition.as_ref()),
        ] {
            rows.push(indicator_row(&s.town, &s.village, which, est));
        }
    }
    Section {
        title,
        note,
        header: [
            "乡（镇）",
            "行政村",
            "指标",
            "发现数",
            "样本基数",
            "核查户数",
            "估计值（%）",
            "区间下限（%）",
            "区间上限（%）",
            "设计效应",
            "评估标准（%）",
            "判定",
            "尚需增加户数",
            "内部目标（%）",
            "按内部目标判定",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        total_rows: Vec::new(),
    }
}

fn strata_section(strata: &[StratumRow]) -> Section {
    let mut rows = Vec::new();
    let mut sums = [0u32; 8];
    for s in strata {
        let o = &s.outcome;
        let n = [
            o.frame,
            o.available,
            o.target,
            o.drawn,
            o.shortfall,
            s.checked,
            s.persons,
            s.wrong_exit_persons,
        ];
        for (t, x) in sums.iter_mut().zip(n) {
            *t += x;
        }
        let mut row = vec![
            Cell::text(o.village_type.zh()),
            Cell::text(o.household_type.zh()),
        ];
        row.extend(n.map(int));
        rows.push(row);
    }
    let total = rows.len();
    let mut last = vec![Cell::text("合计"), Cell::Empty];
    last.extend(sums.map(int));
    rows.push(last);
    Section {
        title: "分层抽样与核查情况".to_owned(),
        note: Some(
            "层 = 村类型 × 户类型。总体户数为抽样框中该层的户数；可抽户数为抽中村中该层的户数；缺额为目标户数中抽中村没有的户数。核查户数、人数只计已完成（见到户）的核查。"
                .to_owned(),
        ),
        header: [
            <VillageType as Coded>::LIST.name_zh,
            <HouseholdType as Coded>::LIST.name_zh,
            "总体户数",
            "可抽户数",
            "目标户数",
            "已抽户数",
            "缺额",
            "已核查户数",
            "核查人数",
            "错退人数",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        total_rows: vec![total],
    }
}

fn households_section(households: &[HouseholdRow]) -> Section {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => Cell::text(YesNo::Yes.zh()),
        Some(false) => Cell::text(YesNo::No.zh()),
        None => Cell::Empty,
    };
    let rows = households
        .iter()
        .map(|h| {
            vec![
                Cell::text(h.town.clone()),
                Cell::text(h.village.clone()),
                Cell::opt_text(h.household_number.as_deref()),
                Cell::opt_text(h.head_name.as_deref()),
                Cell::text(h.household_type.zh()),
                Cell::text(h.state.clone()),
                int(h.wrong_exit_persons),
                int(h.missed_persons),
                yes_no(h.recognises),
                int(h.findings),
                int(h.differences),
            ]
        })
        .collect();
    Section {
        title: "抽中户核查情况".to_owned(),
        note: None,
        header: [
            "乡（镇）",
            "行政村",
            "户编号",
            "户主姓名",
            <HouseholdType as Coded>::LIST.name_zh,
            "核查状态",
            "错退人数",
            "漏评人数",
            "群众认可",
            "发现问题数",
            "登记差异数",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        total_rows: Vec::new(),
    }
}

/// The workbook of a plan's results.
pub fn workbook(report: &SpotCheckReport, meta: &ExportMeta) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let title = format!("抽查结果：{}", report.plan_title);
    let about = Section {
        title: "说明".to_owned(),
        note: None,
        header: vec!["项目".to_owned(), "内容".to_owned()],
        rows: [
            ("抽查方案", report.plan_title.clone()),
            ("评估标准", report.policy.clone()),
            (
                "置信区间",
                format!(
                    "{}，置信水平 {}%",
                    report.method.zh(),
                    f64::from(report.confidence.0) / 100.0
                ),
            ),
            (
                "假定村内相关系数",
                format!("{}（样本无法显示设计效应时采用）", report.assumed_rho),
            ),
            ("抽样种子", report.seed.clone().unwrap_or_default()),
            (
                "抽样框版本",
                report
                    .frame_version
                    .map_or_else(String::new, |v| format!("服务器变更序号 {v}")),
            ),
            ("计入估计的核查户数", format!("{} 户", report.checks)),
            ("导出人", meta.for_whom.clone()),
            ("导出时间", beijing_time(meta.generated_at)),
            (
                "判定（错退率、漏评率）",
                "区间上限低于标准：大概率达标；区间下限高于标准：大概率不达标；其余：尚不确定"
                    .to_owned(),
            ),
            (
                "判定（群众认可度）",
                "区间下限高于标准：大概率达标；区间上限低于标准：大概率不达标；其余：尚不确定"
                    .to_owned(),
            ),
            (
                "尚需增加户数",
                "尚不确定时，按现有比率还需增加的核查户数".to_owned(),
            ),
            (
                "个人信息",
                "本表含户主姓名，仅限扶贫工作使用，不得外传；导出已记入审计记录".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| vec![Cell::text(k), Cell::text(v)])
        .collect(),
        total_rows: Vec::new(),
    };
    sections_sheet(wb.add_worksheet(), "说明", &title, None, &[&about], false)?;
    let county: Vec<&ScopeRow> = report
        .scopes
        .iter()
        .filter(|s| matches!(s.estimates.scope, Scope::County))
        .collect();
    let towns: Vec<&ScopeRow> = report
        .scopes
        .iter()
        .filter(|s| matches!(s.estimates.scope, Scope::Town(_)))
        .collect();
    let villages: Vec<&ScopeRow> = report
        .scopes
        .iter()
        .filter(|s| matches!(s.estimates.scope, Scope::Village(_)))
        .collect();
    let sections = [
        indicators_section(
            "一、全县".to_owned(),
            Some("错退率按层以抽样框人口加权；漏评率以排查村的非建档立卡人口为基数；认可度为认可户数占询问户数的比例。".to_owned()),
            &county,
        ),
        indicators_section("二、各乡镇".to_owned(), None, &towns),
        indicators_section("三、各抽中村".to_owned(), None, &villages),
    ];
    let refs: Vec<&Section> = sections.iter().collect();
    sections_sheet(wb.add_worksheet(), "抽查指标", &title, None, &refs, true)?;
    sections_sheet(
        wb.add_worksheet(),
        "分层抽样",
        &title,
        None,
        &[&strata_section(&report.strata)],
        true,
    )?;
    sections_sheet(
        wb.add_worksheet(),
        "入户核查",
        &title,
        None,
        &[&households_section(&report.households)],
        true,
    )?;
    Ok(wb.save_to_buffer()?)
}
