//! Running the suite on a subject: settle it (read, fingerprint, probe as `load` does), then
//! run every selected check, each isolated: its scenarios start their own worker processes (a
//! crash fails that check, and the suite goes on) and, for the simulated provider, their own
//! device. A provider type compiled into this process runs the same checks but those that
//! read or load a library.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::catalog::CheckId;
use super::catalog::{Area, CheckInfo, CATALOG};
use super::cause::{Call, Cause, CauseKind, NoProvider};
use super::context::Context;
use super::finding::{Advice, Finding, Status};
use crate::subject::{ProbeFailure, Subject, SubjectSpec};

/// A cause as a suite run found it: the fact, the checks that found it (their own question
/// failed on it) and the checks it decided (not judged).
#[derive(Debug, Clone, PartialEq)]
pub struct CauseEntry {
    /// The fact, as the first check that met it saw it.
    pub cause: Cause,
    /// Its weight ([`CauseKind::status`]).
    pub status: Status,
    /// The checks whose own verdict it is.
    pub found_by: Vec<CheckId>,
    /// The checks it left unjudged.
    pub explains: Vec<CheckId>,
}

/// The causes of `findings` (a check id and its finding each, in catalog order), each once,
/// in the order they were first met.
pub fn gather<'a>(findings: impl IntoIterator<Item = (CheckId, &'a Finding)>) -> Vec<CauseEntry> {
    let mut entries: Vec<CauseEntry> = Vec::new();
    for (id, finding) in findings {
        let Some(cause) = &finding.cause else {
            continue;
        };
        let index = match entries.iter().position(|e| e.cause.kind == cause.kind) {
            Some(index) => index,
            None => {
                entries.push(CauseEntry {
                    cause: Cause::clone(cause),
                    status: cause.kind.status(),
                    found_by: Vec::new(),
                    explains: Vec::new(),
                });
                entries.len() - 1
            }
        };
        let entry = &mut entries[index];
        if finding.status == Status::Skip {
            entry.explains.push(id);
        } else {
            entry.found_by.push(id);
        }
    }
    entries
}

/// Which checks to run, and where.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Run only these checks (ids or areas); empty: all.
    pub only: Vec<String>,
    /// Skip these checks (ids or areas).
    pub skip: Vec<String>,
    /// A folder of this run; each check keeps its devices below it.
    pub scratch: PathBuf,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// The check.
    pub info: &'static CheckInfo,
    /// What it found.
    pub finding: Finding,
    /// How long it ran.
    pub duration: Duration,
}

impl CheckResult {
    /// What Symphony's users would see and the fix, for a failure or warning of the check's
    /// own: the row's texts, or the finding's own. `None` for a pass or a skip, and for a
    /// finding a cause decided (the cause has the texts, stated once).
    pub fn advice(&self) -> Option<(&str, &str)> {
        if !matches!(self.finding.status, Status::Fail | Status::Warn)
            || self.finding.cause.is_some()
        {
            return None;
        }
        Some(match &self.finding.advice {
            Advice::Row => (self.info.symptom, self.info.fix),
            Advice::Own(own) => (own.symptom.as_str(), own.fix.as_str()),
        })
    }
}

/// The suite's result for one provider.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    /// What was checked (`None` when the library could not even be read).
    pub subject: Option<Subject>,
    /// Why it could not be read.
    pub unreadable: Option<String>,
    /// Every selected check's result, in catalog order.
    pub results: Vec<CheckResult>,
    /// The signal that cut the run short, by name (`SIGINT`), if one did.
    pub interrupted: Option<String>,
    /// When the suite started.
    pub started: SystemTime,
    /// How long it ran (with [`run_checks`], settling the subject included).
    pub duration: Duration,
}

impl SuiteReport {
    /// The number of results with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.results
            .iter()
            .filter(|r| r.finding.status == status)
            .count()
    }

    /// The facts that decided checks, each once, in the order they were met.
    pub fn causes(&self) -> Vec<CauseEntry> {
        gather(self.results.iter().map(|r| (r.info.id, &r.finding)))
    }

    /// How many checks a cause left unjudged.
    pub fn not_judged(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.finding.status == Status::Skip && r.finding.cause.is_some())
            .count()
    }

    /// True when no check failed and no cause is a failure (and the library could be read,
    /// and no signal cut the run short); with `deny_warnings`, nothing warned either.
    pub fn passed(&self, deny_warnings: bool) -> bool {
        let causes = self.causes();
        let weighs = |status: Status| {
            self.count(status) > 0 || causes.iter().any(|cause| cause.status == status)
        };
        self.unreadable.is_none()
            && self.interrupted.is_none()
            && !weighs(Status::Fail)
            && (!deny_warnings || !weighs(Status::Warn))
    }

    /// Writes the scenario of each failed check that is one into `dir` as `<id>.json`
    /// (`symphony-harness run` replays it); returns each check's id and its file.
    pub fn save_failures(&self, dir: &Path) -> std::io::Result<Vec<(&'static str, PathBuf)>> {
        let mut saved = Vec::new();
        for result in &self.results {
            let Some(scenario) = &result.finding.scenario else {
                continue;
            };
            if result.finding.status != Status::Fail {
                continue;
            }
            std::fs::create_dir_all(dir)?;
            let path = dir.join(format!("{}.json", result.info.id));
            let text = serde_json::to_string_pretty(&scenario.to_file_json())?;
            std::fs::write(&path, text + "\n")?;
            saved.push((result.info.id.as_str(), path));
        }
        Ok(saved)
    }
}

/// A check whose verdict differs between two runs of the suite on a library: its status
/// changed, or it ran in only one of them. `--watch` prints these after each re-run.
#[derive(Debug, Clone, Copy)]
pub struct CheckChange<'a> {
    /// Its result in the earlier run (`None`: it did not run then).
    pub before: Option<&'a CheckResult>,
    /// Its result now (`None`: it did not run now).
    pub after: Option<&'a CheckResult>,
}

impl CheckChange<'_> {
    /// The check's id.
    pub fn id(&self) -> &'static str {
        self.after
            .or(self.before)
            .map_or("", |result| result.info.id.as_str())
    }
}

/// The checks whose status differs from `before` to `after`, or that ran in only one of
/// them, in catalog order. A check that kept its status is no change, even if its message
/// or evidence differ (a verdict is its status).
pub fn changes<'a>(before: &'a SuiteReport, after: &'a SuiteReport) -> Vec<CheckChange<'a>> {
    let find = |report: &'a SuiteReport, id: &str| report.results.iter().find(|r| r.info.id == id);
    CATALOG
        .iter()
        .filter_map(|info| {
            let change = CheckChange {
                before: find(before, info.id.as_str()),
                after: find(after, info.id.as_str()),
            };
            match (change.before, change.after) {
                (None, None) => None,
                (Some(b), Some(a)) if b.finding.status == a.finding.status => None,
                _ => Some(change),
            }
        })
        .collect()
}

/// Whether `info` is selected by `only` and `skip` (ids or area names).
fn selected(info: &CheckInfo, options: &CheckOptions) -> bool {
    let names = |list: &[String]| {
        list.iter()
            .any(|name| info.id == name.as_str() || name == info.area.as_str())
    };
    (options.only.is_empty() || names(&options.only)) && !names(&options.skip)
}

/// How many checks `only` and `skip` select: the checks a run plays (a progress bar's
/// total).
pub fn selected_count(options: &CheckOptions) -> usize {
    CATALOG
        .iter()
        .filter(|info| selected(info, options))
        .count()
}

/// Every id and area name `--only` and `--skip` accept.
pub fn known_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Area::ALL.iter().map(|a| a.as_str()).collect();
    names.extend(CATALOG.iter().map(|c| c.id.as_str()));
    names
}

/// Settles `spec` and checks it, calling `finished` after each check. A library that cannot
/// be read gives a report that says why, with no results.
pub fn run_checks(
    spec: &SubjectSpec,
    options: &CheckOptions,
    finished: &mut dyn FnMut(&CheckResult),
) -> SuiteReport {
    let (started, clock) = (SystemTime::now(), Instant::now());
    let mut report = match Subject::settle(spec) {
        Ok(subject) => run_checks_on(subject, options, finished),
        Err(err) => SuiteReport {
            subject: None,
            unreadable: Some(crate::errors::error_chain(&err)),
            results: Vec::new(),
            interrupted: None,
            started,
            duration: Duration::ZERO,
        },
    };
    report.started = started;
    report.duration = clock.elapsed();
    report
}

/// Checks a settled subject, calling `finished` after each check.
pub fn run_checks_on(
    subject: Subject,
    options: &CheckOptions,
    finished: &mut dyn FnMut(&CheckResult),
) -> SuiteReport {
    let (started, clock) = (SystemTime::now(), Instant::now());
    let mut results = Vec::new();
    for info in CATALOG.iter().filter(|info| selected(info, options)) {
        let check_clock = Instant::now();
        let context = Context {
            subject: &subject,
            id: info.id.as_str(),
            scratch: &options.scratch,
        };
        let finding = judge(info, &context);
        let result = CheckResult {
            info,
            finding,
            duration: check_clock.elapsed(),
        };
        finished(&result);
        results.push(result);
    }
    SuiteReport {
        subject: Some(subject),
        unreadable: None,
        results,
        interrupted: crate::worker::interrupted().map(crate::worker::signal_name),
        started,
        duration: clock.elapsed(),
    }
}

/// What `info`'s check finds in `context`, or why it is not run.
fn judge(info: &CheckInfo, context: &Context<'_>) -> Finding {
    let interrupted = |when: &str| {
        crate::worker::interrupted().map(|signal| {
            Finding::skip(format!(
                "interrupted by {} {when}",
                crate::worker::signal_name(signal)
            ))
        })
    };
    if let Some(skip) = interrupted("before it ran") {
        return skip;
    }
    let library_checks = matches!(info.area, Area::Build | Area::Load);
    if library_checks && context.subject.in_process() {
        return Finding::skip(IN_PROCESS_SKIP);
    }
    if let (false, Err(failure)) = (library_checks, context.probe()) {
        return Finding::not_judged(no_provider(context.subject, failure));
    }
    let finding = (info.judge)(context);
    // Calls cut short by the signal prove nothing about the provider.
    interrupted("while it ran: its calls were cut short").unwrap_or(finding)
}

/// The cause a probe's failure is: Symphony gets no provider (and why, from the library's
/// bytes and the failure's exit code); a crash creating it is how `create_provider` ended.
pub fn no_provider(subject: &Subject, failure: &ProbeFailure) -> Cause {
    use crate::inspect::Abi;
    if let Some(outcome) = failure
        .outcome
        .filter(|o| o.in_symphony() != crate::engine::InSymphony::Returns)
    {
        let cause = Cause::call(Call::CreateProvider, outcome, failure.message.clone());
        // Symphony's host loads the library inside `create_provider_instance`: its own
        // initialisers run there, before `create_provider`.
        return if failure.loading {
            cause.with_fix(
                "keep the library's own initialisers (static constructors run when it is \
                 loaded) from blocking or crashing: do that work in `create_provider`, with a \
                 timeout",
            )
        } else {
            cause
        };
    }
    let abi = subject
        .fingerprint
        .as_ref()
        .map(|f| (f.abi, f.create_provider));
    let why = match (abi, failure.exit_code) {
        (Some((Abi::Legacy, _)), _) => NoProvider::OldAbi,
        (None | Some((Abi::None, _)) | Some((_, false)), _) => NoProvider::NotAProvider,
        (_, crate::exit_code::INCOMPATIBLE) => NoProvider::Incompatible,
        _ => NoProvider::Refused,
    };
    let cause = Cause::new(CauseKind::NoProvider(why), failure.message.clone());
    // A load the loader refused (a hash mismatch, `dlopen`) has the loader's own advice.
    match (&failure.hint, why, failure.outcome) {
        (Some(hint), NoProvider::Refused, None) => cause.with_fix(hint.clone()),
        _ => cause,
    }
}

/// Why a `build` or `load` check skips for a compiled-in provider type.
pub const IN_PROCESS_SKIP: &str =
    "in-process: no library (check the built library for the build and load checks)";

#[cfg(test)]
mod tests {
    use super::*;

    fn report(results: &[(&str, Status)]) -> SuiteReport {
        SuiteReport {
            subject: None,
            unreadable: None,
            results: results
                .iter()
                .map(|(id, status)| CheckResult {
                    info: CATALOG
                        .iter()
                        .find(|info| info.id == *id)
                        .unwrap_or_else(|| panic!("no check `{id}`")),
                    finding: Finding::new(*status, format!("{id} is {}", status.as_str())),
                    duration: Duration::ZERO,
                })
                .collect(),
            interrupted: None,
            started: SystemTime::UNIX_EPOCH,
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn the_selected_count_is_what_only_and_skip_leave() {
        let options = |only: &[&str], skip: &[&str]| CheckOptions {
            only: only.iter().map(|s| s.to_string()).collect(),
            skip: skip.iter().map(|s| s.to_string()).collect(),
            scratch: PathBuf::new(),
        };
        let in_area = |area: Area| CATALOG.iter().filter(|c| c.area == area).count();
        assert_eq!(selected_count(&options(&[], &[])), CATALOG.len());
        let (first, second) = (CATALOG[0].id.as_str(), CATALOG[1].id.as_str());
        assert_eq!(selected_count(&options(&[first, second], &[])), 2);
        assert_eq!(
            selected_count(&options(&["apply", first], &[])),
            in_area(Area::Apply) + usize::from(CATALOG[0].area != Area::Apply)
        );
        assert_eq!(
            selected_count(&options(&[], &["apply"])),
            CATALOG.len() - in_area(Area::Apply)
        );
    }

    /// `(id, before, after)` of each change.
    fn described(
        changes: &[CheckChange<'_>],
    ) -> Vec<(&'static str, Option<Status>, Option<Status>)> {
        changes
            .iter()
            .map(|c| {
                (
                    c.id(),
                    c.before.map(|r| r.finding.status),
                    c.after.map(|r| r.finding.status),
                )
            })
            .collect()
    }

    /// A row of the table: two runs and the changes expected between them.
    struct Case {
        name: &'static str,
        before: Vec<(&'static str, Status)>,
        after: Vec<(&'static str, Status)>,
        expected: Vec<(&'static str, Option<Status>, Option<Status>)>,
    }

    #[test]
    fn verdict_changes_between_two_runs() {
        use Status::{Fail, Pass, Skip, Warn};
        let cases = [
            Case {
                name: "no change",
                before: vec![("build.abi", Pass), ("apply.converges", Fail)],
                after: vec![("build.abi", Pass), ("apply.converges", Fail)],
                expected: vec![],
            },
            Case {
                name: "pass to fail, the unchanged left out",
                before: vec![("build.abi", Pass), ("apply.converges", Pass)],
                after: vec![("build.abi", Pass), ("apply.converges", Fail)],
                expected: vec![("apply.converges", Some(Pass), Some(Fail))],
            },
            Case {
                name: "fail to pass and warn to skip, in catalog order",
                before: vec![("apply.converges", Fail), ("get.stable", Warn)],
                after: vec![("apply.converges", Pass), ("get.stable", Skip)],
                expected: vec![
                    ("get.stable", Some(Warn), Some(Skip)),
                    ("apply.converges", Some(Fail), Some(Pass)),
                ],
            },
            Case {
                name: "a check added",
                before: vec![("build.abi", Pass)],
                after: vec![("build.abi", Pass), ("delete.removes", Fail)],
                expected: vec![("delete.removes", None, Some(Fail))],
            },
            Case {
                name: "a check removed",
                before: vec![("build.abi", Pass), ("delete.removes", Pass)],
                after: vec![("build.abi", Pass)],
                expected: vec![("delete.removes", Some(Pass), None)],
            },
            Case {
                name: "from an unreadable library, every check is new",
                before: vec![],
                after: vec![("build.abi", Fail)],
                expected: vec![("build.abi", None, Some(Fail))],
            },
        ];
        for case in cases {
            let (before, after) = (report(&case.before), report(&case.after));
            assert_eq!(
                described(&changes(&before, &after)),
                case.expected,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn gather_states_each_cause_once_with_who_found_it_and_what_it_decided() {
        let panic = Cause::call(
            Call::Apply,
            crate::engine::Outcome::Panic,
            "`apply` of `a` ended `panic`",
        );
        let findings = [
            (CheckId::ApplyConverges, Finding::not_judged(panic.clone())),
            (CheckId::DeleteRemoves, Finding::not_judged(panic.clone())),
            (
                CheckId::ErrorsEdgeInputs,
                Finding::fail("`apply` of an empty step ended in `panic`").with_cause(panic),
            ),
            (CheckId::BuildAbi, Finding::pass("fine")),
        ];
        let entries = gather(findings.iter().map(|(id, f)| (*id, f)));
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.cause.seen, "`apply` of `a` ended `panic`");
        assert_eq!(entry.status, Status::Fail);
        assert_eq!(entry.found_by, [CheckId::ErrorsEdgeInputs]);
        assert_eq!(
            entry.explains,
            [CheckId::ApplyConverges, CheckId::DeleteRemoves]
        );
    }

    #[test]
    fn a_new_message_with_the_same_status_is_no_change() {
        let before = report(&[("apply.converges", Status::Fail)]);
        let mut after = before.clone();
        after.results[0].finding.message = "another reason".to_string();
        assert!(changes(&before, &after).is_empty());
    }
}
