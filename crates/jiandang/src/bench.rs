//! `jiandang bench`: runs the benchmark scenarios of the jiandang-bench crate on this
//! machine, prints the figures as a Markdown table and writes the same figures as JSON.
//! Exit 0 when every correctness check held (above all: the load test lost nothing), 1 when
//! one failed, 2 when the bench could not run.

use std::path::PathBuf;
use std::process::ExitCode;

use jiandang_bench::{Options, run};

#[derive(clap::Args)]
pub struct Args {
    /// The small suite (under a minute): smaller village, photo and load, ~20 devices.
    #[arg(long)]
    quick: bool,
    /// Simulated devices of the load test (default 500; 20 with --quick).
    #[arg(long)]
    devices: Option<usize>,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "target/bench.json")]
    json: PathBuf,
    /// Work in this folder instead of a fresh temporary one (kept afterwards).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Run only the export scenario (the county-wide household workbook) and the problem
    /// list's checks on its county.
    #[arg(long)]
    only_export: bool,
    /// Internal: measure one way of writing the export workbook in this fresh process
    /// (`standard` or `constant`), from `--work-dir`'s export.db; prints one JSON line.
    #[arg(long, hide = true, requires = "work_dir")]
    export_child: Option<String>,
}

pub fn run_cmd(args: &Args) -> ExitCode {
    if let (Some(mode), Some(dir)) = (&args.export_child, &args.work_dir) {
        return match jiandang_bench::export::child(dir, mode)
            .and_then(|m| serde_json::to_string(&m).map_err(Into::into))
        {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("jiandang bench: {e}");
                ExitCode::from(2)
            }
        };
    }
    let mut opts = if args.quick {
        Options::quick()
    } else {
        Options::full()
    };
    if let Some(n) = args.devices {
        opts.devices = n.max(1);
    }
    opts.work_dir = args.work_dir.clone();
    opts.only_export = args.only_export;
    let report = match run(&opts, &|line| eprintln!("jiandang bench: {line}")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("jiandang bench: 基准测试未能完成：{e}");
            return ExitCode::from(2);
        }
    };
    println!("{}", report.markdown());
    let written = serde_json::to_vec_pretty(&report)
        .map_err(std::io::Error::other)
        .and_then(|json| {
            if let Some(dir) = args.json.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&args.json, json)
        });
    if let Err(e) = written {
        eprintln!("jiandang bench: 无法写入 {}：{e}", args.json.display());
        return ExitCode::from(2);
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        eprintln!("jiandang bench: 有正确性检查未通过（见上表）");
        ExitCode::FAILURE
    }
}
