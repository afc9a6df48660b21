//! `jiandang check FILE...`: reads households in the documented JSON form (docs/records.md)
//! and prints every finding as one JSON object per line.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `jiandang check`.
#[derive(clap::Args)]
pub struct Args {
    /// Household files (JSON, see docs/records.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let _ = &args.files;
    ExitCode::from(2)
}
