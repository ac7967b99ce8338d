//! The report of `explore`: what was searched (seed, cases, coverage of what the cases
//! exercised), saved failures tried again, and the failure found with its shrunk history, the
//! broken invariants and the files written; one JSON document; JUnit XML (one test case for
//! the search, one per saved failure tried).

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::json::{Document, EXPLORE};
use super::style;
use crate::explore::{ExploreFailure, ExploreReport};

/// The coverage line: what the cases exercised, so an empty search shows.
pub fn coverage_line(report: &ExploreReport) -> String {
    let c = &report.coverage;
    format!(
        "{} rounds: {} updates, {} deletes, {} skips, {} dry runs, {} removals, {} failed rounds \
         ({} crashes), {} drifts, {} faults, {} restarts",
        c.rounds,
        c.updates,
        c.deletes,
        c.skips,
        c.dry_runs,
        c.removals,
        c.failed_rounds,
        c.crashes,
        c.drift,
        c.faults,
        c.restarts
    )
}

/// How fast the search went: ` in 1.2 s (250 cases/s)`, or nothing before a case was played.
fn rate(report: &ExploreReport) -> String {
    report.cases_per_second().map_or(String::new(), |rate| {
        format!(
            " in {:.1} s ({rate:.0} cases/s)",
            report.searched.as_secs_f64()
        )
    })
}

/// The summary line, with the search's rate in cases per second.
pub fn summary_line(report: &ExploreReport) -> String {
    let share = report
        .partition
        .as_ref()
        .map_or(String::new(), |p| format!(" (partition {p})"));
    match (&report.failure, &report.interrupted) {
        (Some(failure), _) => format!(
            "FAILED: case {} of seed {} broke an invariant; shrunk to {} operation(s){share}",
            failure.case, report.seed, failure.operations
        ),
        (None, Some(signal)) => format!(
            "INTERRUPTED by {signal} after {} of {} cases{}{share}",
            report.played,
            report.planned,
            rate(report)
        ),
        (None, None) => format!(
            "ok: {} cases of seed {}{}, no invariant broken{share}",
            report.played,
            report.seed,
            rate(report)
        ),
    }
}

fn failure_lines(failure: &ExploreFailure) -> Vec<String> {
    let mut lines: Vec<String> = failure.mismatches.iter().map(|m| m.describe()).collect();
    if let Some(error) = &failure.error {
        lines.push(format!(
            "the history could not be played to its end: {error}"
        ));
    }
    lines
}

/// The human report.
pub fn human(out: &mut dyn Write, report: &ExploreReport) -> io::Result<()> {
    writeln!(
        out,
        "explored {} ({})",
        report.library.display(),
        &report.library_sha256[..report.library_sha256.len().min(12)]
    )?;
    for retried in &report.retried {
        let (look, word) = if retried.still_fails {
            (style::ERROR, "STILL FAILS")
        } else {
            (style::GOOD, "now passes")
        };
        writeln!(
            out,
            "saved failure {}: {}{word}{}{}",
            retried.folder.display(),
            look.render(),
            look.render_reset(),
            retried
                .broken
                .as_ref()
                .map_or(String::new(), |b| format!(": {b}"))
        )?;
    }
    writeln!(out, "coverage: {}", coverage_line(report))?;
    if !report.operations.is_empty() {
        let drawn: Vec<String> = report
            .operations
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        writeln!(out, "operations drawn: {}", drawn.join(", "))?;
    }
    if let Some(failure) = &report.failure {
        writeln!(out)?;
        writeln!(
            out,
            "{}invariant broken{} by case {} (found by {}): {} operation(s) drawn, shrunk to {}",
            style::ERROR.render(),
            style::ERROR.render_reset(),
            failure.case,
            failure.found_by,
            failure.drawn_operations,
            failure.operations
        )?;
        writeln!(out, "history:")?;
        for line in &failure.history {
            writeln!(out, "  {line}")?;
        }
        writeln!(out, "broken:")?;
        for line in failure_lines(failure) {
            writeln!(out, "  {line}")?;
        }
        match &failure.scenario_file {
            Some(file) => {
                writeln!(out, "scenario: {}", file.display())?;
                writeln!(
                    out,
                    "  {}",
                    if failure.reproduced {
                        "played again: it breaks the same invariants"
                    } else {
                        "played again: it did NOT break the same invariants (nondeterministic?)"
                    }
                )?;
                writeln!(out, "reproduce: symphony-harness run {}", file.display())?;
            }
            None => writeln!(
                out,
                "{}hint{}: give `--failures DIR` to have the scenario file and bundle written",
                style::HINT.render(),
                style::HINT.render_reset()
            )?,
        }
        if let Some(bundle) = &failure.bundle {
            writeln!(out, "bundle: {}", bundle.display())?;
        }
        writeln!(out, "repeat the search: {}", report.repeat)?;
    }
    writeln!(out)?;
    let look = if report.passed() {
        style::GOOD
    } else {
        style::ERROR
    };
    writeln!(
        out,
        "{}{}{}",
        look.render(),
        summary_line(report),
        look.render_reset()
    )
}

/// The JSON document.
pub fn json(out: &mut dyn Write, report: &ExploreReport) -> io::Result<()> {
    let text = super::json::pretty(&Document::new(EXPLORE, report))?;
    writeln!(out, "{text}")
}

/// JUnit XML: the search as one test case, each saved failure tried as another.
///
/// The search's test case is named `search` (`search (partition K/N)` for a share), the same
/// for every seed, so CI can follow it across runs; the seed and the cases are in its output.
/// Failure types: `invariant-broken`, and `interrupted` (an error).
pub fn junit(out: &mut dyn Write, report: &ExploreReport) -> io::Result<()> {
    let mut junit = Report::new("symphony-harness explore");
    let mut suite = TestSuite::new(format!("explore {}", report.library.display()));
    suite
        .set_timestamp(super::junit_timestamp(report.started))
        .set_time(report.duration);
    for retried in &report.retried {
        let status = if retried.still_fails {
            let message = retried.broken.clone().unwrap_or_default();
            super::junit_failure(NonSuccessKind::Failure, "invariant-broken", message, None)
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(
            format!("saved failure {}", retried.folder.display()),
            status,
        );
        case.set_classname("explore.saved")
            .set_time(retried.duration);
        suite.add_test_case(case);
    }
    let status = match (&report.failure, &report.interrupted) {
        (Some(failure), _) => {
            let lines = failure_lines(failure);
            let mut text = format!("history:\n  {}\n", failure.history.join("\n  "));
            text.push_str(&lines.join("\n"));
            if let Some(file) = &failure.scenario_file {
                text.push_str(&format!(
                    "\nreproduce: symphony-harness run {}",
                    file.display()
                ));
            }
            let message = lines.first().cloned().unwrap_or_default();
            super::junit_failure(
                NonSuccessKind::Failure,
                "invariant-broken",
                message,
                Some(text),
            )
        }
        (None, Some(signal)) => super::junit_failure(
            NonSuccessKind::Error,
            "interrupted",
            format!("interrupted by {signal}"),
            None,
        ),
        (None, None) => TestCaseStatus::success(),
    };
    let name = match &report.partition {
        Some(partition) => format!("search (partition {partition})"),
        None => "search".to_string(),
    };
    let retried: std::time::Duration = report.retried.iter().map(|r| r.duration).sum();
    let mut case = TestCase::new(name, status);
    case.set_classname("explore.search")
        .set_time(report.duration.saturating_sub(retried))
        .set_system_out(format!(
            "seed {}: {} cases\ncoverage: {}",
            report.seed,
            report.planned,
            coverage_line(report)
        ));
    suite.add_test_case(case);
    junit.add_test_suite(suite);
    super::write_junit(out, &junit)
}
