//! Turning results into output: what a person reads, and the documents machines read.
//!
//! The one place that renders, for every command: the human text (styled, see [`style`]) and
//! the typed JSON documents. Reporters take the library's typed values (or its events) and
//! write to any [`std::io::Write`]; they never decide exit codes and never touch the
//! process's streams themselves (the command line hands them its stdout, or a buffer it
//! prints in one go). A write that fails stops the reporter's output and is handed back, so a
//! reader that went away (`| head -1`) does not change the verdict.
//!
//! - [`text`]: the pieces every command shares: `label: value` fields, warnings, errors with
//!   their causes and hint.
//! - [`inspect`]: a library's fingerprint and verdict (`inspect`, and the same blocks in
//!   `load`).
//! - [`load`]: one library's load for people, and the `load` JSON document.
//! - [`compare`]: whether a component changed, and every deciding entry.
//! - [`binding`]: the Target binding `binding` prints.
//! - [`reconcile`]: the engine's events as they come, the verdict of a run, and its JSON
//!   document (with the run's transcript).
//! - [`removal`]: what is known of a removal's deletes (`reconcile --remove`, `run`): none is
//!   called done that nothing confirms.
//! - [`run`]: the scenarios of `run` and `replay`: human, JSON (with transcripts), JUnit.
//! - [`check`]: the conformance suite, grouped by area: human, JSON, JUnit.
//! - [`explore`]: an exploration: coverage, the shrunk failure and the files written: human,
//!   JSON, JUnit.
//! - [`diff`]: two builds compared: differences grouped by kind with both builds' evidence:
//!   human, JSON, JUnit.
//! - [`watch`]: `--watch` after each re-run: what changed on disk, then only the verdicts that
//!   changed.
//! - [`serve`]: the console of `serve`: each request, each round's calls with the provider's
//!   output, each round's verdict, every line labelled with whom it is about.
//! - [`hash`]: `sha256sum`'s line format.
//! - [`json`]: the JSON documents, each named by its schema, and how they are printed.

pub mod binding;
pub mod check;
pub mod compare;
pub mod diff;
pub mod explore;
pub mod hash;
pub mod inspect;
pub mod json;
pub mod load;
pub mod reconcile;
pub mod removal;
pub mod run;
pub mod serve;
pub mod snapshot;
pub mod style;
pub mod text;
pub mod watch;

/// Writes a JUnit report and a newline; the report's `timestamp` and `time` are taken from
/// its suites (the earliest start, the sum of their times) unless already set.
///
/// Every command's JUnit goes through here, and each reporter gives what nextest's JUnit
/// gives: `time` on every test case, `timestamp` and `time` on every suite, and a `type` on
/// every failure or error ([`junit_failure`]), so CI dashboards can sort by duration and
/// group failures by kind.
pub(crate) fn write_junit(
    out: &mut dyn std::io::Write,
    report: &quick_junit::Report,
) -> std::io::Result<()> {
    let mut report = report.clone();
    if report.timestamp.is_none() {
        report.timestamp = report.test_suites.iter().filter_map(|s| s.timestamp).min();
    }
    if report.time.is_none() {
        report.time = Some(report.test_suites.iter().filter_map(|s| s.time).sum());
    }
    report
        .serialize(&mut *out)
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    writeln!(out)
}

/// A JUnit failure (or error, by `kind`) whose `type` is `ty`, a short kebab-case name of what
/// went wrong (`check-failed`, `invariant-broken`: each reporter documents its own), with
/// `message` and, if any, the longer `description`.
pub(crate) fn junit_failure(
    kind: quick_junit::NonSuccessKind,
    ty: &str,
    message: impl Into<quick_junit::XmlString>,
    description: Option<String>,
) -> quick_junit::TestCaseStatus {
    let mut status = quick_junit::TestCaseStatus::non_success(kind);
    status.set_type(ty).set_message(message);
    if let Some(description) = description {
        status.set_description(description);
    }
    status
}

/// `at` as JUnit's `timestamp`: local time with its UTC offset, as nextest writes it.
pub(crate) fn junit_timestamp(at: std::time::SystemTime) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::<chrono::Local>::from(at).fixed_offset()
}
