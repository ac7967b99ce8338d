//! The report of `check`: results grouped by area with a summary line, what Symphony's users
//! would see and how to fix each failure, and the binding to use when nothing failed; one JSON
//! document; JUnit XML (a test suite per library, a test case per check).

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::json::{Document, CHECK};
use super::style;
use crate::check::cause::Call;
use crate::check::{Area, CauseEntry, CauseKind, CheckResult, Status, SuiteReport};

fn status_style(status: Status) -> anstyle::Style {
    match status {
        Status::Pass => style::GOOD,
        Status::Warn => style::WARN,
        Status::Fail => style::ERROR,
        Status::Skip => style::HINT,
    }
}

/// One line as a check ends: `PASS apply.converges: after an apply, …` (a message of several
/// lines goes on indented under it).
pub fn result_line(result: &CheckResult) -> String {
    let status = result.finding.status;
    let look = status_style(status);
    format!(
        "{}{:<4}{} {}: {}",
        look.render(),
        status.as_str().to_uppercase(),
        look.render_reset(),
        result.info.id,
        indent_lines(&result.finding.message, "       ")
    )
}

/// `text` with every line after the first starting with `indent` (provider output and loader
/// messages can hold several lines).
pub fn indent_lines(text: &str, indent: &str) -> String {
    let text = text.trim_end_matches('\n');
    text.replace('\n', &format!("\n{indent}"))
}

/// The summary line: counts by status, and how many skips causes decided.
pub fn summary_line(report: &SuiteReport) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} warned, {} skipped",
        report.count(Status::Pass),
        report.count(Status::Fail),
        report.count(Status::Warn),
        report.count(Status::Skip)
    );
    let not_judged = report.not_judged();
    if not_judged > 0 {
        let causes = report.causes();
        let weighing = |status: Status| causes.iter().filter(|c| c.status == status).count();
        let weights: Vec<String> = [
            (weighing(Status::Fail), "failing"),
            (weighing(Status::Warn), "warning"),
        ]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, weight)| format!("{count} {weight}"))
        .collect();
        line.push_str(&format!(
            " ({not_judged} of them not judged, for {} cause{})",
            weights.join(" and "),
            if causes.len() == 1 { "" } else { "s" }
        ));
    }
    line
}

/// Evidence lines, at most 12 (a line of several lines indented as one).
fn evidence(out: &mut dyn Write, lines: &[String]) -> io::Result<()> {
    for line in lines.iter().take(12) {
        writeln!(out, "       | {}", indent_lines(line, "       |   "))?;
    }
    if lines.len() > 12 {
        writeln!(
            out,
            "       | … {} more line(s) in `--format json`",
            lines.len() - 12
        )?;
    }
    Ok(())
}

/// `in Symphony: …` and `fix: …`.
fn symptom_and_fix(out: &mut dyn Write, symptom: &str, fix: &str) -> io::Result<()> {
    writeln!(out, "       in Symphony: {symptom}")?;
    writeln!(
        out,
        "       {}fix: {fix}{}",
        style::HINT.render(),
        style::HINT.render_reset()
    )
}

/// What the human report prints under a check, self-contained (as `check --watch` shows a
/// changed check alone): for a failure or warning, what Symphony's users would see, the fix
/// (the cause's, when a cause decided it) and the evidence (at most 12 lines); notes under
/// any status.
pub fn detail(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    detail_with(out, result, false)
}

/// [`detail`]; with `causes_above`, a finding a cause decided only points at the cause (the
/// report stated it first).
fn detail_with(out: &mut dyn Write, result: &CheckResult, causes_above: bool) -> io::Result<()> {
    let finding = &result.finding;
    for note in &finding.notes {
        writeln!(out, "       note: {}", indent_lines(note, "             "))?;
    }
    if !matches!(finding.status, Status::Fail | Status::Warn) {
        return Ok(());
    }
    match (&finding.cause, result.advice()) {
        (Some(cause), _) if causes_above => {
            writeln!(out, "       cause `{}` above", cause.id())?;
        }
        (Some(cause), _) => {
            writeln!(
                out,
                "       cause `{}`: {}",
                cause.id(),
                cause.kind.summary()
            )?;
            symptom_and_fix(out, &cause.kind.in_symphony(), &cause.fix())?;
        }
        (None, Some((symptom, fix))) => symptom_and_fix(out, symptom, fix)?,
        (None, None) => {}
    }
    evidence(out, &finding.evidence)
}

/// The causes, each once: its status, id and what was seen, what Symphony does about it, the
/// fix, and the checks it decided.
fn causes(out: &mut dyn Write, report: &SuiteReport) -> io::Result<()> {
    let causes = report.causes();
    if causes.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n{}causes{}: each decides several checks below",
        style::LABEL.render(),
        style::LABEL.render_reset()
    )?;
    for entry in &causes {
        let look = status_style(entry.status);
        writeln!(
            out,
            "  {}{:<4}{} {}: {}: {}",
            look.render(),
            entry.status.as_str().to_uppercase(),
            look.render_reset(),
            entry.cause.id(),
            entry.cause.kind.summary(),
            indent_lines(&entry.cause.seen, "       ")
        )?;
        symptom_and_fix(out, &entry.cause.kind.in_symphony(), &entry.cause.fix())?;
        let ids = |list: &[crate::check::CheckId]| {
            list.iter()
                .map(|id| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !entry.found_by.is_empty() {
            writeln!(out, "       found by: {}", ids(&entry.found_by))?;
        }
        if !entry.explains.is_empty() {
            writeln!(
                out,
                "       not judged because of it: {}",
                ids(&entry.explains)
            )?;
        }
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
        "{}{}{} ({origin}), component type `{}`, checked against Symphony {} (`--symphony`)",
        style::LABEL.render(),
        subject.library.display(),
        style::LABEL.render_reset(),
        subject.component_type,
        subject.symphony.as_str()
    )?;
    causes(out, report)?;
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
            detail_with(out, result, true)?;
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
        binding(out, subject)?;
    }
    Ok(())
}

/// The Target binding to use, with the verified hash.
fn binding(out: &mut dyn Write, subject: &crate::subject::Subject) -> io::Result<()> {
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
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckEntry<'a> {
    id: &'static str,
    area: Area,
    title: &'static str,
    status: Status,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    symptom: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<String>,
    evidence: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

impl<'a> CheckEntry<'a> {
    fn of(result: &'a CheckResult) -> CheckEntry<'a> {
        let advice = result.advice();
        CheckEntry {
            id: result.info.id.as_str(),
            area: result.info.area,
            title: result.info.title,
            status: result.finding.status,
            message: &result.finding.message,
            symptom: advice.map(|(symptom, _)| symptom),
            fix: advice.map(|(_, fix)| fix),
            cause: result.finding.cause.as_ref().map(|cause| cause.id()),
            evidence: &result.finding.evidence,
            notes: &result.finding.notes,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CauseJson {
    id: String,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<Call>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
    summary: String,
    seen: String,
    symphony: String,
    fix: String,
    found_by: Vec<&'static str>,
    explains: Vec<&'static str>,
}

impl CauseJson {
    fn of(entry: &CauseEntry) -> CauseJson {
        let kind = entry.cause.kind;
        let (call, outcome) = match kind {
            CauseKind::Call { call, outcome } => (Some(call), Some(outcome.as_str())),
            _ => (None, None),
        };
        let ids = |list: &[crate::check::CheckId]| list.iter().map(|id| id.as_str()).collect();
        CauseJson {
            id: entry.cause.id(),
            status: entry.status,
            call,
            outcome,
            summary: kind.summary(),
            seen: entry.cause.seen.clone(),
            symphony: kind.in_symphony(),
            fix: entry.cause.fix(),
            found_by: ids(&entry.found_by),
            explains: ids(&entry.explains),
        }
    }
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
    symphony: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<&'a str>,
    passed: bool,
    causes: Vec<CauseJson>,
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
            symphony: report.subject.as_ref().map(|s| s.symphony.as_str()),
            unreadable: report.unreadable.as_deref(),
            passed: report.passed(deny_warnings),
            causes: report.causes().iter().map(CauseJson::of).collect(),
            checks: report.results.iter().map(CheckEntry::of).collect(),
        })
        .collect();
    let document = CheckDocument {
        passed: libraries.iter().all(|l| l.passed),
        libraries,
    };
    serde_json::to_writer_pretty(&mut *out, &Document::new(CHECK, &document))?;
    writeln!(out)
}

/// The JUnit failure type of a result with `status`, if it fails the run: `check-failed`, or
/// `warning-denied` (a warning under `--deny-warnings`).
fn failure_type(status: Status, deny_warnings: bool) -> Option<&'static str> {
    match status {
        Status::Fail => Some("check-failed"),
        Status::Warn if deny_warnings => Some("warning-denied"),
        _ => None,
    }
}

/// The JUnit test case of a cause (`cause.<id>`, class `causes`): a failure when it fails the
/// run. Its time is zero: a cause is what checks found, it took no time of its own.
fn cause_case(entry: &CauseEntry, deny_warnings: bool) -> TestCase {
    let status = match failure_type(entry.status, deny_warnings) {
        Some(failure_type) => {
            let ids = |list: &[crate::check::CheckId]| {
                list.iter()
                    .map(|id| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            super::junit_failure(
                NonSuccessKind::Failure,
                failure_type,
                format!("{}: {}", entry.cause.kind.summary(), entry.cause.seen),
                Some(format!(
                    "in Symphony: {}\nfix: {}\nfound by: {}\nnot judged because of it: {}",
                    entry.cause.kind.in_symphony(),
                    entry.cause.fix(),
                    ids(&entry.found_by),
                    ids(&entry.explains)
                )),
            )
        }
        None => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(format!("cause.{}", entry.cause.id()), status);
    case.set_classname("causes")
        .set_time(std::time::Duration::ZERO);
    case
}

/// The JUnit status of one check's result.
fn check_status(result: &CheckResult, deny_warnings: bool) -> TestCaseStatus {
    let finding = &result.finding;
    if let Some(failure_type) = failure_type(finding.status, deny_warnings) {
        let texts = match (&finding.cause, result.advice()) {
            (Some(cause), _) => format!("cause `{}`: {}", cause.id(), cause.kind.summary()),
            (None, Some((symptom, fix))) => format!("in Symphony: {symptom}\nfix: {fix}"),
            (None, None) => String::new(),
        };
        super::junit_failure(
            NonSuccessKind::Failure,
            failure_type,
            finding.message.clone(),
            Some(format!("{texts}\n{}", finding.evidence.join("\n"))),
        )
    } else if finding.status == Status::Skip {
        let mut status = TestCaseStatus::skipped();
        status.set_message(finding.message.clone());
        status
    } else {
        TestCaseStatus::success()
    }
}

/// JUnit XML: a test suite per library, a test case per cause (`cause.<id>`, first) and per
/// check (`skip` is skipped, a check a cause decided with the cause named; `warn` is a success
/// unless warnings are denied, then a failure). Failure types: `check-failed`,
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
        for entry in report.causes() {
            suite.add_test_case(cause_case(&entry, deny_warnings));
        }
        for result in &report.results {
            let mut case =
                TestCase::new(result.info.id.as_str(), check_status(result, deny_warnings));
            case.set_classname(result.info.area.as_str())
                .set_time(result.duration);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    super::write_junit(out, &junit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, CATALOG};

    fn plain(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
    }

    #[test]
    fn a_message_or_evidence_of_several_lines_is_indented_under_its_check() {
        let result = CheckResult {
            info: &CATALOG[0],
            finding: Finding::fail("it said:\nfirst\nsecond\n")
                .with_evidence(vec!["provider stderr: one\ntwo".to_string()]),
            duration: std::time::Duration::ZERO,
        };
        assert_eq!(
            anstream::adapter::strip_str(&result_line(&result)).to_string(),
            "FAIL build.abi: it said:\n       first\n       second"
        );
        let detail = plain(|out| detail(out, &result));
        assert!(
            detail.ends_with("       | provider stderr: one\n       |   two\n"),
            "{detail}"
        );
    }

    #[test]
    fn a_finding_a_cause_decided_prints_the_causes_texts_alone_never_its_rows() {
        let cause = crate::check::Cause::call(
            crate::check::cause::Call::Apply,
            crate::engine::Outcome::Panic,
            "`apply` of `a` ended `panic`",
        );
        let info = crate::check::catalog::CheckId::DryRunNoChange.info();
        let owner = CheckResult {
            info,
            finding: Finding::fail("`apply` panicked").with_cause(cause),
            duration: std::time::Duration::ZERO,
        };
        let text = plain(|out| detail(out, &owner));
        assert!(
            text.contains("cause `apply-panic`: `apply` panics"),
            "{text}"
        );
        assert!(text.contains("symphony-api process aborts"), "{text}");
        assert!(!text.contains(info.symptom), "{text}");
        assert_eq!(owner.advice(), None);
    }
}
