//! The quick suite as CI runs it: every scenario end to end on loopback, asserting correctness
//! only (never speed) — above all the load test's check that the server holds exactly every
//! change every device made.

use jiandang_bench::{Options, run};

fn check(report: &jiandang_bench::Report, scenario: &str, min_figures: usize) {
    let n = report
        .figures
        .iter()
        .filter(|f| f.scenario == scenario)
        .count();
    assert!(
        n >= min_figures,
        "{scenario}: {n} figures, want ≥ {min_figures}"
    );
    for f in report.figures.iter().filter(|f| f.scenario == scenario) {
        assert!(
            f.value.is_finite() && f.baseline.is_finite(),
            "{scenario}: {} not a number",
            f.name
        );
    }
}

#[test]
fn quick_suite_is_correct() {
    let report = match run(&Options::quick(), &|line| eprintln!("{line}")) {
        Ok(r) => r,
        Err(e) => panic!("bench failed: {e}"),
    };
    eprintln!("{}", report.markdown());
    for c in &report.checks {
        assert!(c.passed, "{}: {}", c.name, c.detail);
    }
    assert!(report.load.check_passed, "load check: {:?}", report.load);
    assert_eq!(report.load.lost, 0);
    assert_eq!(report.load.extra, 0);
    assert_eq!(report.load.devices, Options::quick().devices);
    assert!(report.ok());
    for (scenario, min) in [
        ("snapshot", 4),
        ("ingest", 4),
        ("pull", 2),
        ("device", 6),
        ("photo", 5),
        ("load", 5),
        ("export", 3),
    ] {
        check(&report, scenario, min);
    }
    let json = serde_json::to_value(&report).expect("report is JSON");
    assert!(json["figures"].as_array().is_some_and(|a| !a.is_empty()));
}
