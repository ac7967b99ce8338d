//! What `check --watch` and `run --watch` share: the hidden settle flag, the refusal of the
//! machine formats, the clock of the header line, and starting and stopping the loop
//! (SIGINT ends it with the last verdict's code, see `signals`).
//!
//! The loops themselves are in `check.rs` and `run.rs`; the watching is
//! [`symphony_harness::watch`], the text [`symphony_harness::report::watch`].

use std::path::PathBuf;

use symphony_harness::report::watch as report;
use symphony_harness::worker;

use super::args::{ReportArgs, RunFormat};
use super::output;
use super::signals;

/// Why `--watch` cannot go with these output flags, if it cannot.
pub fn refused(output: &ReportArgs) -> Option<String> {
    let why = "`--watch` prints only what changed since the last verdict, as text for people";
    match (output.format, &output.output) {
        (RunFormat::Json | RunFormat::Junit, _) => Some(format!(
            "{why}: it cannot be combined with `--format {}`\nhint: drop `--watch` for one \
             report a machine reads",
            if output.format == RunFormat::Json {
                "json"
            } else {
                "junit"
            }
        )),
        (RunFormat::Human, Some(_)) => Some(format!(
            "{why}: it cannot be combined with `--output`\nhint: drop `--watch` to write the \
             report to a file, or `--output` to watch in the terminal"
        )),
        (RunFormat::Human, None) => None,
    }
}

/// The time of a header line: local `HH:MM:SS`.
pub fn now() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// Whether the loop should stop: a signal came.
pub fn stop() -> bool {
    worker::interrupted().is_some()
}

/// After the first verdict: SIGINT now ends the loop, and the user is told what is watched.
pub fn start(paths: &[PathBuf]) {
    signals::watching();
    output::stderr(&format!("{}\n", report::watching_line(paths)));
}

/// After the loop: says which verdict stands, and returns its `code`.
pub fn stopped(code: i32) -> i32 {
    if let Some(signal) = worker::interrupted() {
        output::stderr(&format!(
            "{}\n",
            report::stopped_line(&worker::signal_name(signal), code)
        ));
    }
    code
}
