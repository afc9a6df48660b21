//! The module graph of a crate, read from its source, for the "no module cycles" tests of
//! the domain, the replica and the server (ARCHITECTURE.md): every `crate::name` path, and
//! every name of a `crate::{…}` group, outside comments is an edge from the file's top-level
//! module to `name`. The crate root (`lib.rs`), which names every module, is left out. Each
//! crate's `tests/modules.rs` includes this file by path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub type Graph = BTreeMap<String, BTreeSet<String>>;

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

/// Every `.rs` file under `path` (or the file itself), in order.
pub fn sources(path: &Path) -> Vec<PathBuf> {
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

/// Top-level module → the top-level modules its code names. `aliases` maps a name exported
/// at the crate root to the module it lives in (a `#[macro_export]` macro).
pub fn graph(src: &Path, aliases: &[(&str, &str)]) -> Graph {
    let mut graph = Graph::new();
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .expect("src is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name")
            .to_owned();
        // A module is a file, or a folder (`spotchecks/`) whose files are all of it.
        assert!(
            name.ends_with(".rs") || entry.is_dir(),
            "{name}: neither a module file nor a module folder"
        );
        let module = name.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text: String = sources(&entry)
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
                let n = aliases
                    .iter()
                    .find(|(from, _)| *from == n)
                    .map_or(n.clone(), |(_, to)| (*to).to_owned());
                if !n.is_empty() && n != module {
                    edges.insert(n);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &Graph, start: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
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

/// Every cycle of the graph, one per module it starts from, as `a → b → a`.
pub fn cycles(graph: &Graph) -> Vec<String> {
    graph
        .keys()
        .filter_map(|m| cycle_from(graph, m, &mut Vec::new()))
        .map(|c| c.join(" → "))
        .collect()
}
