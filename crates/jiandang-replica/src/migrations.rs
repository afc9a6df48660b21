//! The device schema's migrations: numbered folders in `migrations/device/`, embedded at build
//! time and applied in order by `PRAGMA user_version`. A migration that has landed is never
//! edited; add a new one.

use rusqlite::Connection;

/// Every migration, in order: (folder name, SQL).
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001-init",
        include_str!("../../../migrations/device/0001-init/up.sql"),
    ),
    (
        "0002-household-index",
        include_str!("../../../migrations/device/0002-household-index/up.sql"),
    ),
    (
        "0003-clock-skew",
        include_str!("../../../migrations/device/0003-clock-skew/up.sql"),
    ),
    (
        "0004-policy",
        include_str!("../../../migrations/device/0004-policy/up.sql"),
    ),
    (
        "0005-server-identity",
        include_str!("../../../migrations/device/0005-server-identity/up.sql"),
    ),
    (
        "0006-worklist",
        include_str!("../../../migrations/device/0006-worklist/up.sql"),
    ),
];

/// Brings the database to the latest schema, each step in its own transaction.
pub fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, (_, sql)) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_match_folders_and_apply_twice() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/device");
        let mut folders: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        let embedded: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(folders, embedded, "every folder embedded, in order");
        for (i, name) in embedded.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:04}-", i + 1)),
                "{name} numbered"
            );
        }
        let mut conn = Connection::open_in_memory().expect("open");
        apply(&mut conn).expect("first");
        apply(&mut conn).expect("second is a no-op");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, MIGRATIONS.len() as i64);
        conn.execute_batch("PRAGMA foreign_key_check; PRAGMA integrity_check;")
            .expect("checks");
        // The household list's lookups use the expression index.
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM records m
                 WHERE json_extract(m.doc, '$.household_id') = 'x'",
                [],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(plan.contains("records_household"), "{plan}");
    }
}
