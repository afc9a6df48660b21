//! The server's modules depend on each other one way (ARCHITECTURE.md, "no module cycles"):
//! handlers over the apply path over the storage, never back.

#[path = "../../jiandang-domain/tests/support/module_graph.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_server_s_modules_have_no_cycles() {
    let graph = module_graph::graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &[]);
    assert!(
        graph.get("apply").is_some_and(|e| e.contains("storage")),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_storage_module_names_the_record_tables() {
    // Issue 16 reworks how records, their fields and the change log are kept: behind
    // `storage`, without touching a handler.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for path in module_graph::sources(&src) {
        let name = path
            .strip_prefix(&src)
            .ok()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        if name == "storage.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for table in ["records", "fields", "change_log"] {
                for sql in ["FROM", "INTO", "UPDATE", "JOIN"] {
                    if code.contains(&format!("{sql} {table} "))
                        || code.contains(&format!("{sql} {table}\""))
                        || code.ends_with(&format!("{sql} {table}"))
                    {
                        found.push(format!("{name}:{}: {code}", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL on the record tables outside storage.rs:\n{}",
        found.join("\n")
    );
}
