//! The report of `run` and `replay`: a line per scenario, each failure's detail and a
//! summary for people; one JSON document (with every transcript); JUnit XML for CI.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use serde_json::Value;

use super::json::{Document, RUN};
use super::removal::{deletes_of_calls, unconfirmed, Seen, Unconfirmed};
use super::snapshot;
use super::style;
use crate::scenario::{Mismatch, ScenarioResult, ScenarioRun};
use crate::transcript::snapshot::SnapshotVerdict;
use crate::transcript::CallEntry;

/// The counts of a suite.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
}

impl Counts {
    /// The counts of `results`.
    pub fn of(results: &[ScenarioResult]) -> Counts {
        let passed = results.iter().filter(|r| r.passed()).count();
        Counts {
            passed,
            failed: results.len() - passed,
        }
    }
}

/// A round of a scenario that failed, and why: the stage, the outcome and the message (the
/// cause the expectations only show the effects of). Rounds that failed the same way one
/// after another are one entry.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FailedRound {
    /// The step, from 1 (the first, when the rounds span several).
    pub step: usize,
    /// The last step, when the rounds span several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_step: Option<usize>,
    /// The first round that failed so.
    pub round: u32,
    /// How many rounds in a row failed the same way.
    pub rounds: u32,
    /// Where: `plan`, `create-provider`, `get`, `apply`, `symphony-panic`.
    pub stage: String,
    /// How: the call's outcome (`null-provider`, `panic`, …) or `symphony`.
    pub outcome: String,
    /// The failure in words (redacted as the transcript is).
    pub message: String,
}

impl FailedRound {
    /// `round 1 (step 1) failed: create-provider of step 0 `t`/`r` [a] ended `null-provider`:
    /// …`.
    pub fn describe(&self) -> String {
        let rounds = if self.rounds > 1 {
            format!("rounds {} to {}", self.round, self.round + self.rounds - 1)
        } else {
            format!("round {}", self.round)
        };
        let steps = match self.last_step {
            Some(last) => format!("steps {} to {last}", self.step),
            None => format!("step {}", self.step),
        };
        format!("{rounds} ({steps}) failed: {}", self.message)
    }
}

/// Every failed round of `run`, in order.
pub fn failed_rounds(run: &ScenarioRun) -> Vec<FailedRound> {
    let mut failed: Vec<(FailedRound, &crate::engine::reconcile::Failure)> = Vec::new();
    for step in &run.transcript.steps {
        for round in &step.rounds {
            let Some(failure) = &round.failure else {
                continue;
            };
            if let Some((last, before)) = failed.last_mut() {
                if last.round + last.rounds == round.round && before.same_as(failure) {
                    last.rounds += 1;
                    if step.step != last.step {
                        last.last_step = Some(step.step);
                    }
                    continue;
                }
            }
            failed.push((
                FailedRound {
                    step: step.step,
                    last_step: None,
                    round: round.round,
                    rounds: 1,
                    stage: failure.stage.to_string(),
                    outcome: failure.outcome.to_string(),
                    message: run.redact(&failure.describe()),
                },
                failure,
            ));
        }
    }
    failed.into_iter().map(|(round, _)| round).collect()
}

/// The deletes of each removal of `run` that nothing confirms (`apply` gave no result, or
/// `get` never reported the component), with the step and round of the removal.
pub fn unconfirmed_removals(run: &ScenarioRun) -> Vec<UnconfirmedRemoval> {
    let mut seen = Seen::default();
    let mut found = Vec::new();
    for step in &run.transcript.steps {
        for round in &step.rounds {
            let calls: Vec<&CallEntry> = step
                .calls()
                .filter(|(number, _)| *number == round.round)
                .map(|(_, call)| call)
                .collect();
            for call in &calls {
                seen.call(call);
            }
            if !round.remove || round.failure.is_some() || !step.left_after_removal.is_empty() {
                continue;
            }
            for delete in unconfirmed(&deletes_of_calls(calls), &seen) {
                found.push(UnconfirmedRemoval {
                    step: step.step,
                    round: round.round,
                    delete,
                });
            }
        }
    }
    found
}

/// A delete of a scenario's removal that nothing confirms.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UnconfirmedRemoval {
    /// The step, from 1.
    pub step: usize,
    /// The removal's round.
    pub round: u32,
    /// The delete, and what is missing.
    #[serde(flatten)]
    pub delete: Unconfirmed,
}

impl UnconfirmedRemoval {
    /// `step 2's removal (round 3) is not confirmed: `web` on `edge`: …`.
    pub fn describe(&self) -> String {
        format!(
            "step {}'s removal (round {}) is not confirmed: {}",
            self.step,
            self.round,
            self.delete.describe()
        )
    }
}

/// The reasons a scenario failed, one line each: every expectation that did not hold, why it
/// stopped, every failed round's cause.
pub fn failure_lines(result: &ScenarioResult) -> Vec<String> {
    let mut lines = Vec::new();
    match &result.run {
        Err(error) => lines.push(format!("could not be played: {error}")),
        Ok(run) => {
            lines.extend(run.mismatches.iter().map(Mismatch::describe));
            if let Some(error) = &run.error {
                lines.push(format!("stopped before its end: {error}"));
            }
            lines.extend(failed_rounds(run).iter().map(FailedRound::describe));
        }
    }
    if let Some(difference) = &result.nondeterministic {
        lines.push(format!("not deterministic: {difference}"));
    }
    if result.strict {
        lines.extend(
            result
                .warnings()
                .iter()
                .map(|warning| format!("warning, an error under --strict: {warning}")),
        );
    }
    lines.extend(result.snapshot.as_ref().and_then(snapshot::failure_line));
    lines
}

/// One line as a scenario ends: `PASS name` or `FAIL name`, with the step count.
pub fn result_line(result: &ScenarioResult) -> String {
    let steps = result
        .run
        .as_ref()
        .ok()
        .map_or(0, |run| run.transcript.steps.len());
    if result.passed() {
        // A snapshot written this run is news; one that matched is not.
        let written = match result.snapshot.as_ref().map(SnapshotVerdict::name) {
            Some(name @ ("updated" | "created")) => format!(", snapshot {name}"),
            _ => String::new(),
        };
        format!(
            "{}PASS{} {} ({steps} steps{written})",
            style::GOOD.render(),
            style::GOOD.render_reset(),
            result.name
        )
    } else {
        format!(
            "{}FAIL{} {}",
            style::ERROR.render(),
            style::ERROR.render_reset(),
            result.name
        )
    }
}

/// What the human report prints under a failed scenario's name, each line after `indent`:
/// what it pins, why it failed, and the command that reproduces it.
pub fn failure_detail(
    out: &mut dyn Write,
    result: &ScenarioResult,
    indent: &str,
) -> io::Result<()> {
    writeln!(out, "{indent}pins: {}", result.description)?;
    for line in failure_lines(result) {
        writeln!(out, "{indent}{line}")?;
    }
    if let Some(verdict) = result.snapshot.as_ref().filter(|v| v.fails) {
        snapshot::diff_lines(out, verdict, &format!("{indent}  "))?;
    }
    if let Some(bundle) = &result.bundle {
        writeln!(
            out,
            "{indent}{}reproduce: symphony-harness replay {}{}",
            style::HINT.render(),
            bundle.display(),
            style::HINT.render_reset()
        )?;
    }
    if let Some(error) = &result.bundle_error {
        writeln!(out, "{indent}no reproduction bundle: {error}")?;
    }
    Ok(())
}

/// The human report after the per-scenario lines: each passing scenario's warnings and
/// removals nothing confirms, each failure's detail, then the summary.
pub fn human_summary(out: &mut dyn Write, results: &[ScenarioResult]) -> io::Result<()> {
    for result in results.iter().filter(|r| r.passed()) {
        for removal in result.run.iter().flat_map(unconfirmed_removals) {
            writeln!(
                out,
                "\n{}note{}: `{}` passes, but {}",
                style::WARN.render(),
                style::WARN.render_reset(),
                result.name,
                removal.describe()
            )?;
        }
        for warning in result.warnings() {
            writeln!(
                out,
                "\n{}warning{}: `{}` passes, but {warning}\n  {}hint: give it an expectation \
                 (`expect.outcome`), or run with --strict to fail it{}",
                style::WARN.render(),
                style::WARN.render_reset(),
                result.name,
                style::HINT.render(),
                style::HINT.render_reset()
            )?;
        }
    }
    for result in results.iter().filter(|r| !r.passed()) {
        writeln!(
            out,
            "\n{}{}{} ({})",
            style::LABEL.render(),
            result.name,
            style::LABEL.render_reset(),
            result.path.display()
        )?;
        failure_detail(out, result, "  ")?;
    }
    let counts = Counts::of(results);
    let (look, verdict) = style::verdict(counts.failed == 0);
    writeln!(
        out,
        "\n{}{verdict}{}: {} passed, {} failed, {} scenario(s)",
        look.render(),
        look.render_reset(),
        counts.passed,
        counts.failed,
        results.len()
    )?;
    if let Some(line) = snapshot::counts_line(results) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One scenario in the JSON document.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct ScenarioEntry<'a> {
    name: &'a str,
    file: String,
    description: &'a str,
    passed: bool,
    failures: Vec<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mismatches: Vec<&'a Mismatch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failed_rounds: Vec<FailedRound>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    removal_unconfirmed: Vec<UnconfirmedRemoval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    library_sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transcript: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<&'a SnapshotVerdict>,
}

/// The `run` JSON document.
#[derive(Serialize, Debug)]
struct RunDocument<'a> {
    scenarios: Vec<ScenarioEntry<'a>>,
    #[serde(flatten)]
    counts: Counts,
}

/// Writes the JSON document of `results`.
pub fn json(out: &mut dyn Write, results: &[ScenarioResult]) -> io::Result<()> {
    let scenarios = results
        .iter()
        .map(|result| {
            let run = result.run.as_ref().ok();
            ScenarioEntry {
                name: &result.name,
                file: result.path.display().to_string(),
                description: &result.description,
                passed: result.passed(),
                failures: failure_lines(result),
                warnings: result.warnings(),
                mismatches: run
                    .map(|r| r.mismatches.iter().collect())
                    .unwrap_or_default(),
                failed_rounds: run.map(failed_rounds).unwrap_or_default(),
                removal_unconfirmed: run.map(unconfirmed_removals).unwrap_or_default(),
                bundle: result.bundle.as_ref().map(|b| b.display().to_string()),
                library_sha256: run.map(|r| r.library_sha256.as_str()),
                transcript: run.map(ScenarioRun::transcript_json),
                snapshot: result.snapshot.as_ref(),
            }
        })
        .collect();
    let document = RunDocument {
        scenarios,
        counts: Counts::of(results),
    };
    serde_json::to_writer_pretty(&mut *out, &Document::new(RUN, &document))?;
    writeln!(out)
}

/// Writes JUnit XML: one test suite `scenarios`, one test case per scenario; a failure's
/// message is its first reason, its text every reason (and the reproduction command).
/// Failure types: `unplayable` (the scenario could not be played), `scenario-failed` (an
/// expectation or a call failed), `nondeterministic` (two runs differed), `snapshot-differs`,
/// `snapshot-missing`, `snapshot-error` (its transcript against its snapshot),
/// `warning-denied` (a warning under `--strict`). With `--snapshots`, each test case has a
/// property `snapshot`: the snapshot verdict (`matched`, `updated`, `created`, `differs`,
/// `missing` or `error`).
pub fn junit(out: &mut dyn Write, results: &[ScenarioResult]) -> io::Result<()> {
    let mut report = Report::new("symphony-harness run");
    let mut suite = TestSuite::new("scenarios");
    for result in results {
        let status = if result.passed() {
            TestCaseStatus::success()
        } else {
            let lines = failure_lines(result);
            let mut text = lines.join("\n");
            if let Some(bundle) = &result.bundle {
                text.push_str(&format!(
                    "\nreproduce: symphony-harness replay {}",
                    bundle.display()
                ));
            }
            let snapshot_failed = result.snapshot.as_ref().filter(|v| v.fails);
            let failure_type = match (&result.run, snapshot_failed) {
                (Err(_), _) => "unplayable",
                (Ok(run), _) if !run.passed() => "scenario-failed",
                (Ok(_), _) if result.nondeterministic.is_some() => "nondeterministic",
                (Ok(_), Some(verdict)) => match verdict.name() {
                    "differs" => "snapshot-differs",
                    "missing" => "snapshot-missing",
                    _ => "snapshot-error",
                },
                // It ran and held, so a warning failed it (`--strict`).
                (Ok(_), None) => "warning-denied",
            };
            super::junit_failure(
                NonSuccessKind::Failure,
                failure_type,
                lines.first().cloned().unwrap_or_default(),
                Some(text),
            )
        };
        let mut case = TestCase::new(result.name.clone(), status);
        case.set_classname(result.path.display().to_string())
            .set_time(result.duration);
        if let Some(verdict) = &result.snapshot {
            case.add_property(quick_junit::Property::new("snapshot", verdict.name()));
        }
        suite.add_test_case(case);
    }
    // The suite ran from its first scenario's start to its last one's end (in parallel with
    // `--jobs`: less than the sum of their times).
    if let Some(first) = results.iter().map(|r| r.started).min() {
        let end = results.iter().map(|r| r.started + r.duration).max();
        let span = end.and_then(|end| end.duration_since(first).ok());
        suite
            .set_timestamp(super::junit_timestamp(first))
            .set_time(span.unwrap_or_default());
    }
    report.add_test_suite(suite);
    super::write_junit(out, &report)
}
