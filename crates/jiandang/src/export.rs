//! `jiandang export`: the same workbooks, CSV and summary page the server's
//! `/api/v1/exports/...` hands out, written from a database file. Logged in the file's
//! `export_log` (via `cli`) like an export over HTTP.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use jiandang_domain::Timestamp;
use jiandang_export::{Export, ExportMeta, Format, Places, Scope};
use jiandang_server::{Clock, SystemClock, db, exports};
use uuid::Uuid;

/// Arguments of `jiandang export`.
#[derive(clap::Args)]
pub struct Args {
    /// The server's SQLite file.
    #[arg(long)]
    db: PathBuf,
    /// What to export: register, households, pairings, help_measures, members,
    /// member_increases, member_decreases, villages, natural_villages,
    /// household_exit_measures, village_exit_measures, problems (问题清单), comparison,
    /// summary.
    #[arg(long, default_value = "register")]
    export: String,
    /// xlsx, csv (one table) or html (the summary).
    #[arg(long, default_value = "xlsx")]
    format: String,
    /// Only this village (its name or id); the comparison sheet needs one.
    #[arg(long, conflicts_with = "town")]
    village: Option<String>,
    /// Only this town (its name or id).
    #[arg(long)]
    town: Option<String>,
    /// The file to write; by default the export's own name in the current folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    match export(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jiandang export: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn export(args: &Args) -> anyhow::Result<()> {
    let (export, format) = exports::parse_file(&format!("{}.{}", args.export, args.format))
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let mut conn = db::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let (places, _, _) =
        exports::load(&mut conn, Scope::County).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let scope = scope(&places, args.village.as_deref(), args.town.as_deref())?;
    if !export.allows(scope) {
        bail!("对照表须按村导出：请给出 --village");
    }
    let (places, records, version) =
        exports::load(&mut conn, scope).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let clock = SystemClock;
    let policy = jiandang_server::county_policy(&conn, clock.now_ms())
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let user = std::env::var("USER").unwrap_or_else(|_| "命令行".to_owned());
    let meta = ExportMeta {
        for_whom: format!("{user}（jiandang export）"),
        generated_at: Timestamp::from_millis(clock.now_ms()),
        version,
        year: policy.year,
    };
    let register = jiandang_export::assemble(&places, scope, records);
    let bytes = jiandang_export::write(export, format, &register, &meta, &|_| {})
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(jiandang_export::file_name(export, format, &register, &meta))
    });
    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    exports::log_export(
        &conn,
        None,
        export.as_str(),
        format,
        scope,
        version,
        register.households.len() as u64,
        bytes.len(),
        clock.now_ms(),
    )
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    println!(
        "{}：{}，{} 户，{} 字节，登记册版本 {} → {}",
        export_title(export, format),
        places.scope_name(scope),
        register.households.len(),
        bytes.len(),
        version,
        out.display()
    );
    if !register.unreadable.is_empty() {
        eprintln!(
            "注意：{} 条记录无法读取，未导出（清单见说明页）",
            register.unreadable.len()
        );
    }
    Ok(())
}

fn export_title(export: Export, format: Format) -> String {
    format!("{}（{}）", export.title_zh(), format.extension())
}

/// The scope named by `--village` / `--town`: an id, or a name (a village name must be
/// unique in the county, else give the id).
fn scope(places: &Places, village: Option<&str>, town: Option<&str>) -> anyhow::Result<Scope> {
    if let Some(v) = village {
        let found: Vec<_> = places
            .villages
            .iter()
            .filter(|p| Uuid::parse_str(v).is_ok_and(|id| id == p.id) || p.name == v)
            .collect();
        return match found.as_slice() {
            [one] => Ok(Scope::Village(one.id)),
            [] => bail!("没有村“{v}”"),
            _ => bail!("有 {} 个村叫“{v}”，请用村的编号", found.len()),
        };
    }
    if let Some(t) = town {
        let found: Vec<_> = places
            .towns
            .iter()
            .filter(|p| Uuid::parse_str(t).is_ok_and(|id| id == p.id) || p.name == t)
            .collect();
        return match found.as_slice() {
            [one] => Ok(Scope::Town(one.id)),
            [] => bail!("没有乡镇“{t}”"),
            _ => bail!("有 {} 个乡镇叫“{t}”，请用编号", found.len()),
        };
    }
    Ok(Scope::County)
}
