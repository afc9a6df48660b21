//! `jiandang serve` as a county runs it, its log sent to a file: the log file is plain text
//! (issue 11, item 9: it carried terminal colour codes).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_log_written_to_a_file_has_no_terminal_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiandang"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("county.db"))
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jiandang serve starts");
    let stdout = child.stdout.take().expect("stdout");
    // Reads until the server says it listens (or gives up after a while).
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let listening = line.contains("listening");
            lines.push(line);
            if listening {
                break;
            }
        }
        lines
    });
    let started = Instant::now();
    while !reader.is_finished() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let lines = reader.join().expect("reader");
    assert!(
        lines.iter().any(|l| l.contains("county server listening")),
        "{lines:?}"
    );
    for line in &lines {
        assert!(
            !line.contains('\u{1b}'),
            "a colour code in the log: {line:?}"
        );
    }
}
