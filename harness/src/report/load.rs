//! `load`'s report: the human text of one library's load (stdout, with its warnings and a
//! failed `get_validation_rule` on stderr) and the `--format json` document of them all.

use std::io::{self, Write};

use serde::Serialize;

use super::inspect::{write_fingerprint, write_verdict};
use super::reconcile::OutputLimit;
use super::style::LABEL;
use super::text::{error, field, warning};
use crate::engine::{CallOutput, InSymphony};
use crate::load::probe::{HashCheckDone, LoadReport};

/// Writes `report` for people: the library and what `load` did to it on `out`; its warnings,
/// and how `get_validation_rule` failed if it did, on `err`. `hash_given`: whether the user
/// passed `--hash`.
pub fn write_load(
    out: &mut dyn Write,
    err: &mut dyn Write,
    report: &LoadReport,
    hash_given: bool,
) -> io::Result<()> {
    let inspection = &report.inspection;
    for text in &report.warnings {
        warning(err, text)?;
    }
    field(out, "library", report.path.display())?;
    field(
        out,
        "sha256",
        match (hash_given, report.hash_check) {
            (false, _) => format!(
                "{} (computed; pass --hash to check a pinned libHash)",
                report.sha256
            ),
            (true, HashCheckDone::Matched) => format!("{} (matches --hash)", report.sha256),
            (true, _) => format!("{} (not checked)", report.sha256),
        },
    )?;
    write_fingerprint(out, inspection)?;
    field(out, "config", &report.config_json)?;
    writeln!(out)?;
    write_verdict(out, &inspection.verdict)?;
    writeln!(out)?;
    field(out, "calls", "create_provider: ok")?;
    write_call_output(out, "create_provider", &report.output.create_provider)?;
    match &report.validation_rule {
        Some(rule) => {
            writeln!(out, "           get_validation_rule: ok")?;
            write_call_output(
                out,
                "get_validation_rule",
                &report.output.get_validation_rule,
            )?;
            writeln!(out)?;
            writeln!(out, "{LABEL}validation rule:{LABEL:#}")?;
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(rule).unwrap_or_default()
            )?;
            writeln!(out)?;
            writeln!(out, "{LABEL}what Symphony makes of it:{LABEL:#}")?;
            for line in report.symphony_reads.iter().flatten() {
                writeln!(out, "  - {line}")?;
            }
            Ok(())
        }
        None => {
            let outcome = report.calls.get_validation_rule;
            writeln!(out, "           get_validation_rule: {outcome}")?;
            write_call_output(
                out,
                "get_validation_rule",
                &report.output.get_validation_rule,
            )?;
            let message = report
                .rule_error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let hint = match outcome.in_symphony() {
                // The call returned an error: Symphony goes on with the zero rule.
                InSymphony::Returns => {
                    "Symphony silently uses the zero rule then: no change \
                     detection, no sidecars; return Ok(ValidationRule::default()) at least"
                }
                _ => outcome.hint(),
            };
            error(
                err,
                &format!("`get_validation_rule` failed ({outcome}): {message}\nhint: {hint}"),
                &[],
                None,
            )
        }
    }
}

/// What the library printed during `call`, one labelled block per stream, cut as
/// `reconcile` cuts it ([`OutputLimit`]).
fn write_call_output(out: &mut dyn Write, call: &str, output: &CallOutput) -> io::Result<()> {
    let limit = OutputLimit::default();
    for (label, text) in output.labelled() {
        writeln!(out, "             {LABEL}{label} during `{call}`:{LABEL:#}")?;
        let (shown, more) = limit.cut(text);
        for line in shown {
            writeln!(out, "               | {line}")?;
        }
        if more > 0 {
            writeln!(out, "               … {more} more lines")?;
        }
    }
    Ok(())
}

/// The `load --format json` document: one entry per library, in the order given.
#[derive(Serialize, Debug)]
pub struct LoadDocument {
    /// Every library's entry.
    pub libraries: Vec<LoadEntry>,
}

/// One library's entry in [`LoadDocument`]: its report, or the error that stopped it; `path`,
/// `error` and `exitCode` are in both.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum LoadEntry {
    /// The library loaded (its `get_validation_rule` may still have failed).
    #[serde(rename_all = "camelCase")]
    Report {
        /// The exit code `load` gives this library.
        exit_code: i32,
        /// What the probe learnt.
        #[serde(flatten)]
        report: Box<LoadReport>,
    },
    /// The load stopped before the probe could report.
    #[serde(rename_all = "camelCase")]
    Error {
        /// The library as given.
        path: String,
        /// The error with its causes, on one line.
        error: String,
        /// The exit code `load` gives this library.
        exit_code: i32,
    },
}
