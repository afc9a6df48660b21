//! Scenario 6: the last days of the entry window — N devices, each its own replica and user
//! (a survey worker of its own village of 20 households), do a day's work offline and then
//! all sync at once against one server on 127.0.0.1. Throughput, p50/p95/p99 of a device's
//! sync round, errors; beside the same round of a few devices syncing alone. Then the check
//! that must hold: the server's log holds exactly every change every device made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiandang_protocol::Role;
use jiandang_replica::{Replica, SyncOptions};
use jiandang_server::demo::DemoScale;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Barrier, Semaphore};
use uuid::Uuid;

use crate::county::{self, County};
use crate::figure::{Check, Figure, Target};
use crate::stats::Samples;
use crate::{BenchError, Outcome, day};

/// What the load test found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadSummary {
    pub devices: usize,
    pub changes: usize,
    pub errors: usize,
    pub wall_s: f64,
    pub changes_per_s: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Devices whose changes the server holds exactly.
    pub devices_exact: usize,
    /// Changes a device made that the server does not hold (or holds otherwise).
    pub lost: usize,
    /// Changes the server logged for these devices that no device made.
    pub extra: usize,
    pub check_passed: bool,
}

pub struct Plan {
    pub devices: usize,
    /// Devices that sync alone first, one after the other: the baseline.
    pub solo: usize,
    /// Where the device replicas live (tmpfs when there is one: device fsyncs are not what
    /// this measures).
    pub device_dir: PathBuf,
    /// The peak: after a second day's work, each device syncs once at a random moment
    /// within this window.
    pub peak_window: Duration,
}

struct Device {
    replica: Replica,
    id: Uuid,
    village: Uuid,
    changes: usize,
}

pub async fn run(
    dir: &Path,
    plan: &Plan,
    out: &mut Outcome,
    log: &dyn Fn(&str),
) -> Result<LoadSummary, BenchError> {
    let total = plan.devices + plan.solo;
    let towns = total.div_ceil(100).max(1);
    let scale = DemoScale {
        towns,
        villages_per_town: total.div_ceil(towns),
        first_village_households: day::HOUSEHOLDS_PER_DAY,
        village_households: day::HOUSEHOLDS_PER_DAY,
    };
    let t = Instant::now();
    let county = Arc::new(County::start(dir, scale).await?);
    let villages = county.villages().await?;
    log(&format!(
        "load: county of {} villages, {} households made in {:.1} s",
        villages.len(),
        county.demo.households,
        t.elapsed().as_secs_f64()
    ));

    // Every device enrols as its own user and takes its village's snapshot, a few at a time.
    let t = Instant::now();
    let gate = Arc::new(Semaphore::new(8));
    let mut tasks = Vec::new();
    for (i, (village, _)) in villages.iter().take(total).enumerate() {
        let county = county.clone();
        let gate = gate.clone();
        let path = plan.device_dir.join(format!("device-{i:04}.db"));
        let village = *village;
        tasks.push(tokio::spawn(async move {
            let _permit = gate
                .acquire()
                .await
                .map_err(|e| BenchError::Check(e.to_string()))?;
            let (_, username) = county.add_user(Role::SurveyWorker, vec![village]).await?;
            let replica = Replica::open(&path)?;
            let enrolled = replica
                .enroll(
                    &county.base_url,
                    &username,
                    county::BENCH_PASSWORD,
                    &format!("压测设备{i}"),
                )
                .await?;
            replica.sync_once(&SyncOptions::default(), None).await?;
            let r2 = replica.clone();
            let day = tokio::task::spawn_blocking(move || {
                day::work(&r2, village, 0, day::HOUSEHOLDS_PER_DAY)
            })
            .await
            .map_err(|e| BenchError::Check(e.to_string()))??;
            Ok::<_, BenchError>(Device {
                replica,
                id: enrolled.device_id,
                village,
                changes: day.changes,
            })
        }));
    }
    let mut devices = Vec::with_capacity(total);
    for task in tasks {
        devices.push(task.await.map_err(|e| BenchError::Check(e.to_string()))??);
    }
    log(&format!(
        "load: {} devices enrolled, synced and worked their day in {:.1} s",
        devices.len(),
        t.elapsed().as_secs_f64()
    ));
    let opts = SyncOptions::default();

    // Baseline: a few devices sync alone, one after the other.
    let mut solo = Samples::default();
    for d in devices.iter().take(plan.solo) {
        let t = Instant::now();
        d.replica.sync_once(&opts, None).await?;
        solo.push(t.elapsed());
    }

    // The storm: everyone else at once.
    let storm: Vec<&Device> = devices.iter().skip(plan.solo).collect();
    let barrier = Arc::new(Barrier::new(storm.len() + 1));
    let mut tasks = Vec::new();
    for d in &storm {
        let r = d.replica.clone();
        let b = barrier.clone();
        let opts = opts.clone();
        tasks.push(tokio::spawn(async move {
            b.wait().await;
            let t = Instant::now();
            let res = r.sync_once(&opts, None).await;
            (
                t.elapsed(),
                res.map(|rep| rep.accepted).map_err(|e| e.code()),
            )
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut latency = Samples::default();
    let mut errors = 0;
    let mut accepted = 0;
    let mut failed = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (took, res) = task.await.map_err(|e| BenchError::Check(e.to_string()))?;
        latency.push(took);
        match res {
            Ok(n) => accepted += n,
            Err(code) => {
                errors += 1;
                failed.push((i, code));
            }
        }
    }
    let wall = start.elapsed();
    log(&format!(
        "load: {} devices synced at once in {:.1} s",
        storm.len(),
        wall.as_secs_f64()
    ));

    // A device whose round failed tries again, as its sync loop would.
    for (i, _) in &failed {
        for _ in 0..3 {
            if storm[*i].replica.sync_once(&opts, None).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let storm_changes: usize = storm.iter().map(|d| d.changes).sum();

    // The floor of the storm: the same number of changes written raw, one transaction per
    // device, into the server's schema on the same disk. No server can finish sooner.
    let floor = raw_floor(&county, dir, storm.len(), storm_changes).await?;

    // The peak: a second day's work, then each device syncs once at a random moment within
    // the window (uniform moments: the arrivals of a Poisson process with that many events).
    let mut devices = devices;
    second_day(&mut devices).await?;
    let peak = peak(&devices[plan.solo..], plan.peak_window, &opts).await?;
    log(&format!(
        "load: {} devices synced within {:.0} s, {} failed rounds",
        devices.len() - plan.solo,
        plan.peak_window.as_secs_f64(),
        peak.errors
    ));
    for i in &peak.failed {
        for _ in 0..3 {
            if devices[plan.solo + *i]
                .replica
                .sync_once(&opts, None)
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // The baseline devices worked a second day too: they sync it alone.
    for d in devices.iter().take(plan.solo) {
        d.replica.sync_once(&opts, None).await?;
    }
    let storm: Vec<&Device> = devices.iter().skip(plan.solo).collect();

    let mut summary = verify(&county, &devices).await?;
    let changes = storm_changes;
    summary.devices = storm.len();
    summary.changes = changes;
    summary.errors = errors;
    summary.wall_s = wall.as_secs_f64();
    summary.changes_per_s = accepted as f64 / wall.as_secs_f64().max(1e-9);
    summary.p50_ms = latency.p50();
    summary.p95_ms = latency.percentile(95.0);
    summary.p99_ms = latency.percentile(99.0);

    let n = storm.len();
    out.figures.push(Figure::new(
        "load",
        format!("{n} devices at once: changes accepted per second"),
        summary.changes_per_s,
        "changes/s",
        format!("{} devices alone, one after the other", plan.solo),
        solo_rate(&devices, plan.solo, &solo),
    ));
    for (p, v) in [
        (50.0, summary.p50_ms),
        (95.0, summary.p95_ms),
        (99.0, summary.p99_ms),
    ] {
        out.figures.push(Figure::new(
            "load",
            format!("{n} devices at once: sync round p{p:.0}"),
            v,
            "ms",
            "a device syncing alone, same percentile",
            solo.percentile(p),
        ));
    }
    out.figures.push(Figure::new(
        "load",
        format!("{n} devices at once: the last one done"),
        summary.wall_s * 1000.0,
        "ms",
        "the same changes written raw, a transaction per device (the floor)",
        floor.as_secs_f64() * 1000.0,
    ));
    out.figures.push(Figure::new(
        "load",
        format!("{n} devices at once: failed rounds"),
        errors as f64,
        "rounds",
        "devices",
        n as f64,
    ));
    let window = plan.peak_window.as_secs_f64();
    for (p, v) in [
        (50.0, peak.latency.p50()),
        (95.0, peak.latency.percentile(95.0)),
        (99.0, peak.latency.percentile(99.0)),
    ] {
        out.figures.push(Figure::new(
            "load",
            format!("{n} devices within {window:.0} s (random moments): sync round p{p:.0}"),
            v,
            "ms",
            "a device syncing alone, same percentile",
            solo.percentile(p),
        ));
    }
    out.figures.push(Figure::new(
        "load",
        format!("{n} devices within {window:.0} s: failed rounds"),
        peak.errors as f64,
        "rounds",
        "devices",
        n as f64,
    ));
    out.checks.push(Check::new(
        "load: the server holds exactly every change every device made",
        summary.check_passed,
        format!(
            "{} of {} devices exact; {} changes lost, {} extra",
            summary.devices_exact,
            devices.len(),
            summary.lost,
            summary.extra
        ),
    ));
    out.targets.push(Target {
        name: format!("{n} devices syncing within {window:.0} s"),
        goal: "p99 < 1 s and nothing lost".to_owned(),
        measured: format!(
            "p99 {:.0} ms, {} lost, {} failed rounds",
            peak.latency.percentile(99.0),
            summary.lost,
            peak.errors
        ),
        met: peak.latency.percentile(99.0) < 1000.0 && summary.check_passed,
    });
    out.targets.push(Target {
        name: format!("{n} devices syncing at the same instant"),
        goal: "p99 < 1 s and nothing lost".to_owned(),
        measured: format!(
            "p99 {:.0} ms, {} lost, {} failed rounds",
            summary.p99_ms, summary.lost, errors
        ),
        met: summary.p99_ms < 1000.0 && summary.check_passed,
    });
    if let Ok(c) = Arc::try_unwrap(county) {
        c.stop();
    }
    Ok(summary)
}

/// A second day's work on every device (the same households: the wage corrected again, a
/// new GPS fix at each).
async fn second_day(devices: &mut [Device]) -> Result<(), BenchError> {
    let gate = Arc::new(Semaphore::new(4));
    let mut tasks = Vec::new();
    for d in devices.iter() {
        let (replica, village, gate) = (d.replica.clone(), d.village, gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate
                .acquire_owned()
                .await
                .map_err(|e| BenchError::Check(e.to_string()))?;
            tokio::task::spawn_blocking(move || {
                day::work(&replica, village, 0, day::HOUSEHOLDS_PER_DAY)
            })
            .await
            .map_err(|e| BenchError::Check(e.to_string()))?
        }));
    }
    for (d, task) in devices.iter_mut().zip(tasks) {
        let day = task.await.map_err(|e| BenchError::Check(e.to_string()))??;
        d.changes += day.changes;
    }
    Ok(())
}

/// What the peak found.
struct Peak {
    latency: Samples,
    errors: usize,
    /// Indexes (into the devices given) of the rounds that failed.
    failed: Vec<usize>,
}

/// Each device syncs once, at a moment drawn uniformly within `window` (fixed seed).
async fn peak(
    devices: &[Device],
    window: Duration,
    opts: &SyncOptions,
) -> Result<Peak, BenchError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2018);
    let mut tasks = Vec::new();
    for d in devices {
        let at = Duration::from_secs_f64(window.as_secs_f64() * rng.random::<f64>());
        let (r, opts) = (d.replica.clone(), opts.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(at).await;
            let t = Instant::now();
            let res = r.sync_once(&opts, None).await;
            (t.elapsed(), res.is_ok())
        }));
    }
    let mut peak = Peak {
        latency: Samples::default(),
        errors: 0,
        failed: Vec::new(),
    };
    for (i, task) in tasks.into_iter().enumerate() {
        let (took, ok) = task.await.map_err(|e| BenchError::Check(e.to_string()))?;
        peak.latency.push(took);
        if !ok {
            peak.errors += 1;
            peak.failed.push(i);
        }
    }
    Ok(peak)
}

/// `changes` changes written raw in `devices` transactions into a fresh database with the
/// server's schema and pragmas, beside the county's file.
async fn raw_floor(
    county: &County,
    dir: &Path,
    devices: usize,
    changes: usize,
) -> Result<Duration, BenchError> {
    let village = county
        .villages()
        .await?
        .first()
        .map(|(v, _)| *v)
        .ok_or_else(|| BenchError::Check("no village".to_owned()))?;
    let templates = crate::ingest::templates(county, village, 20).await?;
    let rows = crate::ingest::new_household_changes(&templates, village, "floor", changes);
    let per = changes.div_ceil(devices.max(1)).max(1);
    let path = dir.join("baseline-floor.db");
    tokio::task::spawn_blocking(move || {
        let mut conn =
            jiandang_server::db::open(&path).map_err(|e| BenchError::Server(e.to_string()))?;
        let t = Instant::now();
        crate::ingest::raw_ingest(&mut conn, &rows, per, Uuid::nil(), Uuid::nil())?;
        Ok(t.elapsed())
    })
    .await
    .map_err(|e| BenchError::Check(e.to_string()))?
}

fn solo_rate(devices: &[Device], solo: usize, samples: &Samples) -> f64 {
    let changes: usize = devices.iter().take(solo).map(|d| d.changes).sum();
    let secs = samples.total_ms() / 1000.0;
    if secs == 0.0 {
        0.0
    } else {
        changes as f64 / secs
    }
}

/// Compares each device's outbox with what the server logged from that device. The log is
/// read in one pass (it has no index on the device, and needs none for anything else).
async fn verify(county: &County, devices: &[Device]) -> Result<LoadSummary, BenchError> {
    type Logged = BTreeMap<Uuid, (Uuid, String, Value, String)>;
    let ours: std::collections::BTreeSet<String> =
        devices.iter().map(|d| d.id.to_string()).collect();
    let rows: Vec<(String, String, String, String, String, String)> = county
        .sql(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT device_id, change_id, record_id, field, new, outcome FROM change_log",
            )?;
            let mut out = Vec::new();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let device: String = r.get(0)?;
                if ours.contains(&device) {
                    out.push((
                        device,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ));
                }
            }
            Ok(out)
        })
        .await?;
    let mut logged: BTreeMap<Uuid, Logged> = BTreeMap::new();
    let bad = |e: uuid::Error| BenchError::Check(e.to_string());
    for (device, change, record, field, new, outcome) in rows {
        let new: Value = serde_json::from_str(&new)?;
        logged
            .entry(Uuid::parse_str(&device).map_err(bad)?)
            .or_default()
            .insert(
                Uuid::parse_str(&change).map_err(bad)?,
                (Uuid::parse_str(&record).map_err(bad)?, field, new, outcome),
            );
    }
    let mut summary = LoadSummary::default();
    let empty = Logged::new();
    for d in devices {
        let mine: Logged = d
            .replica
            .outbox()?
            .into_iter()
            .map(|e| (e.change_id, (e.record_id, e.field, e.new, e.status)))
            .collect();
        let theirs = logged.get(&d.id).unwrap_or(&empty);
        let mut exact = mine.len() == d.changes;
        for (id, (record, field, new, status)) in &mine {
            match theirs.get(id) {
                Some((r, f, n, outcome))
                    if r == record
                        && f == field
                        && n == new
                        && outcome == "accepted"
                        && status == "accepted" => {}
                _ => {
                    summary.lost += 1;
                    exact = false;
                }
            }
        }
        let extra = theirs.keys().filter(|k| !mine.contains_key(k)).count();
        summary.extra += extra;
        if exact && extra == 0 {
            summary.devices_exact += 1;
        }
    }
    summary.check_passed =
        summary.devices_exact == devices.len() && summary.lost == 0 && summary.extra == 0;
    Ok(summary)
}
