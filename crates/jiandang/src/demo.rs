//! `jiandang demo`: a new SQLite file with the deterministic demo county, and its users'
//! passwords printed once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use jiandang_server::demo::{DemoScale, add_year_events, generate};
use jiandang_server::{Clock, SystemClock, db};

/// Arguments of `jiandang demo`.
#[derive(clap::Args)]
pub struct Args {
    /// The SQLite file to make (must not hold data yet).
    #[arg(long)]
    db: PathBuf,
    /// Seed of the county's random numbers: the same seed gives the same county.
    #[arg(long, default_value_t = 2018)]
    seed: u64,
}

pub fn run(args: &Args) -> ExitCode {
    match demo(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jiandang demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn demo(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut conn = db::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let clock = SystemClock;
    let report = generate(
        &mut conn,
        args.seed,
        DemoScale::COUNTY,
        clock.today_beijing(),
        clock.now_ms(),
    )
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let year = add_year_events(&mut conn, args.seed, clock.now_ms())
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let checks =
        jiandang_server::demo_problems::seed_and_check(&mut conn, args.seed, clock.now_ms())
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    drop(conn);
    let size = std::fs::metadata(&args.db).map(|m| m.len()).unwrap_or(0);
    println!(
        "示范县已生成：{} 个乡镇，{} 个村，{} 户，{} 名家庭成员，{} 个定位点，{} 条变更；用时 {:.1} 秒，数据库 {:.0} MiB",
        report.towns,
        report.villages,
        report.households,
        report.members,
        report.gps_fixes,
        report.changes,
        started.elapsed().as_secs_f64(),
        size as f64 / 1024.0 / 1024.0
    );
    println!(
        "本年度变化：脱贫 {} 户，返贫 {} 户，新识别 {} 户，成员自然增加 {} 人、减少 {} 人；贫困村表 {} 个（{} 个本年度出列），自然村表 {} 个；{} 条变更",
        year.exits,
        year.returns,
        year.new_households,
        year.increases,
        year.decreases,
        year.villages,
        year.village_exits,
        year.natural_villages,
        year.changes
    );
    println!(
        "问题清单：县级全面检查发现 {} 个问题（预置疑点：{}）",
        checks.problems.values().sum::<usize>(),
        checks
            .seeded
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join("，")
    );
    println!(
        "（写入记录 {:.1} 秒，规则检查 {:.1} 秒）",
        report.write_ms as f64 / 1000.0,
        report.rules_ms as f64 / 1000.0
    );
    if let (Some(opens), Some(closes)) = (report.entry_opens, report.entry_closes) {
        println!("录入期（2018 年时间表平移到今天）：{opens} 至 {closes}（北京时间 24 时截止）");
    }
    println!("用户（密码只显示这一次）：");
    println!("{:<8} {:<18} {:<14} 村数", "用户名", "角色", "密码");
    for user in &report.users {
        println!(
            "{:<10} {:<20} {:<16} {}",
            user.username,
            user.role.as_str(),
            user.password,
            user.villages
        );
    }
    println!(
        "启动服务器：jiandang serve --db {} --listen 127.0.0.1:8080",
        args.db.display()
    );
    Ok(())
}
