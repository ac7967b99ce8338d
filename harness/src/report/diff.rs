//! The report of `diff`: both builds, their facts side by side, the differences grouped by
//! kind (regressed, fixed, changed), each with its first input, both builds' evidence, its
//! scenario file and the command that shows it again, and a verdict line; one JSON document;
//! JUnit XML (a test case per input, failing on a regression).

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::json::{Document, DIFF};
use super::style;
use crate::diff::{Build, Change, DiffReport, Difference, InputDiff, Kind};

/// The most evidence lines a difference shows per build in the human report.
const EVIDENCE_LINES: usize = 6;
/// The widest fact value shown in full in the human report.
const FACT_CHARS: usize = 48;

fn kind_style(kind: Kind) -> anstyle::Style {
    match kind {
        Kind::Regressed => style::ERROR,
        Kind::Fixed => style::GOOD,
        Kind::Changed => style::WARN,
    }
}

/// What was played, in words: `the library facts, 27 checks, 1 scenario and 32 histories
/// (seed 0)`.
fn played_text(report: &DiffReport) -> String {
    let p = report.played;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "the library facts, {}, {} and {} (seed {})",
        plural(p.checks, "check", "checks"),
        plural(p.scenarios, "scenario", "scenarios"),
        plural(p.histories, "history", "histories"),
        report.seed
    )
}

/// The verdict line: `REGRESSED: 2 regressed, 0 fixed, 1 changed …`, or `no observable
/// change: …`.
pub fn summary_line(report: &DiffReport) -> String {
    let counts = format!(
        "{} regressed, {} fixed, {} changed",
        report.count(Kind::Regressed),
        report.count(Kind::Fixed),
        report.count(Kind::Changed)
    );
    let word = match (
        &report.interrupted,
        report.no_change(),
        report.count(Kind::Regressed),
    ) {
        (Some(signal), _, _) => format!("INTERRUPTED by {signal}: {counts} so far"),
        (None, true, _) => {
            return format!(
                "no observable change: {} played alike on both builds",
                played_text(report)
            )
        }
        (None, false, 0) => format!("CHANGED: {counts}"),
        (None, false, _) => format!("REGRESSED: {counts}"),
    };
    format!("{word}, in {}", played_text(report))
}

fn build_line(out: &mut dyn Write, side: &str, build: &Build) -> io::Result<()> {
    let config = if build.config.is_empty() {
        String::new()
    } else {
        let entries: Vec<String> = build
            .config
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(", config {}", entries.join(" "))
    };
    writeln!(
        out,
        "{}{side}:{} {} (sha256 {}){config}",
        style::LABEL.render(),
        style::LABEL.render_reset(),
        build.library.display(),
        &build.sha256[..build.sha256.len().min(12)]
    )
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(FACT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn facts(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    writeln!(
        out,
        "\n{}inspect{}",
        style::LABEL.render(),
        style::LABEL.render_reset()
    )?;
    let width = report.facts.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for fact in &report.facts {
        if fact.same() {
            writeln!(out, "  {:<width$}  {} (same)", fact.name, cut(&fact.old))?;
        } else {
            writeln!(
                out,
                "  {:<width$}  {} -> {}{}{}",
                fact.name,
                cut(&fact.old),
                style::WARN.render(),
                cut(&fact.new),
                style::WARN.render_reset()
            )?;
        }
    }
    Ok(())
}

fn difference(out: &mut dyn Write, difference: &Difference) -> io::Result<()> {
    writeln!(out, "  {}: {}", difference.area.as_str(), difference.what)?;
    let more = match difference.inputs {
        1 => String::new(),
        n => format!(" (and {} more input(s))", n - 1),
    };
    let at = difference
        .at
        .as_ref()
        .map_or(String::new(), |at| format!(", {at}"));
    writeln!(
        out,
        "      first in: {}{at}{more}",
        difference.first_input.label()
    )?;
    for (side, lines) in [("old", &difference.old), ("new", &difference.new)] {
        for line in lines.iter().take(EVIDENCE_LINES) {
            writeln!(out, "      {side} | {line}")?;
        }
        if lines.len() > EVIDENCE_LINES {
            writeln!(
                out,
                "      {side} | … {} more line(s) in `--format json`",
                lines.len() - EVIDENCE_LINES
            )?;
        }
    }
    if let Some(file) = &difference.scenario_file {
        writeln!(out, "      scenario: {}", file.display())?;
    }
    writeln!(
        out,
        "      {}reproduce: {}{}",
        style::HINT.render(),
        difference.reproduce,
        style::HINT.render_reset()
    )
}

/// The human report.
pub fn human(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    build_line(out, "old", &report.old)?;
    build_line(out, "new", &report.new)?;
    facts(out, report)?;
    for kind in Kind::ALL {
        let group: Vec<&Difference> = report
            .differences
            .iter()
            .filter(|d| d.kind == kind)
            .collect();
        if group.is_empty() {
            continue;
        }
        let look = kind_style(kind);
        writeln!(
            out,
            "\n{}{} ({}){}",
            look.render(),
            kind.as_str().to_uppercase(),
            group.len(),
            look.render_reset()
        )?;
        for d in group {
            difference(out, d)?;
        }
    }
    let look = match (report.no_change(), report.count(Kind::Regressed)) {
        (true, _) => style::GOOD,
        (false, 0) => style::WARN,
        (false, _) => style::ERROR,
    };
    for input in &report.inputs {
        if let Some(why) = &input.unplayed {
            super::text::warning(
                out,
                &format!(
                    "{} compares nothing: it could be played on neither build: {why}",
                    input.input.label()
                ),
            )?;
        }
    }
    writeln!(
        out,
        "\n{}{}{}",
        look.render(),
        summary_line(report),
        look.render_reset()
    )?;
    if report.no_change() && report.same_bytes() {
        writeln!(out, "(both libraries have the same bytes)")?;
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    regressed: usize,
    fixed: usize,
    changed: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffDocument<'a> {
    no_change: bool,
    counts: Counts,
    #[serde(flatten)]
    report: &'a DiffReport,
}

/// The JSON document.
pub fn json(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    let document = DiffDocument {
        no_change: report.no_change(),
        counts: Counts {
            regressed: report.count(Kind::Regressed),
            fixed: report.count(Kind::Fixed),
            changed: report.count(Kind::Changed),
        },
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &Document::new(DIFF, &document))?;
    writeln!(out)
}

/// A change and its evidence, as a JUnit body.
fn change_text(change: &Change) -> String {
    let at = change
        .at
        .as_ref()
        .map_or(String::new(), |at| format!(" ({at})"));
    let mut text = format!(
        "{} {}: {}{at}\n",
        change.kind.as_str(),
        change.area.as_str(),
        change.what
    );
    for (side, lines) in [("old", &change.old), ("new", &change.new)] {
        for line in lines {
            text.push_str(&format!("  {side} | {line}\n"));
        }
    }
    text
}

fn test_case(input: &InputDiff) -> TestCase {
    let body: String = input.changes.iter().map(change_text).collect();
    let status = match input.changes.iter().find(|c| c.kind == Kind::Regressed) {
        Some(first) => super::junit_failure(
            NonSuccessKind::Failure,
            "regressed",
            format!("regressed: {}", first.what),
            Some(body.clone()),
        ),
        None => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(input.input.label(), status);
    case.set_classname(format!("diff.{}", input.input.kind.as_str()));
    if !body.is_empty() && !input.regressed() {
        case.set_system_out(body);
    }
    case
}

/// JUnit XML: one test suite, a test case per input (failing when it shows a regression;
/// its other changes in its output).
pub fn junit(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    let mut junit = Report::new("symphony-harness diff");
    let mut suite = TestSuite::new(format!(
        "diff {} -> {}",
        report.old.library.display(),
        report.new.library.display()
    ));
    for input in &report.inputs {
        suite.add_test_case(test_case(input));
    }
    junit.add_test_suite(suite);
    super::write_junit(out, &junit)
}
