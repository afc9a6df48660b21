//! The replica's modules depend on each other one way (ARCHITECTURE.md, "no module cycles";
//! issue 12 item 7): the application API and the sync client over the store and the sync
//! decisions, never back, so each can be read, and moved, from its dependencies up.

#[path = "../../jiandang-domain/tests/support/module_graph.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_replica_s_modules_have_no_cycles() {
    let graph = module_graph::graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &[]);
    assert!(
        graph.get("app").is_some_and(|e| e.contains("store")),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
