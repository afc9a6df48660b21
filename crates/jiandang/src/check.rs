//! `jiandang check FILE...`: reads household or village files in the documented JSON form
//! (docs/records.md) and prints every finding as one JSON object per line on standard output.
//! A file whose top-level object has a `village` key is a village file; any other is a
//! household file. Each file goes through the domain's one judgement pipeline
//! (`jiandang_domain::judge::file`), the same the device and the server use.
//!
//! Exit status: 0 when no file has an error-level finding, 1 when one does, 2 when a file
//! cannot be read or is not the documented shape (that file's problem goes to standard error,
//! naming the file and the JSON path; the other files are still checked).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use jiandang_domain::judge::{Context, file::check_file};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, Severity, Timestamp};
use serde::Serialize;

/// Arguments of `jiandang check`.
#[derive(clap::Args)]
pub struct Args {
    /// Household or village files (JSON, see docs/records.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// One output line: the finding and the file it came from.
#[derive(Serialize)]
struct Line<'a> {
    file: String,
    #[serde(flatten)]
    finding: &'a Finding,
}

pub fn run(args: &Args) -> ExitCode {
    // The files are the demo county's year; a county's own policy file is for the server.
    let policy = YearPolicy::shangqiu_2018();
    let ctx = Context::new(&policy, now());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut unreadable, mut errors) = (false, false);
    for path in &args.files {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("jiandang check: {shown}: 无法读取文件：{e}");
                unreadable = true;
                continue;
            }
        };
        match check_file(&text, &ctx) {
            Ok(findings) => {
                for finding in &findings {
                    errors |= finding.severity == Severity::Error;
                    let line = Line {
                        file: shown.clone(),
                        finding,
                    };
                    // Serialising plain strings and enums cannot fail.
                    let json = serde_json::to_string(&line).unwrap_or_default();
                    if writeln!(out, "{json}").is_err() {
                        return ExitCode::from(2);
                    }
                }
            }
            Err(e) => {
                // The error's text starts with the JSON path of the problem.
                eprintln!("jiandang check: {shown}: {e} ({})", e.code());
                unreadable = true;
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The present instant: positions and photos dated after it are refused.
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(ms)
}
