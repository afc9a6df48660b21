//! The example household files in `examples/` stay valid and give the findings a county
//! reviewer expects (W1, W2, C9): the ready household passes the exit gate, the one with an
//! unresolved 住房安全 item is refused with an error naming the item.

use jiandang_domain::judge::{Context, file::check_file};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, Timestamp};

const OK: &str = include_str!("../../../examples/household-ok.json");
const REFUSED: &str = include_str!("../../../examples/household-exit-refused.json");

fn findings(text: &str) -> Vec<Finding> {
    let policy = YearPolicy::shangqiu_2018();
    let now = Timestamp::parse("2019-01-01T00:00:00+08:00").unwrap();
    match check_file(text, &Context::new(&policy, now)) {
        Ok(f) => f,
        Err(e) => panic!("example does not read: {e}"),
    }
}

#[test]
fn ready_household_has_no_findings_w1() {
    let f = findings(OK);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn unresolved_housing_refuses_exit_naming_the_item_w2() {
    let f = findings(REFUSED);
    let errors: Vec<&Finding> = f.iter().filter(|f| f.is_error()).collect();
    assert_eq!(errors.len(), 1, "{f:#?}");
    assert_eq!(errors[0].code, "exit.no_worries_unresolved");
    assert!(
        errors[0].message.starts_with("住房安全有保障未解决"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].requirement.as_deref(), Some("W2"));
}
