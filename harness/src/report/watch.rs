//! The output of `--watch` after each re-run: a header line (the time, and what changed on
//! disk), then only the checks or scenarios whose verdict changed, each with its detail as
//! the full report prints it, and where the suite stands now; or `no change: …`.
//!
//! The changes come from [`crate::check::run::changes`] and
//! [`crate::scenario::suite::changes`]; what happened to each file from
//! [`crate::watch::FileChange`]. Human text only: `--watch` refuses the machine formats.

use std::io::{self, Write};
use std::path::PathBuf;

use super::style;
use crate::check::suite::CheckChange;
use crate::check::{Status, SuiteReport};
use crate::scenario::result::ScenarioChange;
use crate::scenario::ScenarioResult;
use crate::watch::{FileChange, FileState, Role};

/// The first 8 hex digits of a SHA-256, and an ellipsis.
fn short(sha256: &str) -> String {
    format!("{}…", sha256.get(..8).unwrap_or(sha256))
}

/// What happened to one file, in words: `` `libfoo.so` rebuilt (sha256 ab12cd34… ->
/// 0f1e2d3c…) ``, `` `drift.json` edited ``, `` `libfoo.so` is missing: … ``.
pub fn file_line(change: &FileChange) -> String {
    let path = change.path.display();
    let library = change.role == Role::Library;
    match (&change.before, &change.after) {
        (_, FileState::Missing) if library => {
            format!("`{path}` is missing: waiting for it to come back")
        }
        (_, FileState::Missing) => format!("`{path}` removed"),
        (_, FileState::Incomplete(why)) => {
            format!("`{path}` is not a complete library yet ({why}): waiting for the next change")
        }
        (_, FileState::Unreadable(why)) => {
            format!("`{path}` cannot be read ({why}): waiting for the next change")
        }
        (before, after) if before == after => {
            format!("`{path}` written again with the same bytes: nothing to run")
        }
        (FileState::Present { sha256: old }, FileState::Present { sha256: new }) if library => {
            format!("`{path}` rebuilt (sha256 {} -> {})", short(old), short(new))
        }
        (_, FileState::Present { sha256 }) if library => {
            format!("`{path}` is back (sha256 {})", short(sha256))
        }
        (FileState::Missing, FileState::Present { .. }) => format!("`{path}` added"),
        (_, FileState::Present { .. }) => format!("`{path}` edited"),
    }
}

/// The header line of a re-run: `time` (as the command formats it) and what happened to
/// each file, joined with `; `.
pub fn header(out: &mut dyn Write, time: &str, files: &[FileChange]) -> io::Result<()> {
    writeln!(
        out,
        "\n{}{time}{} {}",
        style::LABEL.render(),
        style::LABEL.render_reset(),
        files.iter().map(file_line).collect::<Vec<_>>().join("; ")
    )
}

/// `pass`, `FAIL`, `WARN`, `skip`, or `none` (styled): failures and warnings shout.
fn status_word(status: Option<Status>) -> String {
    let Some(status) = status else {
        return "not run".to_string();
    };
    let (look, word) = match status {
        Status::Pass => (style::GOOD, "pass"),
        Status::Fail => (style::ERROR, "FAIL"),
        Status::Warn => (style::WARN, "WARN"),
        Status::Skip => (style::HINT, "skip"),
    };
    format!("{}{word}{}", look.render(), look.render_reset())
}

/// Counts that are not zero, passed always: `27 passed` or `21 passed, 5 failed, 1 skipped`.
fn counts(report: &SuiteReport) -> String {
    let mut parts = vec![format!("{} passed", report.count(Status::Pass))];
    for (status, word) in [
        (Status::Fail, "failed"),
        (Status::Warn, "warned"),
        (Status::Skip, "skipped"),
    ] {
        let count = report.count(status);
        if count > 0 {
            parts.push(format!("{count} {word}"));
        }
    }
    parts.join(", ")
}

/// After a re-run of `check`: each check whose verdict changed (`apply.converges: pass ->
/// FAIL: …` with what Symphony's users see, the fix and the evidence), then the suite's
/// verdict now; or `no change: 27 passed`.
pub fn check_changes(
    out: &mut dyn Write,
    changes: &[CheckChange<'_>],
    now: &SuiteReport,
    deny_warnings: bool,
) -> io::Result<()> {
    if changes.is_empty() {
        return writeln!(out, "  no change: {}", counts(now));
    }
    for change in changes {
        let message = change
            .after
            .map(|r| format!(": {}", r.finding.message))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}: {} -> {}{message}",
            change.id(),
            status_word(change.before.map(|r| r.finding.status)),
            status_word(change.after.map(|r| r.finding.status)),
        )?;
        if let Some(result) = change.after {
            super::check::detail(out, result)?;
        }
    }
    let (look, verdict) = style::verdict(now.passed(deny_warnings));
    writeln!(
        out,
        "  now {}{verdict}{}: {}",
        look.render(),
        look.render_reset(),
        counts(now)
    )
}

/// `pass` or `FAIL` of a scenario, `new` or `removed` when it is on one side only.
fn scenario_word(result: Option<&ScenarioResult>, missing: &str) -> String {
    match result {
        None => missing.to_string(),
        Some(r) if r.passed() => {
            format!("{}pass{}", style::GOOD.render(), style::GOOD.render_reset())
        }
        Some(_) => format!(
            "{}FAIL{}",
            style::ERROR.render(),
            style::ERROR.render_reset()
        ),
    }
}

/// After a re-run of `run`: each scenario whose verdict changed (`drift-repaired: pass ->
/// FAIL` with its failure as the report prints it), then the suite now; or `no change: 12
/// passed`.
pub fn run_changes(
    out: &mut dyn Write,
    changes: &[ScenarioChange<'_>],
    now: &[ScenarioResult],
) -> io::Result<()> {
    let counts = super::run::Counts::of(now);
    let counts_text = if counts.failed == 0 {
        format!("{} passed", counts.passed)
    } else {
        format!("{} passed, {} failed", counts.passed, counts.failed)
    };
    if changes.is_empty() {
        return writeln!(out, "  no change: {counts_text}");
    }
    for change in changes {
        writeln!(
            out,
            "  {}: {} -> {}",
            change.name(),
            scenario_word(change.before, "new"),
            scenario_word(change.after, "removed"),
        )?;
        if let Some(result) = change.after.filter(|r| !r.passed()) {
            super::run::failure_detail(out, result, "    ")?;
        }
    }
    let (look, verdict) = style::verdict(counts.failed == 0);
    writeln!(
        out,
        "  now {}{verdict}{}: {counts_text}",
        look.render(),
        look.render_reset()
    )
}

/// The line after a verdict: what is watched and how to stop.
pub fn watching_line(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    format!(
        "watching {} for changes; Ctrl-C stops (exit status: the last verdict's)",
        names.join(", ")
    )
}

/// The last line, after Ctrl-C: the verdict that stands and its exit code.
pub fn stopped_line(signal: &str, code: i32) -> String {
    format!("stopped watching on {signal}: the last verdict stands (exit {code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_change_reads_as_what_happened() {
        let present = |sha: &str| FileState::Present { sha256: sha.into() };
        let a = "ab12cd34".repeat(8);
        let b = "0f1e2d3c".repeat(8);
        let cases = [
            (
                Role::Library,
                present(&a),
                present(&b),
                "`lib.so` rebuilt (sha256 ab12cd34… -> 0f1e2d3c…)",
            ),
            (
                Role::Library,
                present(&a),
                present(&a),
                "`lib.so` written again with the same bytes: nothing to run",
            ),
            (
                Role::Library,
                FileState::Missing,
                present(&b),
                "`lib.so` is back (sha256 0f1e2d3c…)",
            ),
            (
                Role::Library,
                present(&a),
                FileState::Missing,
                "`lib.so` is missing: waiting for it to come back",
            ),
            (
                Role::Library,
                present(&a),
                FileState::Incomplete("truncated".into()),
                "`lib.so` is not a complete library yet (truncated): waiting for the next change",
            ),
            (Role::Scenario, present(&a), present(&b), "`lib.so` edited"),
            (
                Role::Scenario,
                FileState::Missing,
                present(&b),
                "`lib.so` added",
            ),
            (
                Role::Scenario,
                present(&a),
                FileState::Missing,
                "`lib.so` removed",
            ),
        ];
        for (role, before, after, expected) in cases {
            let change = FileChange {
                path: PathBuf::from("lib.so"),
                role,
                before,
                after,
            };
            assert_eq!(file_line(&change), expected);
        }
    }
}
