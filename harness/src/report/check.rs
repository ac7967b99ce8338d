//! The report of `check`: results grouped by area with a summary line, what Symphony's users
//! would see and how to fix each failure, and the binding to use when nothing failed; one JSON
//! document; JUnit XML (a test suite per library, a test case per check).

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::json::{Document, CHECK};
use super::style;
use crate::check::{Area, CheckResult, Status, SuiteReport};

fn status_style(status: Status) -> anstyle::Style {
    match status {
        Status::Pass => style::GOOD,
        Status::Warn => style::WARN,
        Status::Fail => style::ERROR,
        Status::Skip => style::HINT,
    }
}

/// One line as a check ends: `PASS apply.converges: after an apply, …`.
pub fn result_line(result: &CheckResult) -> String {
    let status = result.finding.status;
    let look = status_style(status);
    format!(
        "{}{:<4}{} {}: {}",
        look.render(),
        status.as_str().to_uppercase(),
        look.render_reset(),
        result.info.id,
        result.finding.message
    )
}

/// The summary line: counts by status.
pub fn summary_line(report: &SuiteReport) -> String {
    format!(
        "{} passed, {} failed, {} warned, {} skipped",
        report.count(Status::Pass),
        report.count(Status::Fail),
        report.count(Status::Warn),
        report.count(Status::Skip)
    )
}

/// What the human report prints under a check that failed or warned: what Symphony's users
/// would see, the fix, and the evidence (at most 12 lines). Nothing for other statuses.
pub fn detail(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    if !matches!(result.finding.status, Status::Fail | Status::Warn) {
        return Ok(());
    }
    writeln!(out, "       in Symphony: {}", result.info.symptom)?;
    writeln!(
        out,
        "       {}fix: {}{}",
        style::HINT.render(),
        result.info.fix,
        style::HINT.render_reset()
    )?;
    for line in result.finding.evidence.iter().take(12) {
        writeln!(out, "       | {line}")?;
    }
    if result.finding.evidence.len() > 12 {
        writeln!(
            out,
            "       | … {} more line(s) in `--format json`",
            result.finding.evidence.len() - 12
        )?;
    }
    Ok(())
}

/// The human report of one library.
pub fn human(out: &mut dyn Write, report: &SuiteReport, deny_warnings: bool) -> io::Result<()> {
    let Some(subject) = &report.subject else {
        writeln!(
            out,
            "{}cannot check{}: {}",
            style::ERROR.render(),
            style::ERROR.render_reset(),
            report.unreadable.as_deref().unwrap_or("unreadable")
        )?;
        return Ok(());
    };
    let origin = if subject.in_process() {
        "in-process: no library".to_string()
    } else {
        format!("sha256 {}", subject.sha256)
    };
    writeln!(
        out,
        "{}{}{} ({origin}), component type `{}`",
        style::LABEL.render(),
        subject.library.display(),
        style::LABEL.render_reset(),
        subject.component_type
    )?;
    for area in Area::ALL {
        let in_area: Vec<&CheckResult> = report
            .results
            .iter()
            .filter(|r| r.info.area == area)
            .collect();
        if in_area.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n{}{}{}",
            style::LABEL.render(),
            area.as_str(),
            style::LABEL.render_reset()
        )?;
        for result in in_area {
            writeln!(out, "  {}", result_line(result))?;
            detail(out, result)?;
        }
    }
    let passed = report.passed(deny_warnings);
    let (look, verdict) = match (&report.interrupted, passed) {
        (Some(signal), _) => (style::ERROR, format!("INTERRUPTED by {signal}")),
        (None, true) => (style::GOOD, "ok".to_string()),
        (None, false) => (style::ERROR, "FAILED".to_string()),
    };
    writeln!(
        out,
        "\n{}{verdict}{}: {}",
        look.render(),
        look.render_reset(),
        summary_line(report)
    )?;
    // A binding needs a library and its hash.
    if passed && !subject.in_process() {
        let mut config = serde_json::Map::new();
        config.insert("name".into(), "provider".into());
        for (key, value) in &subject.config {
            config.insert(key.clone(), value.clone().into());
        }
        let file = subject
            .library
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        config.insert("libFile".into(), format!("/extensions/{file}").into());
        config.insert("libHash".into(), subject.sha256.clone().into());
        let binding = serde_json::json!({
            "role": subject.component_type,
            "provider": crate::model::RUST_PROVIDER,
            "config": config,
        });
        writeln!(
            out,
            "\nBind it in a Target with the verified hash:\n  {}",
            serde_json::to_string(&binding).unwrap_or_default()
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckEntry<'a> {
    id: &'static str,
    area: Area,
    title: &'static str,
    status: Status,
    message: &'a str,
    symptom: &'static str,
    fix: &'static str,
    evidence: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LibraryEntry<'a> {
    library: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    component_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<&'a str>,
    passed: bool,
    checks: Vec<CheckEntry<'a>>,
}

#[derive(Serialize)]
struct CheckDocument<'a> {
    libraries: Vec<LibraryEntry<'a>>,
    passed: bool,
}

/// The JSON document of `reports` (one per library, paired with the path checked).
pub fn json(
    out: &mut dyn Write,
    reports: &[(std::path::PathBuf, SuiteReport)],
    deny_warnings: bool,
) -> io::Result<()> {
    let libraries: Vec<LibraryEntry<'_>> = reports
        .iter()
        .map(|(path, report)| LibraryEntry {
            library: path.display().to_string(),
            sha256: report.subject.as_ref().map(|s| s.sha256.as_str()),
            component_type: report.subject.as_ref().map(|s| s.component_type.as_str()),
            unreadable: report.unreadable.as_deref(),
            passed: report.passed(deny_warnings),
            checks: report
                .results
                .iter()
                .map(|r| CheckEntry {
                    id: r.info.id.as_str(),
                    area: r.info.area,
                    title: r.info.title,
                    status: r.finding.status,
                    message: &r.finding.message,
                    symptom: r.info.symptom,
                    fix: r.info.fix,
                    evidence: &r.finding.evidence,
                })
                .collect(),
        })
        .collect();
    let document = CheckDocument {
        passed: libraries.iter().all(|l| l.passed),
        libraries,
    };
    serde_json::to_writer_pretty(&mut *out, &Document::new(CHECK, &document))?;
    writeln!(out)
}

/// JUnit XML: a test suite per library, a test case per check (`skip` is skipped; `warn` is a
/// success unless warnings are denied, then a failure). Failure types: `check-failed`,
/// `warning-denied`, and `unreadable` (an error: the library could not be read).
pub fn junit(
    out: &mut dyn Write,
    reports: &[(std::path::PathBuf, SuiteReport)],
    deny_warnings: bool,
) -> io::Result<()> {
    let mut junit = Report::new("symphony-harness check");
    for (path, report) in reports {
        let mut suite = TestSuite::new(path.display().to_string());
        suite
            .set_timestamp(super::junit_timestamp(report.started))
            .set_time(report.duration);
        if let Some(why) = &report.unreadable {
            let status =
                super::junit_failure(NonSuccessKind::Error, "unreadable", why.clone(), None);
            let mut case = TestCase::new("read", status);
            case.set_time(report.duration);
            suite.add_test_case(case);
        }
        for result in &report.results {
            let finding = &result.finding;
            let failure_type = match finding.status {
                Status::Fail => Some("check-failed"),
                Status::Warn if deny_warnings => Some("warning-denied"),
                _ => None,
            };
            let status = if let Some(failure_type) = failure_type {
                let description = format!(
                    "in Symphony: {}\nfix: {}\n{}",
                    result.info.symptom,
                    result.info.fix,
                    finding.evidence.join("\n")
                );
                super::junit_failure(
                    NonSuccessKind::Failure,
                    failure_type,
                    finding.message.clone(),
                    Some(description),
                )
            } else if finding.status == Status::Skip {
                let mut status = TestCaseStatus::skipped();
                status.set_message(finding.message.clone());
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(result.info.id.as_str(), status);
            case.set_classname(result.info.area.as_str())
                .set_time(result.duration);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    super::write_junit(out, &junit)
}
