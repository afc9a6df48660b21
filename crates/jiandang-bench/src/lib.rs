//! The benchmark scenarios behind `jiandang bench`: each measures the real server and replica
//! crates on this machine, side by side with a baseline run in the same process (raw SQLite,
//! plain JSON, the same upload uncut, a device alone), and reports figure, baseline and ratio.
//!
//! 1. snapshot of the largest demo village ([`snapshot`]); 2. push ingest ([`ingest`]);
//! 3. pull and a day's work ([`pull`], [`day`]); 4. device list, search, save ([`device`]);
//! 5. photo compression and a cut upload on a throttled line ([`photo`], [`proxy`]);
//! 6. N devices syncing at once, with the check that nothing is lost ([`load`]);
//! 7. the county-wide household workbook beside the same cells written raw ([`export`]);
//! 8. the problem list's county-wide check run and the re-check after a push, on the same
//!    county ([`checks`]).
//!
//! Everything runs on 127.0.0.1 in temporary folders, with bounded loops. Speed is reported,
//! never asserted; the [`Report::checks`] (correctness) must all pass.

pub mod checks;
pub mod county;
pub mod day;
pub mod device;
pub mod export;
pub mod figure;
pub mod ingest;
pub mod load;
pub mod photo;
pub mod proxy;
pub mod pull;
pub mod snapshot;
pub mod stats;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiandang_protocol::Role;
use jiandang_server::demo::DemoScale;
use serde::Serialize;

pub use figure::{Check, Figure, Target};
pub use load::LoadSummary;

/// Why a benchmark could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("server: {0}")]
    Server(String),
    #[error("replica: {0}")]
    Replica(#[from] jiandang_replica::Error),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("http: {0}")]
    Http(String),
    #[error("photo: {0}")]
    Photo(String),
    #[error("{0}")]
    Check(String),
}

/// How big a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The small, fast suite (CI): smaller village, photo and load.
    pub quick: bool,
    /// Devices of the load test.
    pub devices: usize,
    /// Where to work; a fresh temporary folder when `None`.
    pub work_dir: Option<PathBuf>,
    /// Run only the export scenario and the checks on its county (`jiandang bench
    /// --only-export`).
    pub only_export: bool,
}

impl Options {
    pub fn full() -> Options {
        Options {
            quick: false,
            devices: 500,
            work_dir: None,
            only_export: false,
        }
    }

    pub fn quick() -> Options {
        Options {
            quick: true,
            devices: 20,
            work_dir: None,
            only_export: false,
        }
    }
}

/// The machine the figures were taken on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_gib: f64,
    pub os: String,
    pub load_average: String,
    pub build: &'static str,
}

impl Machine {
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_gib = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory_gib,
            os: std::env::consts::OS.to_owned(),
            load_average: std::fs::read_to_string("/proc/loadavg")
                .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        }
    }
}

/// What the scenarios collect as they go.
#[derive(Debug, Default)]
pub struct Outcome {
    pub figures: Vec<Figure>,
    pub targets: Vec<Target>,
    pub checks: Vec<Check>,
    pub snapshot_kib: Option<f64>,
}

/// A finished run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub mode: &'static str,
    pub machine: Machine,
    pub elapsed_s: f64,
    pub figures: Vec<Figure>,
    pub targets: Vec<Target>,
    pub checks: Vec<Check>,
    pub load: LoadSummary,
}

impl Report {
    /// Every correctness check passed (the load test's final check among them).
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.passed) && self.load.check_passed
    }

    /// The figures as a Markdown table, then the targets and the checks.
    pub fn markdown(&self) -> String {
        use figure::fmt_num;
        let m = &self.machine;
        let mut s = format!(
            "## jiandang bench ({}, {} build)\n\n{} × {}, {:.1} GiB, {}; load average before: {}; took {:.0} s\n\n",
            self.mode,
            m.build,
            m.cpus,
            m.cpu_model,
            m.memory_gib,
            m.os,
            m.load_average,
            self.elapsed_s
        );
        s.push_str("| scenario | figure | value | baseline | baseline value | ratio |\n");
        s.push_str("|---|---|---:|---|---:|---:|\n");
        for f in &self.figures {
            s.push_str(&format!(
                "| {} | {} | {} {} | {} | {} {} | {:.3} |\n",
                f.scenario,
                f.name,
                fmt_num(f.value),
                f.unit,
                f.baseline_name,
                fmt_num(f.baseline),
                f.unit,
                f.ratio
            ));
        }
        s.push_str("\n| target | goal | measured | met |\n|---|---|---|---|\n");
        for t in &self.targets {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                t.name,
                t.goal,
                t.measured,
                if t.met { "yes" } else { "**no**" }
            ));
        }
        s.push_str("\n| check | passed | detail |\n|---|---|---|\n");
        for c in &self.checks {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                c.name,
                if c.passed { "yes" } else { "**NO**" },
                c.detail
            ));
        }
        s
    }
}

/// The sizes of a run.
struct Sizes {
    scale: DemoScale,
    snapshot_repeats: usize,
    ingest: ingest::Plan,
    device: device::Plan,
    photo: photo::Plan,
    solo: usize,
    peak_window: Duration,
    /// The county of the export scenario.
    export_scale: DemoScale,
}

impl Sizes {
    fn of(opts: &Options) -> Sizes {
        if opts.quick {
            Sizes {
                scale: DemoScale {
                    towns: 1,
                    villages_per_town: 2,
                    first_village_households: 120,
                    village_households: 100,
                },
                snapshot_repeats: 2,
                ingest: ingest::Plan {
                    sizes: vec![(1, 10), (10, 50), (100, 200), (1000, 1000)],
                    budget: Duration::from_secs(5),
                },
                device: device::Plan {
                    repeats: 5,
                    saves: 10,
                    budget: Duration::from_secs(3),
                },
                photo: photo::Plan {
                    width: 1600,
                    height: 1200,
                    rate_bps: 4_000_000,
                    chunk: 256 * 1024,
                },
                solo: 2,
                peak_window: Duration::from_secs(3),
                export_scale: DemoScale {
                    towns: 1,
                    villages_per_town: 2,
                    first_village_households: 120,
                    village_households: 100,
                },
            }
        } else {
            Sizes {
                scale: DemoScale {
                    towns: 1,
                    villages_per_town: 2,
                    first_village_households: 400,
                    village_households: 1000,
                },
                snapshot_repeats: 5,
                ingest: ingest::Plan {
                    sizes: vec![(1, 2000), (10, 10_000), (100, 30_000), (1000, 40_000)],
                    budget: Duration::from_secs(20),
                },
                device: device::Plan {
                    repeats: 30,
                    saves: 100,
                    budget: Duration::from_secs(10),
                },
                photo: photo::Plan {
                    width: 4000,
                    height: 3000,
                    rate_bps: 50_000,
                    chunk: 256 * 1024,
                },
                solo: 10,
                peak_window: Duration::from_secs(60),
                export_scale: DemoScale::COUNTY,
            }
        }
    }
}

/// Runs every scenario. `log` hears a line as each step finishes.
pub fn run(opts: &Options, log: &dyn Fn(&str)) -> Result<Report, BenchError> {
    let machine = Machine::this();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let temp;
    let dir: PathBuf = match &opts.work_dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    let start = Instant::now();
    let mut out = Outcome::default();
    let load = runtime.block_on(scenarios(opts, &dir, &mut out, log))?;
    Ok(Report {
        mode: if opts.quick { "quick" } else { "full" },
        machine,
        elapsed_s: start.elapsed().as_secs_f64(),
        figures: out.figures,
        targets: out.targets,
        checks: out.checks,
        load,
    })
}

async fn scenarios(
    opts: &Options,
    dir: &Path,
    out: &mut Outcome,
    log: &dyn Fn(&str),
) -> Result<LoadSummary, BenchError> {
    let sizes = Sizes::of(opts);
    let export_dir = dir.join("export");
    std::fs::create_dir_all(&export_dir)?;
    if opts.only_export {
        let t = Instant::now();
        export::run(&export_dir, sizes.export_scale, out)?;
        log(&format!("export: {:.1} s", t.elapsed().as_secs_f64()));
        // The problem list's checks run on the same county.
        let t = Instant::now();
        checks::run(&export_dir.join("export.db"), out)?;
        log(&format!("checks: {:.1} s", t.elapsed().as_secs_f64()));
        return Ok(LoadSummary {
            check_passed: true,
            ..LoadSummary::default()
        });
    }
    let t = Instant::now();
    let county_dir = dir.join("county");
    std::fs::create_dir_all(&county_dir)?;
    let county = county::County::start(&county_dir, sizes.scale).await?;
    let villages = county.villages().await?;
    log(&format!(
        "county: {} households, {} changes made in {:.1} s",
        county.demo.households,
        county.demo.changes,
        t.elapsed().as_secs_f64()
    ));
    let (largest, largest_n) = *villages
        .iter()
        .find(|(_, n)| *n == sizes.scale.first_village_households)
        .or(villages.first())
        .ok_or_else(|| BenchError::Check("no village".to_owned()))?;
    let (list_village, list_n) = *villages
        .iter()
        .find(|(v, _)| *v != largest)
        .ok_or_else(|| BenchError::Check("no second village".to_owned()))?;

    // 1. Snapshot, by a survey worker of the largest village.
    let worker = county.add_user(Role::SurveyWorker, vec![largest]).await?;
    let worker_raw = county.add_raw_device(worker.0).await?;
    let t = Instant::now();
    let snap = snapshot::run(
        &county,
        dir,
        (largest, largest_n),
        worker.clone(),
        &worker_raw,
        sizes.snapshot_repeats,
        out,
    )
    .await?;
    log(&format!("snapshot: {:.1} s", t.elapsed().as_secs_f64()));
    if let Some(kib) = out.snapshot_kib {
        let kb = kib * 1024.0 / 1000.0;
        out.targets.push(Target {
            name: format!("snapshot of a {largest_n}-household village"),
            goal: "≤ 150 KB on the wire".to_owned(),
            measured: format!("{kb:.1} KB"),
            met: kb <= 150.0,
        });
    }

    // 2. Ingest, by a work-team member's device in the same village.
    let member = county.add_user(Role::WorkTeamMember, vec![largest]).await?;
    let member_raw = county.add_raw_device(member.0).await?;
    let t = Instant::now();
    let accepted = ingest::run(&county, dir, largest, &member_raw, &sizes.ingest, out).await?;
    log(&format!("ingest: {:.1} s", t.elapsed().as_secs_f64()));

    // 3. The first device pulls what the second pushed, then does and pushes a day's work.
    let t = Instant::now();
    pull::run(
        &county,
        dir,
        &snap.replica,
        snap.village,
        &worker_raw,
        accepted,
        out,
    )
    .await?;
    log(&format!(
        "pull and a day's work: {:.1} s",
        t.elapsed().as_secs_f64()
    ));

    // 4. The device list over the bigger village.
    let t = Instant::now();
    let lister = county
        .add_user(Role::SurveyWorker, vec![list_village])
        .await?;
    if let Err(e) = device::run(
        &county,
        dir,
        list_village,
        list_n,
        &lister,
        &sizes.device,
        out,
    )
    .await
    {
        out.checks.push(Check::new(
            "device: the scenario ran to the end",
            false,
            e.to_string(),
        ));
    }
    log(&format!("device: {:.1} s", t.elapsed().as_secs_f64()));

    // 5. Photos.
    let t = Instant::now();
    let subject = snap
        .replica
        .records_of_village(largest, Some(jiandang_domain::RecordKind::Household))?
        .first()
        .map(|r| r.id)
        .ok_or_else(|| BenchError::Check("no household for the photo".to_owned()))?;
    if let Err(e) = photo::run(&county, dir, largest, subject, &worker, &sizes.photo, out).await {
        out.checks.push(Check::new(
            "photo: the scenario ran to the end",
            false,
            e.to_string(),
        ));
    }
    log(&format!("photo: {:.1} s", t.elapsed().as_secs_f64()));
    county.stop();

    // 7. Export (before the load test: its county is the demo's full size).
    let t = Instant::now();
    if let Err(e) = export::run(&export_dir, sizes.export_scale, out) {
        out.checks.push(Check::new(
            "export: the scenario ran to the end",
            false,
            e.to_string(),
        ));
    }
    log(&format!("export: {:.1} s", t.elapsed().as_secs_f64()));

    // 8. The problem list's checks, on the export's county.
    let t = Instant::now();
    if let Err(e) = checks::run(&export_dir.join("export.db"), out) {
        out.checks.push(Check::new(
            "checks: the scenario ran to the end",
            false,
            e.to_string(),
        ));
    }
    log(&format!("checks: {:.1} s", t.elapsed().as_secs_f64()));

    // 6. Load.
    let t = Instant::now();
    let load_dir = dir.join("load");
    std::fs::create_dir_all(&load_dir)?;
    let shm = Path::new("/dev/shm");
    let device_base = if shm.is_dir() {
        shm.to_owned()
    } else {
        load_dir.clone()
    };
    let device_dir = tempfile::Builder::new()
        .prefix("jiandang-bench-")
        .tempdir_in(device_base)?;
    let plan = load::Plan {
        devices: opts.devices.max(1),
        solo: sizes.solo,
        device_dir: device_dir.path().to_owned(),
        peak_window: sizes.peak_window,
    };
    let summary = load::run(&load_dir, &plan, out, log).await?;
    log(&format!("load: {:.1} s", t.elapsed().as_secs_f64()));
    Ok(summary)
}
