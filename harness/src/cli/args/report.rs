//! Output and timing flags: report format and destination (`run`, `replay`, `check`,
//! `explore`), call deadlines, and the settle period of `--watch`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use symphony_harness::watch::{Watch, DEFAULT_SETTLE};
use symphony_harness::worker::{Backend, DEFAULT_CALL_TIMEOUT};

use super::backend::{parse_call_timeout, parse_duration, CallTimeout};

/// Deadlines of provider calls (`run`, `replay`, `check`, `explore`).
#[derive(Args, Debug)]
pub struct Deadlines {
    /// Deadline of every provider call (e.g. `500ms`, `2s`); a call still running is killed
    /// and reported as `timeout`
    #[arg(long, value_name = "DURATION", default_value_t = CallTimeout(DEFAULT_CALL_TIMEOUT), value_parser = parse_call_timeout, help_heading = "Isolation")]
    pub call_timeout: CallTimeout,
}

impl Deadlines {
    /// Providers in worker processes with these deadlines.
    pub fn backend(&self) -> Backend {
        Backend {
            call_timeout: self.call_timeout.0,
            ..Backend::default()
        }
    }
}

/// Report format and destination.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: RunFormat,

    /// Write the report to FILE instead of standard output (the PASS/FAIL lines still go to
    /// standard error)
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

impl ReportArgs {
    /// Whether the report is text for people on standard output.
    pub fn human_on_stdout(&self) -> bool {
        self.format == RunFormat::Human && self.output.is_none()
    }
}

/// `--format` of `run`, `replay`, `check` and `explore`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RunFormat {
    /// Text for people
    #[default]
    Human,
    /// One JSON document (`run`: with every transcript)
    Json,
    /// JUnit XML (`run`: a test case per scenario; `check`: per check)
    Junit,
}

/// The knob of `--watch` that tests turn: how long a changed file must stay the same.
#[derive(Args, Debug)]
pub struct WatchSettle {
    /// How long a changed file must keep its size and time before the re-run (e.g. `300ms`)
    #[arg(
        long,
        hide = true,
        value_name = "DURATION",
        value_parser = parse_duration,
        env = "SYMPHONY_HARNESS_WATCH_SETTLE",
        hide_env_values = true
    )]
    watch_settle: Option<Duration>,
}

impl WatchSettle {
    /// A watch with this settle period, nothing watched yet.
    pub fn watch(&self) -> anyhow::Result<Watch> {
        Ok(Watch::new(self.watch_settle.unwrap_or(DEFAULT_SETTLE))?)
    }
}
