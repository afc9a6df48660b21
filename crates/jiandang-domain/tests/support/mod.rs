//! A small county for the county-wide checks' tests: villages with their 贫困村 forms and
//! positions, households made from the ready example (examples/household-ok.json) as plain
//! registered poor households that every rule accepts, each with fresh ids and valid ID
//! numbers of its own, and the help unit and helper they pair with.

#![allow(dead_code)]

use jiandang_domain::Timestamp;
use jiandang_domain::county::{self, CountyFacts, Run};
use jiandang_domain::id_number::check_char;
use jiandang_domain::judge::Context;
use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::record::{RecordKind, StoredRecord};
use serde_json::{Value, json};
use uuid::Uuid;

const OK: &str = include_str!("../../../../examples/household-ok.json");
const VILLAGE: &str = include_str!("../../../../examples/village-exit.json");

pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0192f3a0_5b1c_7a00_8000_000000000000 | n)
}

pub const HELPER: u128 = 0xc8;
pub const UNIT: u128 = 0xa1;

/// The analysis phase: the county runs its checks (2018-12-05, Beijing).
pub fn now() -> Timestamp {
    Timestamp::parse("2018-12-05T10:00:00+08:00").unwrap()
}

pub fn policy() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

/// A valid 18-character ID number of region `region`, born `birth` (YYYYMMDD), sequence `seq`.
pub fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{:03}", seq % 1000);
    let c = check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// A county under construction.
pub struct County {
    pub records: Vec<StoredRecord>,
    next: u128,
    person: u32,
    villages: u32,
}

impl County {
    pub fn new() -> County {
        County {
            records: Vec::new(),
            next: 0x1000,
            person: 100,
            villages: 0,
        }
    }

    pub fn fresh(&mut self) -> Uuid {
        self.next += 1;
        uuid(self.next)
    }

    /// A poor village (not exited) with its form, its division code and a centre; the first
    /// one also holds the county's help unit and helper.
    pub fn village(&mut self, division: &str) -> Uuid {
        let id = self.fresh();
        let file: Value = serde_json::from_str(VILLAGE).unwrap();
        let mut form = file["village"].clone();
        form["id"] = json!(id);
        form["basic"]["division_code"] = json!(division);
        form["basic"]["code"] = json!(&division[..10]);
        form["basic"]["longitude"] = json!(115.15 + f64::from(self.villages) * 0.2);
        form["basic"]["latitude"] = json!(34.65);
        form["population"]["natural_villages"] = Value::Null;
        form["help"]["help_unit_ids"] = json!([uuid(UNIT)]);
        // Three poor households of four in 400 people: 3 %, above the exit line.
        form["population"]["agricultural_population"] = json!(400);
        self.records.push(StoredRecord {
            kind: RecordKind::Village,
            id,
            village_id: id,
            doc: form,
        });
        if self.villages == 0 {
            let mut unit = file["help_units"][0].clone();
            unit["id"] = json!(uuid(UNIT));
            self.records.push(StoredRecord {
                kind: RecordKind::HelpUnit,
                id: uuid(UNIT),
                village_id: id,
                doc: unit,
            });
            self.records.push(StoredRecord {
                kind: RecordKind::Helper,
                id: uuid(HELPER),
                village_id: id,
                doc: json!({"id": uuid(HELPER), "help_unit_id": uuid(UNIT), "name": "王某",
                    "sex": "1", "id_number": id_number("411421", "19750102", 901),
                    "birth_date": "1975-01-02", "political_status": "01", "education": "3",
                    "post": "科员", "post_rank": "06", "phone": "13800000009"}),
            });
        }
        self.villages += 1;
        // A household exited in each of the two years before (W3 asks for them).
        for year in [2016, 2017] {
            self.exited(id, year, |_| {});
        }
        id
    }

    /// A household of `village` that exited in `year` and still meets the standard.
    pub fn exited(&mut self, village: Uuid, year: i32, edit: impl FnOnce(&mut Value)) -> Uuid {
        self.household(village, |f| {
            let b = &mut f["household"]["basic"];
            b["status"] = json!("1");
            b["attribute"] = json!("05");
            b["exit_year"] = json!(year);
            b["planned_exit_year"] = json!(year);
            above_line(f);
            edit(f);
        })
    }

    /// The centre of a village's form.
    pub fn centre(&self, village: Uuid) -> (f64, f64) {
        let v = self.record(village);
        (
            v.doc["basic"]["longitude"].as_f64().unwrap(),
            v.doc["basic"]["latitude"].as_f64().unwrap(),
        )
    }

    /// A registered poor household (未脱贫) of `village`, clean, after `edit` of its file form
    /// (`household`, `members`, `visits`, `gps_fixes`, …). Returns its id.
    pub fn household(&mut self, village: Uuid, edit: impl FnOnce(&mut Value)) -> Uuid {
        let mut file: Value = serde_json::from_str(OK).unwrap();
        let hid = self.fresh();
        let (x, y) = self.centre(village);
        let h = &mut file["household"];
        h["id"] = json!(hid);
        h["village_id"] = json!(village);
        h["natural_village_id"] = Value::Null;
        h["basic"]["status"] = json!("0");
        h["basic"]["planned_exit_year"] = json!(2019);
        h["basic"]["visited_on"] = json!("2018-10-15");
        file["exit_procedures"] = json!([]);
        file["exit_measures"] = Value::Null;
        file["photos"] = json!([]);
        file["requested_action"] = Value::Null;
        below_line(&mut file);
        let members = file["members"].as_array_mut().unwrap();
        for m in members.iter_mut() {
            let id = self.next + 1;
            self.next = id;
            m["id"] = json!(uuid(id));
            m["household_id"] = json!(hid);
            let birth = m["birth_date"].as_str().unwrap().replace('-', "");
            self.person += 1;
            m["id_number"] = json!(id_number("411421", &birth, self.person));
        }
        for key in ["visits", "gps_fixes"] {
            for r in file[key].as_array_mut().unwrap() {
                let id = self.next + 1;
                self.next = id;
                r["id"] = json!(uuid(id));
                r["village_id"] = json!(village);
                r["household_id"] = json!(hid);
            }
        }
        if let Some(visits) = file["visits"].as_array_mut() {
            for v in visits {
                v.as_object_mut().unwrap().remove("household_id");
                v["household_id"] = json!(hid);
            }
        }
        for fix in file["gps_fixes"].as_array_mut().unwrap() {
            fix.as_object_mut().unwrap().remove("village_id");
            fix.as_object_mut().unwrap().remove("household_id");
            fix["subject_id"] = json!(hid);
            fix["point"] = json!({"x": x + 0.001, "y": y + 0.001});
        }
        edit(&mut file);
        let records = household_file_records(&file.to_string())
            .expect("the household file reads")
            .records;
        self.records.extend(records);
        hid
    }

    pub fn record(&self, id: Uuid) -> &StoredRecord {
        self.records.iter().find(|r| r.id == id).expect("a record")
    }

    pub fn record_mut(&mut self, id: Uuid) -> &mut StoredRecord {
        self.records
            .iter_mut()
            .find(|r| r.id == id)
            .expect("a record")
    }

    /// The household's members' record ids, in the file's order.
    pub fn members(&self, household: Uuid) -> Vec<Uuid> {
        self.records
            .iter()
            .filter(|r| {
                r.kind == RecordKind::Member
                    && r.doc["household_id"].as_str() == Some(&household.to_string())
            })
            .map(|r| r.id)
            .collect()
    }
}

/// The example's income with a wage of 6,000: 3,125 yuan per person, under the 3,400 line.
pub fn below_line(file: &mut Value) {
    set_income(file, "6000.00", "14000.00", "12500.00", "3125.00");
}

/// The example's income: 4,625 yuan per person, over the line.
pub fn above_line(file: &mut Value) {
    set_income(file, "12000.00", "20000.00", "18500.00", "4625.00");
}

/// The wage and the totals that follow from it (4 members, the example's other items).
pub fn set_income(file: &mut Value, wage: &str, gross: &str, net: &str, per_capita: &str) {
    let i = &mut file["household"]["income"];
    i["wage"] = json!(wage);
    i["gross"] = json!(gross);
    i["net"] = json!(net);
    i["net_per_capita"] = json!(per_capita);
}

/// Counts up from `start`: the ids of the problems a run raises.
pub fn ids(start: u128) -> impl FnMut() -> Uuid {
    let mut n = start;
    move || {
        n += 1;
        uuid(n)
    }
}

/// A full run over the records, by the Shangqiu 2018 policy, on 2018-12-05.
pub fn run(records: &[StoredRecord], facts: &CountyFacts) -> Run {
    let policy = policy();
    let ctx = Context::new(&policy, now());
    county::check_all(records, facts, &ctx, &mut ids(0x9_0000))
}
