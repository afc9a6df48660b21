//! The demo county (示范县): a deterministic synthetic county for trying the server and the
//! app. 1 county, 3 towns, 30 villages (the first of 400 households), about 9,000
//! households with members, incomes, 两不愁三保障 answers and a GPS fix near each village's
//! centre (Shangqiu is about 115.65E 34.41N). Every name and ID number is made up (ID
//! numbers have valid check characters and region codes 4114xx); records are the domain's
//! own types serialised, written as logged changes like any device's.
//!
//! The entry window: the demo shifts the 2018 timeline by whole days so that today is the
//! fourth day of the entry phase (2018-11-14 → today); record writes are open for the next
//! 17 days, and the county admin can reopen villages after that. Passwords come from the OS
//! random source and are printed once; the county data itself depends on the seed only.

use std::collections::BTreeSet;

use geo_types::Point;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::{
    AccessRoadType, DilapidationLevel, Education, Ethnicity, ExitStatus, FuelType, Health,
    HouseholdAttribute, IdType, IdentificationStandard, LabourSkill, MemberStatus, PovertyCause,
    Relationship, Sex, StudentStatus, WorkStatus,
};
use jiandang_domain::codes::village::{
    ChangeDirection, ChangeProof, DevelopmentDirection, HouseholdMeasureKind, MemberChangeReason,
    Terrain, VillageAttribute, VillageCadrePost, VillageMeasureKind,
};
use jiandang_domain::geo::{GpsFix, GpsSource};
use jiandang_domain::help::Helper;
use jiandang_domain::household::{
    Assurance, BasicInfo, Decimal2, Household, LivingConditions, NoWorries, Pairing,
    ProductionConditions,
};
use jiandang_domain::id_number::check_char;
use jiandang_domain::income::Income;
use jiandang_domain::judge::Context;
use jiandang_domain::measures::{
    HouseholdExitMeasures, HouseholdMeasure, VillageExitMeasures, VillageMeasure,
};
use jiandang_domain::member::Member;
use jiandang_domain::member_change::MemberChange;
use jiandang_domain::policy::{PhaseName, YearPolicy};
use jiandang_domain::procedure::{
    Procedure, ProcedureKind, ProcedureStep, StepOutcome, StepRecord,
};
use jiandang_domain::village::{
    NaturalVillage, NaturalVillageBasic, NaturalVillageInfrastructure, NaturalVillagePopulation,
    Village, VillageBasic, VillageExitItems, VillageHealth, VillageIncome, VillageLand,
    VillagePopulation, VillageRoads,
};
use jiandang_domain::{Date, Money, RecordKind, Timestamp};
use jiandang_protocol::Role;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

use crate::admin::{insert_user, set_villages};
use crate::auth::hash_password;
use crate::error::AppError;
use crate::storage::{Author, Import, Store};
use crate::{policy, rules};

/// How big a county to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoScale {
    pub towns: usize,
    pub villages_per_town: usize,
    /// Households of the first village.
    pub first_village_households: usize,
    /// Households of every other village.
    pub village_households: usize,
}

impl DemoScale {
    /// 3 towns × 10 villages; 400 + 29 × 297 = 9,013 households.
    pub const COUNTY: DemoScale = DemoScale {
        towns: 3,
        villages_per_town: 10,
        first_village_households: 400,
        village_households: 297,
    };
}

/// A demo user and the password printed once.
#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub password: String,
    pub villages: usize,
}

/// What the demo made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    pub users: Vec<DemoUser>,
    pub towns: usize,
    pub villages: usize,
    pub households: usize,
    pub members: usize,
    pub gps_fixes: usize,
    pub changes: u64,
    pub entry_opens: Option<Date>,
    pub entry_closes: Option<Date>,
    /// Milliseconds spent writing records, and judging households by the rules.
    pub write_ms: u128,
    pub rules_ms: u128,
}

/// Fills an empty database with the demo county.
pub fn generate(
    conn: &mut Connection,
    seed: u64,
    scale: DemoScale,
    today: Date,
    now_ms: i64,
) -> Result<DemoReport, AppError> {
    let used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM villages)",
        [],
        |r| r.get(0),
    )?;
    if used {
        return Err(AppError::bad_request(
            "数据库里已有数据；示范数据只能写入新的数据库文件",
        ));
    }
    // A fresh file filled in one go: no journal, no fsync and a large page cache make the
    // ~800,000 logged changes several times faster. If the demo fails half-way, the file is
    // thrown away and made again; the server's own settings come back before returning.
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    let result = fill(conn, seed, scale, today, now_ms);
    conn.pragma_update(None, "cache_size", -2_000)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    result
}

fn fill(
    conn: &mut Connection,
    seed: u64,
    scale: DemoScale,
    today: Date,
    now_ms: i64,
) -> Result<DemoReport, AppError> {
    let mut rng = DemoRng::seed_from_u64(seed);
    let mut report = DemoReport::default();
    let tx = conn.transaction()?;

    let (policy, opens, closes) = shift_timeline(&tx, today, now_ms)?;
    report.entry_opens = Some(opens);
    report.entry_closes = Some(closes);

    // Places.
    let mut villages: Vec<(Uuid, usize, Point<f64>)> = Vec::new();
    for t in 0..scale.towns {
        let town = rng.uuid();
        tx.execute(
            "INSERT INTO towns (id, name) VALUES (?1, ?2)",
            params![
                town.to_string(),
                format!("{}镇", TOWN_NAMES[t % TOWN_NAMES.len()])
            ],
        )?;
        for v in 0..scale.villages_per_town {
            let id = rng.uuid();
            let centre = Point::new(
                115.65 + (rng.unit() - 0.5) * 0.6,
                34.41 + (rng.unit() - 0.5) * 0.4,
            );
            let name = format!(
                "{}{}村",
                rng.pick(SURNAMES),
                VILLAGE_SUFFIX[(t * scale.villages_per_town + v) % VILLAGE_SUFFIX.len()]
            );
            tx.execute(
                "INSERT INTO villages (id, town_id, name, lon, lat) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id.to_string(),
                    town.to_string(),
                    name,
                    centre.x(),
                    centre.y()
                ],
            )?;
            villages.push((id, t, centre));
        }
        report.towns += 1;
    }
    report.villages = villages.len();

    // Users: one county admin, a supervisor per town, a survey worker and a work-team
    // member per village.
    let admin = rng.uuid();
    let mut users: Vec<(Uuid, String, String, Role, Vec<Uuid>)> = vec![(
        admin,
        "admin".to_owned(),
        "县扶贫办管理员".to_owned(),
        Role::CountyAdmin,
        Vec::new(),
    )];
    for t in 0..scale.towns {
        let town_villages: Vec<Uuid> = villages.iter().filter(|v| v.1 == t).map(|v| v.0).collect();
        users.push((
            rng.uuid(),
            format!("shy{:02}", t + 1),
            format!("乡镇审核员{:02}", t + 1),
            Role::Supervisor,
            town_villages,
        ));
    }
    for (i, (village, _, _)) in villages.iter().enumerate() {
        users.push((
            rng.uuid(),
            format!("dcy{:02}", i + 1),
            format!("调查员{:02}", i + 1),
            Role::SurveyWorker,
            vec![*village],
        ));
        users.push((
            rng.uuid(),
            format!("gzd{:02}", i + 1),
            format!("驻村工作队员{:02}", i + 1),
            Role::WorkTeamMember,
            vec![*village],
        ));
    }
    for (id, username, display, role, user_villages) in &users {
        let password = new_password();
        insert_user(
            &tx,
            *id,
            username,
            display,
            *role,
            &hash_password(&password)?,
            now_ms,
        )?;
        set_villages(&tx, *id, user_villages)?;
        report.users.push(DemoUser {
            username: username.clone(),
            role: *role,
            password,
            villages: if *role == Role::CountyAdmin {
                villages.len()
            } else {
                user_villages.len()
            },
        });
    }
    // The import is logged as the admin's, from a device that can never sign in.
    let device = rng.uuid();
    tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms)
         VALUES (?1, ?2, '示范数据导入', ?3, 1, ?4)",
        params![
            device.to_string(),
            admin.to_string(),
            format!("none-{device}"),
            now_ms
        ],
    )?;

    // Households.
    let mut writer = Import::new(
        &tx,
        rng.uuid(),
        Author {
            user: admin,
            device,
        },
        "demo",
        now_ms,
    );
    let mut households = BTreeSet::new();
    let mut person = 0u32;
    let started = std::time::Instant::now();
    for (i, (village, _, centre)) in villages.iter().enumerate() {
        // 帮扶责任人: eight per village, each paired with some of its households.
        let mut helpers = Vec::new();
        for h in 0..8 {
            let helper = Helper {
                id: rng.uuid(),
                name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                sex: Some(if h % 3 == 0 { Sex::Female } else { Sex::Male }),
                post: Some("县直单位干部".to_owned()),
                ..Helper::default()
            };
            writer.record(RecordKind::Helper, helper.id, *village, &helper)?;
            helpers.push(helper.id);
        }
        let count = if i == 0 {
            scale.first_village_households
        } else {
            scale.village_households
        };
        for n in 0..count {
            let helper = helpers[n % helpers.len()];
            let made = make_household(&mut rng, &policy, *village, helper, i, n, &mut person);
            writer.record(
                RecordKind::Household,
                made.household.id,
                *village,
                &made.household,
            )?;
            for member in &made.members {
                writer.record(RecordKind::Member, member.id, *village, member)?;
            }
            let fix = GpsFix {
                id: rng.uuid(),
                subject_id: made.household.id,
                point: Point::new(
                    centre.x() + (rng.unit() - 0.5) * 0.02,
                    centre.y() + (rng.unit() - 0.5) * 0.016,
                ),
                accuracy_m: 3.0 + rng.below(120) as f64 / 10.0,
                taken_at: Timestamp::from_millis(
                    Timestamp::beijing_midnight(Date::new(2018, 10, 8).unwrap_or(today)).millis()
                        + rng.range(0, 30 * 86_400_000),
                ),
                source: GpsSource::Gps,
                samples: 1 + rng.below(5) as u32,
            };
            writer.record(RecordKind::GpsFix, fix.id, *village, &fix)?;
            households.insert(made.household.id);
            report.households += 1;
            report.members += made.members.len();
            report.gps_fixes += 1;
        }
    }
    report.changes = writer.changes;
    report.write_ms = started.elapsed().as_millis();
    let started = std::time::Instant::now();
    let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
    rules::check_records(&tx, &ctx, &households)?;
    report.rules_ms = started.elapsed().as_millis();
    tx.commit()?;
    Ok(report)
}

/// The demo county's policy, Shangqiu 2018's document: a fresh server's too, until the county
/// sets its own.
pub fn policy() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

/// The demo's policy with its timeline moved by whole days so that today is the fourth day
/// of the entry phase, stored as the county's; returns it with the entry phase's first and
/// last day.
fn shift_timeline(
    tx: &Connection,
    today: Date,
    now_ms: i64,
) -> Result<(YearPolicy, Date, Date), AppError> {
    let anchor = Date::new(2018, 11, 14).map_err(|_| AppError::internal("anchor date"))?;
    let shift = today.days_since_epoch() - anchor.days_since_epoch();
    let mut policy = policy();
    for phase in &mut policy.phases {
        phase.starts = phase.starts.add_days(shift);
        phase.ends = phase.ends.add_days(shift);
    }
    policy::store(tx, &policy, None, now_ms)?;
    let entry = policy
        .phases
        .iter()
        .find(|p| p.name == PhaseName::Entry)
        .ok_or_else(|| AppError::internal("no entry phase"))?;
    let (opens, closes) = (entry.starts, entry.ends);
    Ok((policy, opens, closes))
}

/// The demo's random numbers: a seeded ChaCha8 stream (rand_chacha), so the same seed makes
/// the same county on every machine. Not for secrets.
type DemoRng = ChaCha8Rng;

/// The draws the demo makes, in its own words over rand's.
trait Draw {
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64;
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64;
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool;
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64;
    /// One element of a non-empty slice.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T;
    /// A UUID made from the stream (shaped as version 4), so demo ids are deterministic.
    fn uuid(&mut self) -> Uuid;
}

impl<R: RngExt> Draw for R {
    fn below(&mut self, n: u64) -> u64 {
        self.random_range(0..n.max(1))
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.random_range(lo..=hi.max(lo))
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn unit(&mut self) -> f64 {
        self.random::<f64>()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.random_range(0..items.len())]
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.random()).into_uuid()
    }
}

struct MadeHousehold {
    household: Household,
    members: Vec<Member>,
}

fn make_household(
    rng: &mut DemoRng,
    policy: &YearPolicy,
    village: Uuid,
    helper: Uuid,
    village_index: usize,
    n: usize,
    person: &mut u32,
) -> MadeHousehold {
    let id = rng.uuid();
    let surname = *rng.pick(SURNAMES);
    let size = 1 + rng.below(6) as usize;
    let region = *rng.pick(REGIONS);
    let mut members: Vec<Member> = Vec::with_capacity(size);
    let mut worker_set = false;
    let head_age = rng.range(28, 78);
    let head_sex = if rng.chance(80) {
        Sex::Male
    } else {
        Sex::Female
    };
    for k in 0..size {
        let (relationship, age, sex) = match k {
            0 => (Relationship::Head, head_age, head_sex),
            1 if head_age > 22 => (
                Relationship::Spouse,
                (head_age + rng.range(-5, 5)).max(20),
                if head_sex == Sex::Male {
                    Sex::Female
                } else {
                    Sex::Male
                },
            ),
            _ => {
                let son = rng.chance(50);
                let age = (head_age - rng.range(20, 32)).max(0);
                (
                    if son {
                        Relationship::Son
                    } else {
                        Relationship::Daughter
                    },
                    age,
                    if son { Sex::Male } else { Sex::Female },
                )
            }
        };
        *person += 1;
        let birth = Date::new(
            2018 - age as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap_or_else(|_| Date::from_days_since_epoch(0));
        let given: String = (0..1 + rng.below(2)).map(|_| *rng.pick(GIVEN)).collect();
        let health = if rng.chance(85) {
            Health::Healthy
        } else {
            *rng.pick(&[
                Health::ChronicIllness,
                Health::SeriousIllness,
                Health::Disabled,
            ])
        };
        let working_age = (16..=65).contains(&age);
        let works = working_age && health == Health::Healthy && !worker_set;
        worker_set |= works;
        let member = Member {
            id: rng.uuid(),
            household_id: id,
            name: if k == 0 || relationship != Relationship::Spouse {
                format!("{surname}{given}")
            } else {
                format!("{}{given}", rng.pick(SURNAMES))
            },
            sex: Some(sex),
            id_type: Some(IdType::ResidentId),
            id_number: Some(fake_id_number(region, birth, sex, *person)),
            birth_date: Some(birth),
            relationship: Some(relationship),
            education: Some(if age < 6 {
                Education::Preschool
            } else if age < 13 {
                Education::Primary
            } else {
                *rng.pick(&[
                    Education::Primary,
                    Education::JuniorHigh,
                    Education::SeniorHigh,
                ])
            }),
            student_status: Some(student_status(age)),
            student_status_last_year: Some(student_status(age - 1)),
            health: vec![health],
            ethnicity: Some(Ethnicity::Han),
            labour_skill: working_age.then(|| {
                if health == Health::Healthy {
                    LabourSkill::Ordinary
                } else {
                    LabourSkill::LostCapacity
                }
            }),
            work_status: works.then_some(WorkStatus::InCounty),
            work_months: works.then(|| 6 + rng.below(6) as u8),
            work_place: works.then(|| "本县产业集聚区".to_owned()),
            employer: works.then(|| "县内企业".to_owned()),
            basic_medical_insurance: Some(true),
            critical_illness_insurance: Some(true),
            ..Member::default()
        };
        members.push(member);
    }
    let has = |h: Health| members.iter().any(|m| m.health.contains(&h));
    let main_cause = if has(Health::SeriousIllness) || has(Health::ChronicIllness) {
        PovertyCause::Illness
    } else if has(Health::Disabled) {
        PovertyCause::Disability
    } else if !worker_set {
        PovertyCause::LackOfLabour
    } else {
        PovertyCause::LackOfSkills
    };
    let exited = rng.chance(35);
    let mut no_worries = NoWorries::all_resolved();
    if !exited && rng.chance(8) {
        no_worries.housing = Assurance::no("房屋为C级危房，改造未完成");
    }
    let per_capita = if exited {
        rng.range(3_600, 9_000)
    } else {
        rng.range(1_500, 3_300)
    };
    let net = per_capita * size as i64;
    let allowance = rng.chance(30);
    if allowance {
        members[0].minimum_allowance = Some(true);
    }
    let zero = Some(Money::ZERO);
    let mut income = Income {
        wage: Some(Money::from_yuan(if worker_set {
            net * rng.range(40, 70) / 100
        } else {
            0
        })),
        asset_dividend: zero,
        other_property: zero,
        family_planning: zero,
        extreme_poverty_support: zero,
        ecological_compensation: zero,
        other_transfer: zero,
        business_income: Some(Money::from_yuan(net * rng.range(20, 40) / 100)),
        business_expense: Some(Money::from_yuan(net * rng.range(2, 8) / 100)),
        minimum_allowance: Some(Money::from_yuan(if allowance { 1_200 } else { 0 })),
        pension: Some(Money::from_yuan(if head_age >= 60 { 1_020 } else { 0 })),
        ..Income::default()
    };
    income = income.derive(size, policy);
    // An exited household is above the line (W1): top up business income where the random
    // split fell short.
    let floor = policy.poverty_line.fen() + 20_000;
    if exited && let Some(pc) = income.net_per_capita.filter(|pc| pc.fen() < floor) {
        let add = (floor - pc.fen()) * size as i64;
        income.business_income = Some(Money::from_fen(
            income.business_income.map_or(0, Money::fen) + add,
        ));
        income = income.derive(size, policy);
    }
    let household = Household {
        id,
        village_id: village,
        basic: BasicInfo {
            household_number: Some(format!("{:02}{:04}", village_index + 1, n + 1)),
            year: Some(2018),
            household_size: Some(size as u32),
            identification_standard: Some(IdentificationStandard::National),
            attribute: Some(match (exited, allowance) {
                (true, true) => HouseholdAttribute::AllowanceExited,
                (true, false) => HouseholdAttribute::GeneralExited,
                (false, true) => HouseholdAttribute::Allowance,
                (false, false) => HouseholdAttribute::General,
            }),
            phone: Some(format!("13{:09}", rng.below(1_000_000_000))),
            bank_name: Some("农村信用合作联社".to_owned()),
            bank_account: Some(format!("6223{:015}", rng.below(1_000_000_000_000_000))),
            basic_info_updated_year: Some(2018),
            status: Some(if exited {
                ExitStatus::Exited
            } else {
                ExitStatus::NotExited
            }),
            identified_year: Some(2014 + rng.below(3) as i32),
            exit_year: exited.then(|| 2016 + rng.below(2) as i32),
            main_cause: Some(main_cause),
            ..BasicInfo::default()
        },
        production: ProductionConditions {
            arable_area: Some(Decimal2::from_hundredths(rng.range(50, 120) * size as i64)),
            production_electricity: Some(true),
            cooperative: Some(rng.chance(30)),
            ..ProductionConditions::default()
        },
        living: LivingConditions {
            road_distance_km: Some(Decimal2::from_hundredths(rng.range(0, 300))),
            access_road: Some(*rng.pick(&[
                AccessRoadType::Gravel,
                AccessRoadType::Concrete,
                AccessRoadType::Concrete,
            ])),
            housing_area_m2: Some(Decimal2::from_int(rng.range(40, 140))),
            dilapidated: Some(no_worries.housing.resolved == Some(false)),
            dilapidation_level: (no_worries.housing.resolved == Some(false))
                .then_some(DilapidationLevel::C),
            domestic_electricity: Some(true),
            safe_drinking_water: Some(true),
            fuel: Some(*rng.pick(&[FuelType::Firewood, FuelType::Coal, FuelType::Clean])),
            sanitary_toilet: Some(rng.chance(60)),
            ..LivingConditions::default()
        },
        income,
        pairings: vec![Pairing {
            helper_id: helper,
            start: Date::new(2016, 3, 1).ok(),
            end: None,
        }],
        no_worries,
        ..Household::default()
    };
    MadeHousehold { household, members }
}

fn student_status(age: i64) -> StudentStatus {
    match age {
        3..=5 => StudentStatus::Preschool,
        6..=12 => StudentStatus::Primary,
        13 => StudentStatus::Grade7,
        14 => StudentStatus::Grade8,
        15 => StudentStatus::Grade9,
        _ => StudentStatus::NotInSchool,
    }
}

/// A made-up 18-digit number with a valid check character: region, birth date, a sequence
/// whose last digit is odd for men and even for women.
pub fn fake_id_number(region: &str, birth: Date, sex: Sex, person: u32) -> String {
    // At most 899: a run of five 9s reads as a placeholder to the national checks.
    let order = (person % 450) * 2 + u32::from(sex == Sex::Male);
    let first17 = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        order
    );
    let check = check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

fn new_password() -> String {
    Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// 商丘 county-level region codes.
const REGIONS: &[&str] = &[
    "411402", "411403", "411421", "411422", "411423", "411424", "411425", "411426",
];
const TOWN_NAMES: &[&str] = &["城关", "李庄", "王集"];
const VILLAGE_SUFFIX: &[&str] = &[
    "庄", "楼", "寨", "营", "集", "店", "屯", "湾", "岗", "桥", "洼", "园", "口", "堂", "坡",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];
const GIVEN: &[&str] = &[
    "建", "国", "华", "明", "军", "平", "秀", "英", "兰", "芳", "伟", "强", "磊", "洋", "勇", "艳",
    "杰", "娟", "涛", "超", "霞", "丽", "敏", "静", "刚", "桂", "玉", "凤", "海", "春",
];

/// What [`add_year_events`] made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct YearEvents {
    pub exits: usize,
    pub returns: usize,
    pub new_households: usize,
    pub increases: usize,
    pub decreases: usize,
    pub villages: usize,
    pub natural_villages: usize,
    pub village_exits: usize,
    pub changes: u64,
}

/// This year's work on top of the demo county [`generate`] made: what the survey workers and
/// work teams would have recorded by the end of the entry phase, as logged changes of the
/// import user like the baseline. Some households exit in 2018 (with their exit-measure
/// sheet), some fall back (返贫, with the procedure and its reason), new households are
/// identified (新识别, one with rare characters outside the BMP in its names and an ID number
/// ending in X), members are born, marry out or die (自然增减, with the member's status and
/// the household's size and income updated), and every village gets its 贫困村 form, its
/// 自然村 forms and, when it exits in 2018, its exit-measure sheet.
///
/// Separate from [`generate`] so the figures of `jiandang bench` taken on the baseline county
/// stay comparable; `jiandang demo` runs both. Deterministic in `seed`.
pub fn add_year_events(
    conn: &mut Connection,
    seed: u64,
    now_ms: i64,
) -> Result<YearEvents, AppError> {
    let tx = conn.transaction()?;
    let (admin, device): (String, String) = tx.query_row(
        "SELECT u.id, d.id FROM devices d JOIN users u ON u.id = d.user_id
         WHERE d.name = '示范数据导入' AND u.role = 'county_admin' LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let parse = |s: &str| Uuid::parse_str(s).map_err(|e| AppError::internal(format!("uuid: {e}")));
    let mut rng = DemoRng::seed_from_u64(seed ^ 0x2018_5EED_0000_0001);
    let mut writer = Import::new(
        &tx,
        rng.uuid(),
        Author {
            user: parse(&admin)?,
            device: parse(&device)?,
        },
        "demo",
        // A millisecond after the baseline: this year's edits are stamped later than it.
        now_ms + 1,
    );
    // Change ids are the counter beside the record id: start far above the baseline's
    // counter so an edit of a baseline record never reuses one of its change ids.
    writer.changes = YEAR_EVENTS_CHANGES;
    let villages: Vec<(Uuid, String, usize)> = {
        let mut stmt = tx.prepare(
            "SELECT v.id, v.name FROM villages v JOIN towns t ON t.id = v.town_id
             ORDER BY t.name, v.name",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for (i, row) in rows.enumerate() {
            let (id, name) = row?;
            out.push((parse(&id)?, name, i));
        }
        out
    };
    let policy = policy::load_or_seed(&tx, policy, now_ms)?;
    let mut report = YearEvents::default();
    let mut touched = BTreeSet::new();
    let mut person = 900_000u32;
    for (village, village_name, index) in &villages {
        let households = load_households(&tx, *village)?;
        // New households are registered by now (公告 passed): the national system gave them
        // the village's next numbers.
        let mut next_number = households
            .iter()
            .filter_map(|(h, _)| h.basic.household_number.as_deref()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let mut people = 0u32;
        let mut poor_people = 0u32;
        let mut poor_households = 0u32;
        for (before, members_before) in households {
            let mut household = before.clone();
            let mut members = members_before.clone();
            let status = household.basic.status;
            let resolved = household.no_worries.housing.resolved != Some(false);
            if status == Some(ExitStatus::NotExited) && resolved && rng.chance(22) {
                exit_2018(&mut household, &members, &policy, &mut rng);
                let measures = exit_measures(&mut rng, *village, household.id);
                writer.record(
                    RecordKind::HouseholdExitMeasures,
                    measures.id,
                    *village,
                    &measures,
                )?;
                report.exits += 1;
            } else if status == Some(ExitStatus::Exited) && rng.chance(4) {
                let reason = *rng.pick(&[
                    PovertyCause::Illness,
                    PovertyCause::Disaster,
                    PovertyCause::Disability,
                    PovertyCause::LackOfLabour,
                ]);
                household.basic.status = Some(ExitStatus::Returned);
                household.basic.attribute = household.basic.attribute.map(|a| match a {
                    HouseholdAttribute::AllowanceExited => HouseholdAttribute::Allowance,
                    _ => HouseholdAttribute::General,
                });
                household.basic.return_reason = Some(reason);
                household.basic.return_year = Some(2018);
                household.basic.main_cause = Some(reason);
                household.basic.exit_year = None;
                // Back below the line: the illness or disaster ate the business income.
                household.income.business_income = Some(Money::from_yuan(
                    500 * members.iter().filter(|m| m.is_present()).count() as i64,
                ));
                let procedure =
                    procedure(&mut rng, household.id, ProcedureKind::Return, Some(reason));
                writer.record(RecordKind::Procedure, procedure.id, *village, &procedure)?;
                report.returns += 1;
            }
            if (household.basic.status != Some(ExitStatus::Exited) || household == before)
                && let Some(change) = member_change(
                    &mut rng,
                    &mut household,
                    &mut members,
                    *village,
                    &mut person,
                )
            {
                if let Some(new) = members.iter().find(|m| {
                    m.id == change.member_id && !members_before.iter().any(|b| b.id == m.id)
                }) {
                    writer.record(RecordKind::Member, new.id, *village, new)?;
                }
                writer.record(RecordKind::MemberChange, change.id, *village, &change)?;
                match change.direction {
                    ChangeDirection::Increase => report.increases += 1,
                    ChangeDirection::Decrease => report.decreases += 1,
                }
            }
            let present = members.iter().filter(|m| m.is_present()).count();
            household.basic.household_size = Some(present as u32);
            household.income = household.income.derive(present, &policy);
            for (m, b) in members.iter().zip(&members_before) {
                if m != b {
                    writer.update(RecordKind::Member, m.id, *village, b, m)?;
                }
            }
            if household != before {
                writer.update(
                    RecordKind::Household,
                    household.id,
                    *village,
                    &before,
                    &household,
                )?;
                touched.insert(household.id);
            }
            people += present as u32;
            if !household.basic.status.is_some_and(ExitStatus::is_exited) {
                poor_people += present as u32;
                poor_households += 1;
            }
        }
        // 新识别: one or two households a village; the first village's first one carries
        // names with characters outside the BMP and an ID number ending in X.
        for k in 0..1 + rng.below(2) {
            let rare = *index == 0 && k == 0;
            let (mut household, members) =
                new_household(&mut rng, &policy, *village, rare, &mut person);
            next_number += 1;
            household.basic.household_number = Some(format!("{next_number:06}"));
            writer.record(RecordKind::Household, household.id, *village, &household)?;
            for m in &members {
                writer.record(RecordKind::Member, m.id, *village, m)?;
            }
            let procedure = procedure(
                &mut rng,
                household.id,
                ProcedureKind::NewIdentification,
                None,
            );
            writer.record(RecordKind::Procedure, procedure.id, *village, &procedure)?;
            touched.insert(household.id);
            people += members.len() as u32;
            poor_people += members.len() as u32;
            poor_households += 1;
            report.new_households += 1;
        }
        // The village's own forms.
        let exits_2018 = rng.chance(20);
        let naturals = 3 + rng.below(3) as usize;
        let village_record = village_form(
            &mut rng,
            *village,
            village_name,
            *index,
            people,
            (poor_households, poor_people),
            naturals as u32,
            exits_2018,
        );
        writer.record(RecordKind::Village, *village, *village, &village_record)?;
        report.villages += 1;
        for n in 0..naturals {
            let nv = NaturalVillage {
                id: rng.uuid(),
                village_id: *village,
                basic: NaturalVillageBasic {
                    name: Some(format!(
                        "{}{}组",
                        village_name.trim_end_matches('村'),
                        n + 1
                    )),
                    code: Some(format!("{:02}{:02}", index + 1, n + 1)),
                    longitude: None,
                    latitude: None,
                },
                population: NaturalVillagePopulation {
                    households: Some(40 + rng.below(80) as u32),
                    population: Some(150 + rng.below(300) as u32),
                    poor_households: None,
                    poor_population: None,
                    over_20_households: Some(true),
                },
                infrastructure: NaturalVillageInfrastructure {
                    hardened_road: Some(true),
                    power_production: Some(true),
                    power_domestic: Some(true),
                    broadcast_tv: Some(true),
                    broadband: Some(rng.chance(70)),
                    mobile_signal: Some(true),
                    safe_water: Some(true),
                    tap_water_households: Some(30 + rng.below(60) as u32),
                    bus_service: Some(rng.chance(50)),
                    ..NaturalVillageInfrastructure::default()
                },
            };
            writer.record(RecordKind::NaturalVillage, nv.id, *village, &nv)?;
            report.natural_villages += 1;
        }
        if exits_2018 {
            let measures = village_exit_measures(&mut rng, *village);
            writer.record(
                RecordKind::VillageExitMeasures,
                measures.id,
                *village,
                &measures,
            )?;
            report.village_exits += 1;
        }
    }
    report.changes = writer.changes - YEAR_EVENTS_CHANGES;
    let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
    rules::check_records(&tx, &ctx, &touched)?;
    tx.commit()?;
    Ok(report)
}

const YEAR_EVENTS_CHANGES: u64 = 1 << 40;

fn load_households(
    tx: &Connection,
    village: Uuid,
) -> Result<Vec<(Household, Vec<Member>)>, AppError> {
    let records =
        Store::new(tx).records_of(village, &[RecordKind::Household, RecordKind::Member])?;
    let mut households: Vec<Household> = Vec::new();
    let mut members: std::collections::HashMap<Uuid, Vec<Member>> = Default::default();
    for r in records {
        if r.kind == RecordKind::Household {
            households.push(serde_json::from_value(r.doc)?);
        } else {
            let m: Member = serde_json::from_value(r.doc)?;
            members.entry(m.household_id).or_default().push(m);
        }
    }
    // The order the baseline wrote them in: by 户编号.
    households.sort_by(|a, b| a.basic.household_number.cmp(&b.basic.household_number));
    Ok(households
        .into_iter()
        .map(|h| {
            let mut ms = members.remove(&h.id).unwrap_or_default();
            ms.sort_by_key(|a| (a.relationship, a.birth_date));
            (h, ms)
        })
        .collect())
}

/// Marks a household 已脱贫 in 2018, with the income above the line that it takes.
fn exit_2018(
    household: &mut Household,
    members: &[Member],
    policy: &YearPolicy,
    rng: &mut DemoRng,
) {
    let size = members.iter().filter(|m| m.is_present()).count().max(1) as i64;
    household.basic.status = Some(ExitStatus::Exited);
    household.basic.exit_year = Some(2018);
    household.basic.attribute = household.basic.attribute.map(|a| match a {
        HouseholdAttribute::Allowance => HouseholdAttribute::AllowanceExited,
        _ => HouseholdAttribute::GeneralExited,
    });
    household.basic.visited_on = Date::new(2018, 10, 8 + rng.below(20) as u32).ok();
    let target = policy.poverty_line.fen() + 20_000 + rng.range(0, 200_000);
    let derived = household.income.derive(size as usize, policy);
    if let Some(pc) = derived.net_per_capita.filter(|pc| pc.fen() < target) {
        household.income.business_income = Some(Money::from_fen(
            household.income.business_income.map_or(0, Money::fen) + (target - pc.fen()) * size,
        ));
    }
}

fn exit_measures(rng: &mut DemoRng, village: Uuid, household: Uuid) -> HouseholdExitMeasures {
    let mut kinds: Vec<HouseholdMeasureKind> = Vec::new();
    for _ in 0..3 + rng.below(4) {
        let k = *rng.pick(HouseholdMeasureKind::ALL);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    kinds.sort();
    HouseholdExitMeasures {
        id: rng.uuid(),
        village_id: village,
        household_id: household,
        measures: kinds
            .into_iter()
            .map(|kind| HouseholdMeasure {
                kind,
                first_year: Some(2015 + rng.below(4) as i32),
                amount: matches!(
                    kind,
                    HouseholdMeasureKind::MicroCredit
                        | HouseholdMeasureKind::HouseRenovation
                        | HouseholdMeasureKind::IndustryAward
                        | HouseholdMeasureKind::AssetIncome
                )
                .then(|| Money::from_fen(rng.range(50_000, 5_000_000))),
                implementing_unit: rng.chance(50).then(|| "县扶贫办".to_owned()),
            })
            .collect(),
        note: None,
    }
}

fn procedure(
    rng: &mut DemoRng,
    household: Uuid,
    kind: ProcedureKind,
    return_reason: Option<PovertyCause>,
) -> Procedure {
    let mut day = Date::new(2018, 10, 8).unwrap_or_else(|_| Date::from_days_since_epoch(0));
    let steps = ProcedureStep::ALL
        .iter()
        .map(|step| {
            day = day.add_days(1 + rng.range(0, 5));
            StepRecord {
                step: *step,
                date: Some(day),
                outcome: Some(StepOutcome::Passed),
                note: None,
                attachment_photo_ids: Vec::new(),
            }
        })
        .collect();
    Procedure {
        id: rng.uuid(),
        household_id: household,
        kind,
        return_reason,
        steps,
    }
}

/// One natural change of a household still poor, or none: a newborn (increase), a daughter
/// who married out or an elder who died (decrease). Updates the members in place.
fn member_change(
    rng: &mut DemoRng,
    household: &mut Household,
    members: &mut Vec<Member>,
    village: Uuid,
    person: &mut u32,
) -> Option<MemberChange> {
    let roll = rng.below(100);
    let date =
        |rng: &mut DemoRng| Date::new(2018, 1 + rng.below(9) as u32, 1 + rng.below(28) as u32).ok();
    let (direction, reason, member_id, on) = if roll < 6 {
        let head = members.iter().find(|m| m.is_head())?;
        let birth = date(rng)?;
        let sex = if rng.chance(50) {
            Sex::Male
        } else {
            Sex::Female
        };
        *person += 1;
        let surname: String = head.name.chars().take(1).collect();
        let given: String = (0..2).map(|_| *rng.pick(GIVEN)).collect();
        let child = Member {
            id: rng.uuid(),
            household_id: household.id,
            name: format!("{surname}{given}"),
            sex: Some(sex),
            id_type: Some(IdType::ResidentId),
            id_number: Some(fake_id_number("411421", birth, sex, *person)),
            birth_date: Some(birth),
            relationship: Some(if head.age_on_2018() >= 45 {
                if sex == Sex::Male {
                    Relationship::Grandson
                } else {
                    Relationship::Granddaughter
                }
            } else if sex == Sex::Male {
                Relationship::Son
            } else {
                Relationship::Daughter
            }),
            ethnicity: Some(Ethnicity::Han),
            education: Some(Education::Preschool),
            student_status: Some(StudentStatus::NotInSchool),
            student_status_last_year: Some(StudentStatus::NotInSchool),
            health: vec![Health::Healthy],
            basic_medical_insurance: Some(true),
            critical_illness_insurance: Some(true),
            ..Member::default()
        };
        let id = child.id;
        members.push(child);
        (
            ChangeDirection::Increase,
            MemberChangeReason::Newborn,
            id,
            Some(birth),
        )
    } else if roll < 16 {
        let pick = |m: &Member, r: Relationship, age: i32| {
            m.is_present() && m.relationship == Some(r) && m.age_on_2018() >= age
        };
        let (reason, m) = if let Some(m) = members
            .iter_mut()
            .find(|m| pick(m, Relationship::Daughter, 20))
        {
            (MemberChangeReason::MarriageOut, m)
        } else if let Some(m) = members
            .iter_mut()
            .find(|m| m.is_present() && !m.is_head() && m.age_on_2018() >= 65)
        {
            (MemberChangeReason::Death, m)
        } else {
            let m = members
                .iter_mut()
                .find(|m| pick(m, Relationship::Son, 18))?;
            (MemberChangeReason::RegistrationOut, m)
        };
        m.status = MemberStatus::Decreased;
        (ChangeDirection::Decrease, reason, m.id, date(rng))
    } else {
        return None;
    };
    Some(MemberChange {
        id: rng.uuid(),
        village_id: village,
        household_id: household.id,
        direction,
        member_id,
        reason: Some(reason),
        date: on,
        proof: Some(match reason {
            MemberChangeReason::Newborn => ChangeProof::BirthCertificate,
            MemberChangeReason::MarriageOut => ChangeProof::MarriageCertificate,
            MemberChangeReason::RegistrationOut => ChangeProof::MigrationCertificate,
            _ => ChangeProof::DeathCertificate,
        }),
        proof_photo_ids: Vec::new(),
        new_head_id: None,
        note: None,
        reported_by: Some("村调查员".to_owned()),
        reported_on: Date::new(2018, 10, 20 + rng.below(10) as u32).ok(),
    })
}

trait AgeIn2018 {
    fn age_on_2018(&self) -> i32;
}

impl AgeIn2018 for Member {
    fn age_on_2018(&self) -> i32 {
        self.birth_date.map_or(0, |b| 2018 - b.year())
    }
}

fn new_household(
    rng: &mut DemoRng,
    policy: &YearPolicy,
    village: Uuid,
    rare: bool,
    person: &mut u32,
) -> (Household, Vec<Member>) {
    let id = rng.uuid();
    let surname = if rare { "王" } else { *rng.pick(SURNAMES) };
    let head_birth = Date::new(
        1960 + rng.below(25) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or_else(|_| Date::from_days_since_epoch(0));
    let spouse_birth = head_birth.add_days(rng.range(-900, 900));
    let mut members = Vec::new();
    for (k, (relationship, sex, birth)) in [
        (Relationship::Head, Sex::Male, head_birth),
        (Relationship::Spouse, Sex::Female, spouse_birth),
    ]
    .into_iter()
    .enumerate()
    {
        let name = match (rare, k) {
            // 𠀾 (U+2003E) and 𪚥 (U+2A6A5): rare characters outside the BMP (生僻字).
            (true, 0) => "王𠀾".to_owned(),
            (true, _) => "李𪚥".to_owned(),
            (false, 0) => format!("{surname}{}{}", rng.pick(GIVEN), rng.pick(GIVEN)),
            (false, _) => format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        };
        // The head of the rare household gets an ID number whose check character is X.
        let mut number = fake_id_number("411421", birth, sex, *person);
        while rare && k == 0 && !number.ends_with('X') {
            *person += 1;
            number = fake_id_number("411421", birth, sex, *person);
        }
        *person += 1;
        members.push(Member {
            id: rng.uuid(),
            household_id: id,
            name,
            sex: Some(sex),
            id_type: Some(IdType::ResidentId),
            id_number: Some(number),
            birth_date: Some(birth),
            relationship: Some(relationship),
            ethnicity: Some(Ethnicity::Han),
            education: Some(Education::JuniorHigh),
            student_status: Some(StudentStatus::NotInSchool),
            student_status_last_year: Some(StudentStatus::NotInSchool),
            health: vec![if k == 0 {
                Health::SeriousIllness
            } else {
                Health::Healthy
            }],
            labour_skill: Some(if k == 0 {
                LabourSkill::LostCapacity
            } else {
                LabourSkill::Ordinary
            }),
            basic_medical_insurance: Some(true),
            critical_illness_insurance: Some(true),
            phone: (k == 0).then(|| format!("13{:09}", rng.below(1_000_000_000))),
            ..Member::default()
        });
    }
    let zero = Some(Money::ZERO);
    let income = Income {
        wage: Some(Money::from_yuan(rng.range(1_000, 3_000))),
        business_income: Some(Money::from_yuan(rng.range(500, 1_500))),
        business_expense: Some(Money::from_yuan(rng.range(100, 400))),
        asset_dividend: zero,
        other_property: zero,
        family_planning: zero,
        minimum_allowance: zero,
        extreme_poverty_support: zero,
        pension: zero,
        ecological_compensation: zero,
        other_transfer: zero,
        ..Income::default()
    }
    .derive(members.len(), policy);
    let household = Household {
        id,
        village_id: village,
        basic: BasicInfo {
            year: Some(2018),
            household_size: Some(members.len() as u32),
            phone: members[0].phone.clone(),
            bank_name: Some("农村信用合作联社".to_owned()),
            bank_account: Some(format!("6223{:015}", rng.below(1_000_000_000_000_000))),
            identification_standard: Some(IdentificationStandard::National),
            attribute: Some(HouseholdAttribute::General),
            status: Some(ExitStatus::NotExited),
            identified_year: Some(2018),
            planned_exit_year: Some(2020),
            main_cause: Some(PovertyCause::Illness),
            other_causes: vec![PovertyCause::LackOfCapital],
            basic_info_updated_year: Some(2018),
            visited_on: Date::new(2018, 10, 12).ok(),
            ..BasicInfo::default()
        },
        production: ProductionConditions {
            arable_area: Some(Decimal2::from_hundredths(rng.range(100, 400))),
            production_electricity: Some(true),
            cooperative: Some(false),
            ..ProductionConditions::default()
        },
        living: LivingConditions {
            road_distance_km: Some(Decimal2::from_hundredths(rng.range(10, 200))),
            access_road: Some(AccessRoadType::Concrete),
            housing_area_m2: Some(Decimal2::from_int(rng.range(40, 90))),
            dilapidated: Some(false),
            domestic_electricity: Some(true),
            safe_drinking_water: Some(true),
            fuel: Some(FuelType::Firewood),
            sanitary_toilet: Some(false),
            ..LivingConditions::default()
        },
        income,
        no_worries: NoWorries::all_resolved(),
        ..Household::default()
    };
    (household, members)
}

#[allow(clippy::too_many_arguments)]
fn village_form(
    rng: &mut DemoRng,
    id: Uuid,
    name: &str,
    index: usize,
    people: u32,
    (poor_households, poor_people): (u32, u32),
    naturals: u32,
    exits_2018: bool,
) -> Village {
    let population = people + 800 + rng.below(1_500) as u32;
    Village {
        id,
        basic: VillageBasic {
            code: Some(format!("41142110{:04}", index + 1)),
            name: Some(name.to_owned()),
            division_code: Some(format!("41142110{:04}", index + 1)),
            attribute: Some(if exits_2018 {
                VillageAttribute::Exited
            } else {
                VillageAttribute::Poor
            }),
            deep_poverty: Some(rng.chance(10)),
            exit_year: exits_2018.then_some(2018),
            development_direction: Some(*rng.pick(&[
                DevelopmentDirection::Crops,
                DevelopmentDirection::Livestock,
                DevelopmentDirection::Labour,
            ])),
            terrain: Some(Terrain::Plain),
            head_name: Some(format!(
                "{}{}{}",
                rng.pick(SURNAMES),
                rng.pick(GIVEN),
                rng.pick(GIVEN)
            )),
            head_post: Some(VillageCadrePost::PartySecretary),
            head_phone: Some(format!("13{:09}", rng.below(1_000_000_000))),
            party_members: Some(15 + rng.below(30) as u32),
            college_graduate_officials: Some(rng.below(2) as u32),
            longitude: None,
            latitude: None,
        },
        population: VillagePopulation {
            households: Some(population / 3),
            natural_villages: Some(naturals),
            poor_households: Some(poor_households),
            poor_population: Some(poor_people),
            population: Some(population),
            agricultural_population: Some(population - rng.below(100) as u32),
            women: Some(population / 2),
            labour_force: Some(population * 3 / 5),
            migrant_workers: Some(population / 4),
            ..VillagePopulation::default()
        },
        land: VillageLand {
            arable_mu: Some(Decimal2::from_hundredths(rng.range(200_000, 600_000))),
            irrigated_mu: Some(Decimal2::from_hundredths(rng.range(100_000, 200_000))),
            ..VillageLand::default()
        },
        income: VillageIncome {
            per_capita_net_income: Some(Money::from_yuan(rng.range(6_000, 11_000))),
            collective_income: Some(Money::from_fen(rng.range(2_000_000, 20_000_000))),
        },
        roads: VillageRoads {
            paved_to_township: Some(true),
            bus_service: Some(rng.chance(60)),
            ..VillageRoads::default()
        },
        health: VillageHealth {
            clinics: Some(1),
            doctors: Some(1 + rng.below(3) as u32),
            ..VillageHealth::default()
        },
        exit_items: if exits_2018 {
            VillageExitItems {
                hardened_road: Some(true),
                safe_water: Some(true),
                electricity: Some(true),
                broadcast_tv: Some(true),
                cultural_centre: Some(true),
                standard_clinic: Some(true),
                qualified_doctor: Some(true),
                broadband: Some(true),
            }
        } else {
            VillageExitItems::default()
        },
        ..Village::default()
    }
}

fn village_exit_measures(rng: &mut DemoRng, village: Uuid) -> VillageExitMeasures {
    let kinds = [
        VillageMeasureKind::RoadHardening,
        VillageMeasureKind::SafeWater,
        VillageMeasureKind::PowerGrid,
        VillageMeasureKind::StandardClinic,
        VillageMeasureKind::CulturalCentre,
        VillageMeasureKind::PhotovoltaicStation,
    ];
    VillageExitMeasures {
        id: rng.uuid(),
        village_id: village,
        measures: kinds
            .iter()
            .take(3 + rng.below(4) as usize)
            .map(|kind| VillageMeasure {
                kind: *kind,
                met: Some(true),
                project: Some(format!("{}项目", kind.zh())),
                first_year: Some(2016 + rng.below(3) as i32),
                investment: Some(Money::from_yuan(rng.range(100_000, 2_000_000))),
                funding_source: Some("财政专项扶贫资金".to_owned()),
                implementing_unit: Some("乡政府".to_owned()),
                completed_on: Date::new(2018, 1 + rng.below(9) as u32, 1 + rng.below(28) as u32)
                    .ok(),
            })
            .collect(),
        note: None,
    }
}
