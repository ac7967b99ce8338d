//! The styles of human output. Text carries them as ANSI codes; the command line writes
//! through `anstream`, which drops them when the stream is not a terminal (or `--color never`).

use anstyle::{AnsiColor, Style};

/// Errors and failed verdicts.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Warnings and doubtful verdicts.
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Success.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// Hints: what to do next.
pub const HINT: Style = AnsiColor::Cyan.on_default();
/// Labels and headings.
pub const LABEL: Style = Style::new().bold();

/// The verdict word of a run and its style: `ok`, or `FAILED`.
pub fn verdict(passed: bool) -> (Style, &'static str) {
    if passed {
        (GOOD, "ok")
    } else {
        (ERROR, "FAILED")
    }
}
