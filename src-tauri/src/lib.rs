//! The field app's shell (Tauri 2). State is made in `setup`: the replica opened in the app
//! data folder, the position provider, and the background sync loop once the device is
//! enrolled. Each command takes `State`, calls the replica (or the domain), and maps the
//! error to `{code, message}`. SQLite work runs off the main thread: the synchronous commands
//! are `#[tauri::command(async)]`, which Tauri runs on its thread pool.

mod commands;
mod error;
mod keystore;
mod position;
mod problems;
mod view;

use std::sync::{Arc, Mutex};

use jiandang_replica::{Replica, SyncLoop, SyncOptions};
use tauri::{AppHandle, Emitter, Manager};

use crate::position::PositionProvider;

/// The event that carries sync progress to the UI (`SYNC_PROGRESS_EVENT` in backend.ts).
pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

/// What the commands share.
pub struct AppState {
    pub replica: Replica,
    pub position: Arc<dyn PositionProvider>,
    pub sync: Mutex<Option<SyncLoop>>,
}

/// Sync progress as the UI shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgressEvent {
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub message: String,
}

impl AppState {
    /// Starts the background sync loop if the device is enrolled and it is not running yet.
    /// Must be called on the async runtime.
    pub fn start_sync_loop(&self, app: &AppHandle) {
        let mut slot = self.sync.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() || !matches!(self.replica.enrollment(), Ok(Some(_))) {
            return;
        }
        let opts = SyncOptions {
            interval: std::time::Duration::from_secs(sync_interval_secs()),
            ..SyncOptions::default()
        };
        let lp = self
            .replica
            .run_sync_loop(opts, Some(progress_emitter(app.clone())));
        let mut watch = lp.watch();
        let app2 = app.clone();
        tauri::async_runtime::spawn(async move {
            while watch.changed().await.is_ok() {
                let status = watch.borrow().clone();
                let event = commands::loop_event(&status);
                let _ = app2.emit(SYNC_PROGRESS_EVENT, event);
            }
        });
        *slot = Some(lp);
    }

    pub fn nudge(&self) {
        if let Some(lp) = self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            lp.nudge();
        }
    }
}

/// Seconds between background sync rounds; `JIANDANG_SYNC_INTERVAL_SECS` overrides (tests).
fn sync_interval_secs() -> u64 {
    std::env::var("JIANDANG_SYNC_INTERVAL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// A replica progress callback that emits [`ProgressEvent`]s.
pub fn progress_emitter(app: AppHandle) -> jiandang_replica::sync::ProgressFn {
    Arc::new(move |p: &jiandang_replica::Progress| {
        let _ = app.emit(SYNC_PROGRESS_EVENT, commands::progress_event(p));
    })
}

/// Where the replica lives: `JIANDANG_DATA_DIR` (tests), else the app data folder.
fn data_dir(app: &AppHandle) -> anyhow::Result<std::path::PathBuf> {
    if let Ok(dir) = std::env::var("JIANDANG_DATA_DIR") {
        return Ok(dir.into());
    }
    Ok(app.path().app_data_dir()?)
}

fn make_state(app: &AppHandle) -> anyhow::Result<AppState> {
    use anyhow::Context;
    let dir = data_dir(app)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let keys = keystore::key_store().context("opening the key store")?;
    // The replica of the user who signed in last (each user has their own, each encrypted
    // with its own key: jiandang_replica's at_rest module).
    let replica = Replica::open_device(&dir, keys, jiandang_replica::system_clock())
        .context("opening the replica")?;
    Ok(AppState {
        replica,
        position: position_provider(app),
        sync: Mutex::new(None),
    })
}

#[cfg(desktop)]
fn position_provider(_app: &AppHandle) -> Arc<dyn PositionProvider> {
    Arc::new(position::TypedPosition::default())
}

#[cfg(mobile)]
fn position_provider(app: &AppHandle) -> Arc<dyn PositionProvider> {
    Arc::new(position::mobile::PluginPosition::new(app.clone()))
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    let result = builder
        .setup(|app| {
            let state = make_state(app.handle()).map_err(|e| {
                // The message goes to stderr only; it holds paths, never personal data.
                eprintln!("jiandang-app: {e:#}");
                e
            })?;
            app.manage(state);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<AppState>().start_sync_loop(&handle);
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_form_bundle,
            commands::app_status,
            commands::enroll,
            commands::list_households,
            commands::get_household,
            commands::get_village,
            commands::save_record,
            commands::validate_record,
            commands::member_change,
            commands::household_actions,
            commands::household_action,
            commands::record_exit_step,
            commands::record_visit,
            commands::set_test_position,
            commands::take_position,
            commands::add_photo,
            commands::sync_status,
            commands::sync_now,
            commands::resend,
            commands::spot_worklist,
            commands::seal_spot_check,
            commands::reveal_spot_check,
            problems::list_problems,
            problems::answer_problem,
            problems::write_window,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("jiandang-app: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    /// Names between `open` and `close` on each line of `text` that holds both.
    fn names<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
        let mut out: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                let start = l.find(open)? + open.len();
                let len = l[start..].find(close)?;
                Some(&l[start..start + len])
            })
            .filter(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// A command the handler serves but the capability does not grant fails in the window
    /// with no message of ours (as 标记脱贫 did once): the three lists name the same commands.
    #[test]
    fn every_command_served_is_declared_and_granted() {
        let mut served = names(include_str!("lib.rs"), "commands::", ",");
        served.extend(names(include_str!("lib.rs"), "problems::", ","));
        served.sort_unstable();
        let declared = names(include_str!("../build.rs"), "    \"", "\",");
        let granted: Vec<String> = names(
            include_str!("../permissions/field-app.toml"),
            "\"allow-",
            "\"",
        )
        .into_iter()
        .map(|p| p.replace('-', "_"))
        .collect();
        assert!(served.len() > 10, "{served:?}");
        assert_eq!(served, declared, "build.rs COMMANDS");
        assert_eq!(served, granted, "permissions/field-app.toml");
    }
}
