//! `jiandang check` as a county reviewer runs it: real files in, JSON lines and an exit
//! status out.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

struct Run {
    status: i32,
    lines: Vec<serde_json::Value>,
    stderr: String,
}

fn run(files: &[PathBuf]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_jiandang"))
        .arg("check")
        .args(files)
        .output()
        .expect("the jiandang binary runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    Run {
        status: out.status.code().expect("exited"),
        lines: stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is one JSON object"))
            .collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jiandang-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

/// W2: a household asked to exit with 住房安全 unresolved gets an error naming the item.
#[test]
fn exit_with_unresolved_item_is_an_error_naming_it() {
    let r = run(&[example("household-exit-refused.json")]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let refusal = r
        .lines
        .iter()
        .find(|l| l["code"] == "exit.no_worries_unresolved")
        .expect("the exit gate's refusal is printed");
    assert_eq!(refusal["severity"], "error");
    assert_eq!(refusal["requirement"], "W2");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap_or("")
            .contains("住房安全"),
        "{refusal}"
    );
    assert!(
        refusal["file"]
            .as_str()
            .unwrap_or("")
            .ends_with("household-exit-refused.json")
    );
}

/// W1: a household that meets the standard passes with exit status 0.
#[test]
fn household_meeting_the_standard_passes() {
    let r = run(&[example("household-ok.json")]);
    assert_eq!(r.status, 0, "{:?} {}", r.lines, r.stderr);
    assert!(
        r.lines.iter().all(|l| l["severity"] != "error"),
        "{:?}",
        r.lines
    );
}

/// C3: a village file is read as a village and judged by the village rules.
#[test]
fn village_file_meeting_the_exit_standard_passes() {
    let r = run(&[example("village-exit.json")]);
    assert_eq!(r.status, 0, "{:?} {}", r.lines, r.stderr);
    let mut broken: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("village-exit.json")).expect("example"),
    )
    .expect("example is JSON");
    broken["village"]["population"]["poor_households"] = 5000.into();
    let r = run(&[temp_file("village-too-many-poor.json", &broken.to_string())]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let finding = r
        .lines
        .iter()
        .find(|l| l["code"] == "village.exceeds_households")
        .expect("more poor households than households is an error");
    assert_eq!(finding["path"], "village.population.poor_households");
    assert_eq!(finding["requirement"], "C3");
}

/// Input that is not the documented shape: exit 2, a message naming the file and the JSON
/// path, other files still checked.
#[test]
fn unreadable_input_names_file_and_path() {
    let mut ok: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("household-ok.json")).expect("example"),
    )
    .expect("example is JSON");
    ok["members"] = "not a list".into();
    let cases: [(&str, String, &str); 3] = [
        ("not-a-list.json", ok.to_string(), "members：应为数组"),
        ("truncated.json", "{\"household\": ".into(), "JSON格式错误"),
        (
            "no-household.json",
            "{\"members\": []}".into(),
            "缺少贫困户记录",
        ),
    ];
    for (name, text, expected) in cases {
        let path = temp_file(name, &text);
        let r = run(&[path, example("household-exit-refused.json")]);
        assert_eq!(r.status, 2, "{name}");
        assert!(
            r.stderr.contains(name) && r.stderr.contains(expected),
            "{name}: {}",
            r.stderr
        );
        assert!(
            r.lines
                .iter()
                .any(|l| l["code"] == "exit.no_worries_unresolved"),
            "{name}: the readable file is still checked"
        );
    }
    let r = run(&[PathBuf::from("/nonexistent/household.json")]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("/nonexistent/household.json"));
}

/// A value that does not fit its record is an error finding at its path (exit 1), and the
/// rest of the file is still judged: nothing in it is dropped silently (N1).
#[test]
fn a_value_that_does_not_fit_is_a_finding_at_its_path() {
    let mut ok: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("household-ok.json")).expect("example"),
    )
    .expect("example is JSON");
    ok["members"][1]["birth_date"] = "2018-02-30".into();
    ok["members"][2]["ethnicity"] = serde_json::Value::Null;
    let r = run(&[temp_file("bad-date.json", &ok.to_string())]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let at = |code: &str, path: &str| {
        r.lines
            .iter()
            .any(|l| l["code"] == code && l["path"] == path && l["severity"] == "error")
    };
    assert!(
        at("records.invalid", "members[1].birth_date"),
        "{:?}",
        r.lines
    );
    assert!(
        at("member.ethnicity_missing", "members[2].ethnicity"),
        "{:?}",
        r.lines
    );
}
