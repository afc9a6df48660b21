//! The domain crate stays pure (DESIGN.md, STYLE.md "Boundaries"): no IO, clock, randomness,
//! database or HTTP crates among its dependencies, and no file, network, clock, environment
//! or process access in its source. Time, ids and randomness come in as arguments.
//!
//! One exception, for the spot-check draw (EVALUATION.md §3.3): `rand` and `rand_chacha`, a
//! seeded generator whose seed is an argument, so a draw is reproducible from its seed. They
//! come without OS entropy (the workspace turns their default features off) and the source
//! may not reach for any (`thread_rng`, `OsRng`, `from_os_rng` …).

use std::path::Path;

/// Crates that do IO, read a clock, make random numbers or talk to a database or network.
const FORBIDDEN_CRATES: &[&str] = &[
    "rusqlite",
    "sqlx",
    "diesel",
    "postgres",
    "tokio-postgres",
    "reqwest",
    "hyper",
    "ureq",
    "axum",
    "tower",
    "tower-http",
    "tokio",
    "async-std",
    "tauri",
    "getrandom",
    "fastrand",
    "chrono",
    "time",
    "tracing-subscriber",
    "env_logger",
    "notify",
    "tempfile",
    "image",
    "flate2",
];

/// Source text that reaches outside: files, network, clocks, environment, processes,
/// randomness, or fresh ids (v4/v7 ids come in from the caller).
const FORBIDDEN_SOURCE: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "std::time::SystemTime",
    "SystemTime::now",
    "Instant::now",
    "std::thread",
    "Uuid::new_v4",
    "Uuid::now_v7",
    "println!",
    "eprintln!",
    "thread_rng",
    "rand::rng(",
    "OsRng",
    "SysRng",
    "ThreadRng",
    "from_os_rng",
    "from_entropy",
    "getrandom",
];

/// The randomness crates the domain may use, seeded only, and what they are for.
const SEEDED_ONLY: &[&str] = &["rand", "rand_chacha"];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The dependency names of a `[section]` of a Cargo manifest, read line by line (the domain
/// crate must not depend on a TOML parser just for this test).
fn dependencies(manifest: &str, section: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let name = key.trim().split('.').next().unwrap_or("").trim_matches('"');
            names.push(name.to_owned());
        }
    }
    names
}

#[test]
fn no_io_crates_in_the_manifest() {
    let manifest = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let deps = dependencies(&manifest, "dependencies");
    assert!(deps.contains(&"serde".to_owned()), "parsed: {deps:?}");
    for dep in &deps {
        assert!(
            !FORBIDDEN_CRATES.contains(&dep.as_str()),
            "jiandang-domain must stay pure, but depends on {dep}"
        );
        assert!(
            !dep.starts_with("jiandang-") || dep == "jiandang-domain",
            "the domain depends on no other workspace crate: {dep}"
        );
    }
    for seeded in SEEDED_ONLY {
        assert!(
            deps.contains(&(*seeded).to_owned()),
            "{seeded} is allowed for the seeded draw only; drop it from SEEDED_ONLY if unused"
        );
    }
    // The workspace declares them without default features: no OS entropy is compiled in
    // for the domain's sake.
    let root = std::fs::read_to_string(manifest_dir().join("../../Cargo.toml")).unwrap();
    for seeded in SEEDED_ONLY {
        let line = root
            .lines()
            .find(|l| l.starts_with(&format!("{seeded} = ")))
            .unwrap_or_else(|| panic!("{seeded} in [workspace.dependencies]"));
        assert!(
            line.contains("default-features = false"),
            "{seeded} must come without default features (OS entropy): {line}"
        );
    }
    assert!(
        dependencies(&manifest, "build-dependencies").is_empty(),
        "no build script dependencies"
    );
    assert!(!manifest_dir().join("build.rs").exists(), "no build script");
}

#[test]
fn no_io_in_the_source() {
    let mut offenders = Vec::new();
    let mut stack = vec![manifest_dir().join("src")];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    for bad in FORBIDDEN_SOURCE {
                        if code.contains(bad) {
                            offenders.push(format!("{}:{}: {bad}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(files > 10, "walked the source tree ({files} files)");
    assert!(
        offenders.is_empty(),
        "IO in the pure crate:\n{}",
        offenders.join("\n")
    );
}
