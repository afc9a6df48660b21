//! `jiandang backup` and `jiandang restore`: a county backup taken while the server serves,
//! and putting one back (see docs/operations.md for the drill).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use jiandang_server::backup::{self, BackupReport};
use jiandang_server::{Clock, SystemClock};

/// Arguments of `jiandang backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The server's SQLite file (it may be serving meanwhile).
    #[arg(long)]
    db: PathBuf,
    /// The backup file to write (must not exist yet).
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `jiandang restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file to put back (it is copied, and stays as it is).
    #[arg(long)]
    backup: PathBuf,
    /// The server's SQLite file to replace (kept aside as `<db>.before-restore-<time>`).
    #[arg(long)]
    db: PathBuf,
}

pub fn run_backup(args: &BackupArgs) -> ExitCode {
    match backup::backup(&args.db, &args.out, SystemClock.now_ms()) {
        Ok(report) => {
            println!("{}", describe(&report));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jiandang backup: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn run_restore(args: &RestoreArgs) -> ExitCode {
    match backup::restore(&args.backup, &args.db, SystemClock.now_ms()) {
        Ok(report) => {
            println!(
                "已恢复：{} → {}（变更序号至 {}，服务器标识 {}）",
                args.backup.display(),
                args.db.display(),
                report.max_seq,
                report.server_id
            );
            if let Some(aside) = &report.kept_aside {
                println!("原数据库保留在：{}", aside.display());
            }
            println!("设备下次同步时会重新上传备份之后提交的修改。");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jiandang restore: {e}");
            ExitCode::FAILURE
        }
    }
}

fn describe(report: &BackupReport) -> String {
    format!(
        "已备份：{}（{} 字节，变更序号至 {}，已通过完整性校验）",
        report.path.display(),
        report.bytes,
        report.max_seq
    )
}

/// `serve`'s scheduled backups: where, how often, how many kept.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// Parses a duration such as `90s`, `30m`, `6h` or `1d`.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{text}: expected a number and a unit, e.g. 6h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{text}: the unit is one of s, m, h, d")),
    };
    if secs == 0 {
        return Err(format!("{text}: must be more than zero"));
    }
    Ok(Duration::from_secs(secs))
}

/// The name of a scheduled backup of `db` taken at `now_ms`: `<db file name>-<UTC time>.bak`.
fn scheduled_name(db: &Path, now_ms: i64) -> String {
    format!("{}-{}.bak", file_name(db), backup::utc_stamp(now_ms))
}

fn file_name(db: &Path) -> String {
    db.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "county.db".to_owned())
}

/// Takes one scheduled backup into `schedule.dir`, then removes the oldest scheduled backups
/// of this database beyond `schedule.keep` (only files named as this schedule names them).
pub fn scheduled_backup(
    db: &Path,
    schedule: &Schedule,
    now_ms: i64,
) -> Result<(BackupReport, Vec<PathBuf>), String> {
    std::fs::create_dir_all(&schedule.dir)
        .map_err(|e| format!("{}: {e}", schedule.dir.display()))?;
    let out = schedule.dir.join(scheduled_name(db, now_ms));
    let report = backup::backup(db, &out, now_ms).map_err(|e| e.to_string())?;
    let removed = prune(db, schedule).map_err(|e| format!("{}: {e}", schedule.dir.display()))?;
    Ok((report, removed))
}

/// Keeps the newest `keep` scheduled backups of `db` in the folder; returns those removed.
fn prune(db: &Path, schedule: &Schedule) -> std::io::Result<Vec<PathBuf>> {
    let prefix = format!("{}-", file_name(db));
    let mut ours: Vec<PathBuf> = std::fs::read_dir(&schedule.dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with("Z.bak"))
        })
        .collect();
    // The names carry the time in a form that sorts as time does.
    ours.sort();
    let extra = ours.len().saturating_sub(schedule.keep.max(1));
    let mut removed = Vec::new();
    for path in ours.into_iter().take(extra) {
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_backups_are_named_by_time_and_the_oldest_beyond_keep_go() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("county.db");
        drop(jiandang_server::db::open(&db).expect("db"));
        let schedule = Schedule {
            dir: dir.path().join("backups"),
            every: Duration::from_secs(3600),
            keep: 2,
        };
        // Someone else's file in the folder is never touched.
        std::fs::create_dir_all(&schedule.dir).expect("folder");
        let other = schedule.dir.join("county.db-manual.bak");
        std::fs::write(&other, b"kept").expect("other");
        let hour = 3_600_000;
        let start = 1_796_317_718_000;
        for n in 0..3 {
            scheduled_backup(&db, &schedule, start + n * hour).expect("backup");
        }
        let mut names: Vec<String> = std::fs::read_dir(&schedule.dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "county.db-20261203T180838Z.bak",
                "county.db-20261203T190838Z.bak",
                "county.db-manual.bak",
            ]
        );
    }

    #[test]
    fn every_reads_the_usual_units() {
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_every("0h").is_err());
        assert!(parse_every("6 hours").is_err());
        assert!(parse_every("h").is_err());
    }
}
