//! The `jiandang` command: one binary for the county server and its tools.

mod check;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
    }
}
