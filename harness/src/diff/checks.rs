//! The conformance suite on both builds, compared check by check: by [`CheckId`] and verdict
//! (a check's status; a check a cause decided is `not judged` and weighs as its cause), its
//! message and evidence shown, not compared.

use super::change::{Area, Change, Kind};
use super::input::{Input, InputDiff};
use crate::check::{CheckResult, Status, SuiteReport, CATALOG};

/// How many evidence lines of a check each side shows.
const EVIDENCE_LINES: usize = 8;

/// How bad a status is (higher is worse); a skip is not ranked.
fn rank(status: Status) -> Option<u8> {
    match status {
        Status::Pass => Some(0),
        Status::Warn => Some(1),
        Status::Fail => Some(2),
        Status::Skip => None,
    }
}

/// A check's verdict and its rank: its status, or for a check a cause decided (not judged)
/// `not judged (cause `id`)`, ranked as the cause's status: a check that passed and is now
/// decided by a failing cause regressed.
fn verdict(result: Option<&CheckResult>) -> (String, Option<u8>) {
    let Some(result) = result else {
        return ("not run".to_string(), None);
    };
    let finding = &result.finding;
    match &finding.cause {
        Some(cause) if finding.status == Status::Skip => (
            format!("not judged (cause `{}`)", cause.id()),
            rank(cause.kind.status()),
        ),
        _ => (finding.status.as_str().to_string(), rank(finding.status)),
    }
}

/// What Symphony's users see of a result, as `check` chose it from the evidence: its cause's
/// consequence, or the check's own advice; `None` when it has neither (a pass).
fn in_symphony(result: &CheckResult) -> Option<String> {
    match (&result.finding.cause, result.advice()) {
        (Some(cause), _) => Some(cause.kind.in_symphony()),
        (None, Some((symptom, _))) => Some(symptom.to_string()),
        (None, None) => None,
    }
}

/// A result's message and first evidence lines.
fn evidence(result: Option<&CheckResult>) -> Vec<String> {
    let Some(result) = result else {
        return vec!["not run".to_string()];
    };
    let finding = &result.finding;
    let mut lines = vec![format!("{}: {}", finding.status.as_str(), finding.message)];
    if let Some(cause) = finding
        .cause
        .as_ref()
        .filter(|_| finding.status != Status::Skip)
    {
        lines.push(format!("cause `{}`: {}", cause.id(), cause.kind.summary()));
    }
    lines.extend(finding.evidence.iter().take(EVIDENCE_LINES).cloned());
    if finding.evidence.len() > EVIDENCE_LINES {
        lines.push(format!(
            "… {} more line(s): `symphony-harness check --only {}`",
            finding.evidence.len() - EVIDENCE_LINES,
            result.info.id
        ));
    }
    lines
}

/// Every check that ran on either build, in catalog order, with its verdict on each and the
/// change when the verdict differs: worse regresses, better fixes, to or from a skip no cause
/// decided (or a check run on one build only) changes.
pub fn check_diffs(old: &SuiteReport, new: &SuiteReport) -> Vec<InputDiff> {
    let find = |report: &'_ SuiteReport, id: &str| {
        report.results.iter().find(|r| r.info.id == id).cloned()
    };
    CATALOG
        .iter()
        .filter_map(|info| {
            let id = info.id.as_str();
            let (before, after) = (find(old, id), find(new, id));
            if before.is_none() && after.is_none() {
                return None;
            }
            let ((old_text, old_rank), (new_text, new_rank)) =
                (verdict(before.as_ref()), verdict(after.as_ref()));
            let mut changes = Vec::new();
            if old_text != new_text {
                let kind = Kind::by_rank(old_rank, new_rank);
                let mut new_lines = evidence(after.as_ref());
                if let Some(symptom) = after
                    .as_ref()
                    .and_then(in_symphony)
                    .filter(|_| kind == Kind::Regressed)
                {
                    new_lines.insert(1, format!("in Symphony: {symptom}"));
                }
                changes.push(
                    Change::new(
                        kind,
                        Area::Check,
                        format!("`{id}`: {old_text} -> {new_text}"),
                    )
                    .evidence(evidence(before.as_ref()), new_lines),
                );
            }
            Some(InputDiff {
                input: Input::check(id),
                old: old_text,
                new: new_text,
                changes,
                unplayed: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Finding;

    fn report(results: &[(&str, Status)]) -> SuiteReport {
        SuiteReport {
            subject: None,
            unreadable: None,
            results: results
                .iter()
                .map(|(id, status)| CheckResult {
                    info: CATALOG.iter().find(|info| info.id == *id).unwrap(),
                    finding: Finding::new(*status, format!("{id} message")),
                    duration: std::time::Duration::ZERO,
                })
                .collect(),
            interrupted: None,
            started: std::time::SystemTime::UNIX_EPOCH,
            duration: std::time::Duration::ZERO,
        }
    }

    /// A row: the two runs, and `(id, old, new, kind of change)` for every check that ran.
    struct Row {
        name: &'static str,
        old: Vec<(&'static str, Status)>,
        new: Vec<(&'static str, Status)>,
        expected: Vec<(&'static str, &'static str, &'static str, Option<Kind>)>,
    }

    #[test]
    fn checks_compare_by_id_and_status() {
        use Status::{Fail, Pass, Skip, Warn};
        let rows = [
            Row {
                name: "the same statuses: no change",
                old: vec![("apply.converges", Pass), ("build.abi", Fail)],
                new: vec![("apply.converges", Pass), ("build.abi", Fail)],
                expected: vec![
                    ("build.abi", "fail", "fail", None),
                    ("apply.converges", "pass", "pass", None),
                ],
            },
            Row {
                name: "pass to fail regresses, warn to pass fixes",
                old: vec![("apply.converges", Pass), ("get.stable", Warn)],
                new: vec![("apply.converges", Fail), ("get.stable", Pass)],
                expected: vec![
                    ("get.stable", "warn", "pass", Some(Kind::Fixed)),
                    ("apply.converges", "pass", "fail", Some(Kind::Regressed)),
                ],
            },
            Row {
                name: "to a skip, or run on one build only, changes",
                old: vec![("get.stable", Pass)],
                new: vec![("get.stable", Skip), ("delete.removes", Fail)],
                expected: vec![
                    ("get.stable", "pass", "skip", Some(Kind::Changed)),
                    ("delete.removes", "not run", "fail", Some(Kind::Changed)),
                ],
            },
        ];
        for row in rows {
            let diffs = check_diffs(&report(&row.old), &report(&row.new));
            let seen: Vec<_> = diffs
                .iter()
                .map(|d| {
                    (
                        d.input.name.as_str(),
                        d.old.as_str(),
                        d.new.as_str(),
                        d.changes.first().map(|c| c.kind),
                    )
                })
                .collect();
            assert_eq!(seen, row.expected, "{}", row.name);
        }
    }

    #[test]
    fn a_regressed_check_shows_both_messages_and_what_symphonys_users_see() {
        let diffs = check_diffs(
            &report(&[("delete.removes", Status::Pass)]),
            &report(&[("delete.removes", Status::Fail)]),
        );
        let change = &diffs[0].changes[0];
        assert_eq!(change.what, "`delete.removes`: pass -> fail");
        assert_eq!(change.old, ["pass: delete.removes message"]);
        assert_eq!(change.new[0], "fail: delete.removes message");
        assert!(change.new[1].starts_with("in Symphony: "), "{change:?}");
    }

    #[test]
    fn a_check_a_cause_decided_weighs_as_the_cause_and_shows_it() {
        let cause = crate::check::Cause::call(
            crate::check::cause::Call::Apply,
            crate::engine::Outcome::Panic,
            "`apply` of `a` ended `panic`",
        );
        let decided = |id: &str, finding: Finding| SuiteReport {
            results: vec![CheckResult {
                info: CATALOG.iter().find(|info| info.id == id).unwrap(),
                finding,
                duration: std::time::Duration::ZERO,
            }],
            ..report(&[])
        };
        let passed = report(&[("delete.removes", Status::Pass)]);
        let not_judged = decided("delete.removes", Finding::not_judged(cause.clone()));
        let diffs = check_diffs(&passed, &not_judged);
        let change = &diffs[0].changes[0];
        assert_eq!(change.kind, Kind::Regressed);
        assert_eq!(
            change.what,
            "`delete.removes`: pass -> not judged (cause `apply-panic`)"
        );
        assert!(
            change.new[1].starts_with("in Symphony: ") && change.new[1].contains("aborts"),
            "the cause's consequence, not the row's symptom: {change:?}"
        );
        assert!(!change.new.iter().any(|l| l.contains(diffs_row_symptom())));
        // The other way round it is fixed.
        let diffs = check_diffs(&not_judged, &passed);
        assert_eq!(diffs[0].changes[0].kind, Kind::Fixed);
        // A check that found the cause names it in its evidence.
        let found = decided(
            "apply.converges",
            Finding::fail("`apply` panicked").with_cause(cause),
        );
        let diffs = check_diffs(&report(&[("apply.converges", Status::Pass)]), &found);
        let change = &diffs[0].changes[0];
        assert_eq!(change.what, "`apply.converges`: pass -> fail");
        assert!(
            change
                .new
                .contains(&"cause `apply-panic`: `apply` panics".to_string()),
            "{change:?}"
        );
    }

    /// The row's own symptom of `delete.removes`, which a cause's finding never shows.
    fn diffs_row_symptom() -> &'static str {
        crate::check::CheckId::DeleteRemoves.info().symptom
    }
}
