//! The domain's modules depend on each other one way (ARCHITECTURE.md, "no module cycles"):
//! a module that needs another's helper does not also lend it one, so each can be read, and
//! moved, from its dependencies up.

#[path = "support/module_graph.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_domain_s_modules_have_no_cycles() {
    // `code_list!` is exported at the crate root but lives in `codes`.
    let graph = module_graph::graph(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[("code_list", "codes")],
    );
    assert!(
        graph.get("judge").is_some_and(|e| e.contains("bundle")),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
