//! Group commit and reader connections of `jiandang_server::Db`, on a real SQLite file: many
//! jobs at once share transactions, each answered only after its group committed; a job that
//! fails leaves nothing behind and does not take its group down; readers see what committed.

use std::sync::Arc;

use jiandang_server::{AppError, Db, db};
use tokio::sync::Barrier;

const JOBS: usize = 200;

fn numbered_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    let conn = db::open(&path).expect("open");
    conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        .expect("table");
    let db = Db::with_readers(conn, &path);
    (dir, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_jobs_share_few_commits_and_a_failing_job_leaves_nothing() {
    let (_dir, db) = numbered_db();
    let barrier = Arc::new(Barrier::new(JOBS));
    let mut tasks = Vec::new();
    for n in 0..JOBS {
        let (db, barrier) = (db.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            db.call_grouped(move |conn| {
                conn.execute("INSERT INTO t (n) VALUES (?1)", [n as i64])?;
                // Long enough that the others queue up behind the group that runs.
                std::thread::sleep(std::time::Duration::from_millis(2));
                if n % 7 == 3 {
                    return Err(AppError::bad_request("this job fails after its write"));
                }
                Ok(n)
            })
            .await
        }));
    }
    let mut answered = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        let answer = task.await.expect("task");
        match answer {
            Ok(got) => {
                assert_eq!(got, n, "each job gets its own answer");
                answered.push(n as i64);
            }
            Err(e) => assert_eq!(
                (n % 7, e.message.as_str()),
                (3, "this job fails after its write")
            ),
        }
    }
    let stored: Vec<i64> = db
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT n FROM t ORDER BY n")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<i64>, _>>()?)
        })
        .await
        .expect("read");
    assert_eq!(
        stored, answered,
        "exactly the jobs that succeeded are stored"
    );
    let groups = db.groups_committed();
    assert!(
        groups < JOBS as u64 / 4,
        "{groups} commits for {JOBS} jobs: the jobs did not share transactions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_do_not_write_and_see_what_committed() {
    let (_dir, db) = numbered_db();
    db.call_grouped(|conn| Ok(conn.execute("INSERT INTO t (n) VALUES (1)", [])?))
        .await
        .expect("write");
    let seen: i64 = db
        .read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .await
        .expect("read");
    assert_eq!(seen, 1);
    let refused = db
        .read(|conn| Ok(conn.execute("INSERT INTO t (n) VALUES (2)", [])?))
        .await;
    assert!(refused.is_err(), "a reader connection must not write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    let conn = db::open(&path).expect("open");
    conn.execute_batch("CREATE TABLE b (n INTEGER PRIMARY KEY, bytes BLOB)")
        .expect("table");
    let db = Db::with_readers(conn, &path);
    let before = std::fs::metadata(&path).expect("db file").len();
    for n in 0..100 {
        db.call_grouped(move |conn| {
            Ok(conn.execute("INSERT INTO b (n, bytes) VALUES (?1, zeroblob(20000))", [n])?)
        })
        .await
        .expect("write");
    }
    // 2 MB went to the WAL, far below the writer's own checkpoint threshold: only the
    // background checkpoint moves it into the database file.
    tokio::time::sleep(db::CHECKPOINT_EVERY * 3).await;
    let after = std::fs::metadata(&path).expect("db file").len();
    assert!(
        after >= before + 2_000_000,
        "database file {before} -> {after} bytes: the WAL was not checkpointed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_statement_is_not_prepared_again_for_each_new_binding() {
    // The sign-in check's query (auth.rs): SQLite built with STAT4 marked it to be prepared
    // again on every new token bound to it, a third of a one-change push's sign-in time in
    // the bench (see db::stable_plans).
    let sql = "SELECT d.id, u.id, u.role FROM devices d JOIN users u ON u.id = d.user_id
               WHERE d.token_hash = ?1 AND d.revoked = 0 AND u.disabled = 0";
    let (_dir, db) = numbered_db();
    for (name, on_reader) in [("writer", false), ("reader", true)] {
        let job = move |conn: &mut rusqlite::Connection| {
            for n in 0..20 {
                let mut stmt = conn.prepare_cached(sql)?;
                let _: Vec<String> = stmt
                    .query_map([format!("token-{n}")], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
            }
            let stmt = conn.prepare_cached(sql)?;
            Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
        };
        let reprepares = if on_reader {
            db.read(job).await
        } else {
            db.call(job).await
        }
        .expect("query");
        assert_eq!(reprepares, 0, "the {name} prepared the statement again");
    }
}
