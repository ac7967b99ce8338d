//! The conformance suite on both builds, compared check by check: by [`CheckId`] and status
//! (a check's verdict is its status; its message and evidence are shown, not compared).

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

fn status_text(result: Option<&CheckResult>) -> String {
    result.map_or_else(
        || "not run".to_string(),
        |r| r.finding.status.as_str().to_string(),
    )
}

/// A result's message and first evidence lines.
fn evidence(result: Option<&CheckResult>) -> Vec<String> {
    let Some(result) = result else {
        return vec!["not run".to_string()];
    };
    let finding = &result.finding;
    let mut lines = vec![format!("{}: {}", finding.status.as_str(), finding.message)];
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

/// Every check that ran on either build, in catalog order, with its status on each and the
/// change when the status differs: worse regresses, better fixes, to or from a skip (or a
/// check run on one build only) changes.
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
            let (old_text, new_text) = (status_text(before.as_ref()), status_text(after.as_ref()));
            let mut changes = Vec::new();
            if old_text != new_text {
                let kind = Kind::by_rank(
                    before.as_ref().and_then(|r| rank(r.finding.status)),
                    after.as_ref().and_then(|r| rank(r.finding.status)),
                );
                let mut new_lines = evidence(after.as_ref());
                if kind == Kind::Regressed {
                    new_lines.insert(1, format!("in Symphony: {}", info.symptom));
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
}
