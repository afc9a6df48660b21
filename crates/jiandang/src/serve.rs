//! `jiandang serve`: the county server on a socket, over one SQLite file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jiandang_domain::policy::YearPolicy;
use jiandang_server::{AppState, SystemClock, policy, router};

/// Arguments of `jiandang serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The server's SQLite file (made and migrated if new).
    #[arg(long)]
    db: PathBuf,
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// The county's year policy (a JSON document like the domain's
    /// `policies/shangqiu-2018.json`): stored as the county's before serving, refused when
    /// its values do not fit together. Without it the stored one stays (a new file gets
    /// Shangqiu 2018's).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The server's certificate chain (PEM, its own certificate first): serve HTTPS. Devices
    /// send passwords and tokens only over HTTPS (or to a loopback address).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A folder for scheduled backups (`<db name>-<UTC time>.bak`, taken while serving);
    /// none without it.
    #[arg(long)]
    backup_dir: Option<PathBuf>,
    /// How often to take a scheduled backup: `30m`, `6h`, `1d`.
    #[arg(long, default_value = "1d", value_parser = crate::backup::parse_every)]
    backup_every: std::time::Duration,
    /// How many scheduled backups to keep (the oldest beyond go).
    #[arg(long, default_value_t = 14)]
    backup_keep: usize,
}

pub fn run(args: &Args) -> ExitCode {
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jiandang serve: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> anyhow::Result<()> {
    // Colour only on a terminal (and never with NO_COLOR): a county keeps this log in a file,
    // where escape codes are noise to every reader and grep.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_ansi(colour)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(jiandang_server::tls::load(cert, key)?),
        _ => None,
    };
    // Held while serving: `jiandang restore` refuses to replace the file under a server.
    let _lock = jiandang_server::backup::ServeLock::acquire(&args.db)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    runtime.block_on(async {
        let state = AppState::open(&args.db, Arc::new(SystemClock))
            .with_context(|| format!("opening {}", args.db.display()))?;
        if let Some(path) = &args.policy {
            set_policy(&state, path).await?;
        }
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(addr = %listener.local_addr()?, db = %args.db.display(), "county server listening");
        // The dashboard's figures assembled before anyone asks (requests meanwhile wait on
        // nothing: each reads on its own connection and assembles what it needs).
        let warming = state.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match jiandang_server::dashboard::warm(&warming).await {
                Ok(()) => tracing::info!(ms = started.elapsed().as_millis() as u64, "dashboard figures ready"),
                Err(e) => tracing::warn!(code = ?e.code, "dashboard figures not assembled in advance"),
            }
        });
        if let Some(dir) = &args.backup_dir {
            let schedule = crate::backup::Schedule {
                dir: dir.clone(),
                every: args.backup_every,
                keep: args.backup_keep,
            };
            tokio::spawn(scheduled_backups(args.db.clone(), schedule, state.clock.clone()));
        }
        // The peer address: sign-in is throttled per address too.
        let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let stop = async {
            // If the signal handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        match tls {
            Some(config) => {
                use axum::serve::ListenerExt;
                tracing::info!("serving HTTPS");
                // `tap_io` only so that handlers get the peer address (see TlsListener).
                let listener = jiandang_server::tls::TlsListener::new(listener, config)?
                    .tap_io(|_| {});
                axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await
                    .context("serving")
            }
            None => axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
                .context("serving"),
        }
    })
}

/// Takes a backup every `schedule.every` (the first one a period after start) until the
/// server stops. A failed backup is logged and tried again at the next time.
async fn scheduled_backups(
    db: PathBuf,
    schedule: crate::backup::Schedule,
    clock: Arc<dyn jiandang_server::Clock>,
) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once: skip it, a fresh start is no reason for a backup.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let (db, schedule) = (db.clone(), schedule.clone());
        let now = clock.now_ms();
        let done = tokio::task::spawn_blocking(move || {
            crate::backup::scheduled_backup(&db, &schedule, now)
        })
        .await;
        match done {
            Ok(Ok((report, removed))) => tracing::info!(
                file = %report.path.display(),
                bytes = report.bytes,
                seq = report.max_seq,
                removed = removed.len(),
                "scheduled backup taken"
            ),
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
        }
    }
}

/// Stores the policy document at `path` as the county's and puts it in force.
async fn set_policy(state: &AppState, path: &std::path::Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let read = YearPolicy::from_json(&text).with_context(|| format!("{}", path.display()))?;
    let now = state.clock.now_ms();
    let stored = read.clone();
    state
        .db
        .call(move |conn| policy::store(conn, &stored, None, now))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    tracing::info!(year = read.year, area = %read.area.code, file = %path.display(), "county policy set");
    state.rules.replace(read);
    Ok(())
}
