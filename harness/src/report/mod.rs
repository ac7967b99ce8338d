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
pub mod run;
pub mod serve;
pub mod style;
pub mod text;
pub mod watch;

/// Writes a JUnit report and a newline.
pub(crate) fn write_junit(
    out: &mut dyn std::io::Write,
    report: &quick_junit::Report,
) -> std::io::Result<()> {
    report
        .serialize(&mut *out)
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    writeln!(out)
}
