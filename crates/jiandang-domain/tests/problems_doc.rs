//! docs/problems.md lists every county-wide check (code, requirement, severity, level, title,
//! what to verify) and which judgement findings fall under which national 疑点 category,
//! generated from `county::checks`; this test keeps the two the same. Run with
//! `JIANDANG_UPDATE_DOCS=1` to rewrite the generated part after the catalogue changes.

use std::fmt::Write;
use std::path::Path;

use jiandang_domain::county::checks::{ALL, BY_HAND, NATIONAL};
use jiandang_domain::finding::Severity;

const BEGIN: &str = "<!-- checks:begin (generated from county::checks; see crates/jiandang-domain/tests/problems_doc.rs) -->";
const END: &str = "<!-- checks:end -->";

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error (须整改)",
        Severity::Warning => "warning (须核实)",
    }
}

fn generated() -> String {
    let mut out = String::new();
    out.push_str("| code | requirement | severity | level | 问题类别 | 核实要点 |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for d in ALL.iter().chain(std::iter::once(&BY_HAND)) {
        let level = serde_json::to_value(d.level).expect("a level serialises");
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            d.code,
            d.requirement,
            severity(d.severity),
            level.as_str().unwrap_or_default(),
            d.title_zh,
            d.verify_zh
        );
    }
    out.push_str(
        "\nThe judgement's findings each check takes (a code ending in `.` is a prefix):\n\n",
    );
    out.push_str("| check | finding codes |\n| --- | --- |\n");
    for (d, codes) in NATIONAL {
        let codes: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        let _ = writeln!(out, "| `{}` | {} |", d.code, codes.join(" · "));
    }
    out
}

#[test]
fn problems_doc_lists_every_check_of_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/problems.md");
    let doc = std::fs::read_to_string(&path).expect("docs/problems.md exists");
    let (head, rest) = doc
        .split_once(BEGIN)
        .expect("docs/problems.md has the checks:begin marker");
    let (current, tail) = rest
        .split_once(END)
        .expect("docs/problems.md has the checks:end marker");
    let want = format!("\n{}", generated());
    if std::env::var_os("JIANDANG_UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{head}{BEGIN}{want}{END}{tail}"))
            .expect("docs/problems.md is writable");
        return;
    }
    assert_eq!(
        current, want,
        "docs/problems.md's check table differs from county::checks; rerun with JIANDANG_UPDATE_DOCS=1"
    );
}
