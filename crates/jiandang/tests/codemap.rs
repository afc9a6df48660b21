//! ARCHITECTURE.md's codemap names every source file (issue 12 item 7: "true to the tree,
//! file by file"): each Rust or TypeScript file under a codemap row's folder is named in that
//! row, as `name.rs` or `dir/name.rs`. Entry points (`lib.rs`, `main.rs`, `mod.rs`,
//! `build.rs`) and generated or vendored folders are not asked for.

use std::path::{Path, PathBuf};

/// Folders that hold no hand-written source of ours.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "dist",
    "dist-dashboard",
    "gen",
    "golden",
    "data",
    "photos",
    "seeds",
    "corpus",
    "artifacts",
    "fuzz_targets",
    "support",
];
const ENTRY_POINTS: &[&str] = &["lib.rs", "main.rs", "mod.rs", "build.rs"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                sources(&path, out);
            }
        } else if (name.ends_with(".rs") || name.ends_with(".ts"))
            && !name.ends_with(".d.ts")
            && !ENTRY_POINTS.contains(&name.as_str())
        {
            out.push(path);
        }
    }
}

/// The codemap's rows: the folder in the first cell, the whole line as what it says.
fn rows(architecture: &str) -> Vec<(String, String)> {
    architecture
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("| `")?;
            let folder = rest.split('`').next()?;
            Some((folder.to_owned(), line.to_owned()))
        })
        .collect()
}

#[test]
fn the_codemap_names_every_source_file() {
    let root = root();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md reads");
    let rows = rows(&architecture);
    assert!(
        rows.iter().any(|(f, _)| f == "crates/jiandang-domain"),
        "the codemap's rows were not found: {:?}",
        rows.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    let mut missing = Vec::new();
    for (folder, row) in &rows {
        let dir = root.join(folder);
        if !dir.is_dir() || folder == "docs" || folder == "scripts" || folder == "examples" {
            continue;
        }
        let mut files = Vec::new();
        sources(&dir, &mut files);
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let named = row.contains(&format!("`{name}`")) || row.contains(&format!("/{name}`"));
            if !named {
                missing.push(
                    file.strip_prefix(&root)
                        .unwrap_or(&file)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's codemap does not name these files (add each to its folder's row): {missing:#?}"
    );
}
