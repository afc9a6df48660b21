//! The server's modules depend on each other one way (ARCHITECTURE.md, "no module cycles"):
//! handlers over the apply path over the storage, never back. The graph is read from the
//! source: every `crate::name` path (and every name of a `crate::{…}` group) outside comments
//! is an edge from the file's top-level module to `name`; the crate root, which names every
//! module, is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The lowercase module names a `crate::` path starting at `rest` names.
fn names(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    if let Some(group) = rest.strip_prefix('{') {
        let group = group.split('}').next().unwrap_or("");
        group
            .split(',')
            .map(ident)
            .filter(|n| !n.is_empty() && n != "self")
            .collect()
    } else {
        vec![ident(rest)]
    }
}

/// The source files of a module: the file, or every `.rs` file under the folder.
fn sources(path: &Path) -> Vec<std::path::PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .expect("a module folder is readable")
        .map(|e| e.expect("entry").path())
        .flat_map(|p| sources(&p))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// Top-level module → the top-level modules its code names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .expect("src is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name")
            .to_owned();
        // A module is a file, or a folder (`spotchecks/`) whose files are all of it.
        assert!(
            name.ends_with(".rs") || file.is_dir(),
            "{name}: neither a module file nor a module folder"
        );
        let module = name.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text: String = sources(&file)
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("readable source"))
            .collect::<Vec<_>>()
            .join("\n");
        // A statement may span lines (`use crate::{a,\n b}`): read the code as one line.
        let code: String = text
            .lines()
            .map(str::trim_start)
            .filter(|l| !l.starts_with("//"))
            .map(|l| l.split(" //").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join(" ");
        let edges = graph.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            for n in names(&code[i + "crate::".len()..]) {
                if !n.is_empty() && n != module {
                    edges.insert(n);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let here = path.last().cloned().unwrap_or_else(|| start.to_owned());
    for next in graph.get(&here).into_iter().flatten() {
        if next == start {
            let mut c = path.clone();
            c.insert(0, start.to_owned());
            c.push(start.to_owned());
            return Some(c);
        }
        if path.contains(next) || next.as_str() < start {
            continue;
        }
        path.push(next.clone());
        if let Some(c) = cycle_from(graph, start, path) {
            return Some(c);
        }
        path.pop();
    }
    None
}

#[test]
fn the_server_s_modules_have_no_cycles() {
    let graph = graph();
    assert!(
        graph.get("apply").is_some_and(|e| e.contains("storage")),
        "the graph was read: {graph:?}"
    );
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m, &mut Vec::new()))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_storage_module_names_the_record_tables() {
    // Issue 16 reworks how records, their fields and the change log are kept: behind
    // `storage`, without touching a handler.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for path in sources(&src) {
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
