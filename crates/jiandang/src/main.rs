//! The `jiandang` command: one binary for the county server and its tools.

mod backup;
mod bench;
mod check;
mod demo;
mod export;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "jiandang",
    version,
    about = "建档 Jiandang: 扶贫对象动态管理 field collection"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check household files against the year's rules; one JSON finding per line.
    /// Exit 0: no error-level finding; 1: some error; 2: unreadable input.
    Check(check::Args),
    /// Print every form definition and code list (the bundle the app renders) as JSON.
    Forms,
    /// Run the county server: `jiandang serve --db county.db --listen 0.0.0.0:8080`.
    Serve(serve::Args),
    /// Make a new database with the deterministic demo county; prints the users' passwords once.
    Demo(demo::Args),
    /// Write the official sheets (xlsx, CSV), the door comparison sheet or the summary report
    /// from a database file: `jiandang export --db county.db --export households --town 李庄镇`.
    Export(export::Args),
    /// Copy the county database while the server serves: consistent, checked, with its own
    /// server identity: `jiandang backup --db county.db --out county-backup.db`.
    Backup(backup::BackupArgs),
    /// Put a backup back in place of the county database (the server stopped); the replaced
    /// file is kept aside: `jiandang restore --backup county-backup.db --db county.db`.
    Restore(backup::RestoreArgs),
    /// Measure sync, storage and photos beside baselines; Markdown table + JSON (`--quick`: CI).
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Forms => print_forms(),
        Command::Serve(args) => serve::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Bench(args) => bench::run_cmd(&args),
        Command::Backup(args) => backup::run_backup(&args),
        Command::Restore(args) => backup::run_restore(&args),
    }
}

fn print_forms() -> ExitCode {
    match serde_json::to_string_pretty(&jiandang_domain::catalog::bundle()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jiandang forms: {e}");
            ExitCode::FAILURE
        }
    }
}
