//! "Visited this year" (入户核实, C1): a household counts as visited when its 入户核实日期
//! falls on or after the first day of the year's field work (2018-10-01 for Shangqiu 2018).

use jiandang_domain::household::Household;
use jiandang_domain::policy::YearPolicy;
use serde_json::json;

#[test]
fn a_visit_counts_from_the_first_day_of_field_work() {
    let policy = YearPolicy::shangqiu_2018();
    let cases = [
        (json!({}), false),
        (json!({"basic": {"visited_on": null}}), false),
        (json!({"basic": {"visited_on": "2017-11-20"}}), false),
        (json!({"basic": {"visited_on": "2018-09-30"}}), false),
        (json!({"basic": {"visited_on": "2018-10-01"}}), true),
        (json!({"basic": {"visited_on": "2018-12-15"}}), true),
        // A demo county runs the 2018 timeline on today's calendar.
        (json!({"basic": {"visited_on": "2026-12-02"}}), true),
        // The C9 marker is a different answer: it is not a visit.
        (json!({"basic": {"basic_info_updated_year": 2018}}), false),
    ];
    for (doc, want) in cases {
        let h: Household = serde_json::from_value(doc.clone()).expect("household");
        assert_eq!(h.visited_this_year(&policy), want, "{doc}");
    }
}
