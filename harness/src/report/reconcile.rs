//! The report of a reconcile run: every call and decision as the engine makes it (human), the
//! verdict at the end, and the JSON document of the whole run.
//!
//! [`ReconcilePrinter`] is an [`EventSink`]: hand it to [`crate::engine::reconcile::run`] and it
//! writes each event as it comes, so a long run shows its progress; what the provider printed
//! during a call is shown under it ([`OutputLimit`]). [`ReconcilePrinter::verdict`] writes the
//! ending; [`ReconcileDocument`] is the `--format json` document, with the calls [`CallLog`]
//! collected (their output whole).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::style::{ERROR, GOOD, HINT, LABEL, WARN};
use crate::engine::events::{CallKind, CallReturn, Event, EventSink, Phase};
use crate::engine::findings::Finding;
use crate::engine::reconcile::{
    FailedBy, RoundReport, RunEnd, RunReport, StateOutcome, StepDecision,
};
use crate::engine::CallOutput;
use crate::model::{ComponentAction, DeploymentSpec, Symphony};

/// How much of each stream a call printed the human output shows; the rest is counted
/// ("… N more lines"). The JSON document always holds all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimit {
    /// Lines shown per stream.
    pub lines: usize,
    /// Bytes shown per stream.
    pub bytes: usize,
}

impl Default for OutputLimit {
    /// 20 lines or 4 KiB per stream, whichever comes first.
    fn default() -> Self {
        OutputLimit {
            lines: 20,
            bytes: 4 * 1024,
        }
    }
}

impl OutputLimit {
    /// The lines of `text` to show, and how many more there are.
    pub fn cut<'t>(&self, text: &'t str) -> (Vec<&'t str>, usize) {
        let all: Vec<&str> = text.lines().collect();
        let mut shown = Vec::new();
        let mut bytes = 0;
        for line in &all {
            if shown.len() == self.lines || bytes + line.len() > self.bytes {
                break;
            }
            bytes += line.len() + 1;
            shown.push(*line);
        }
        if shown.is_empty() && !all.is_empty() {
            // One line longer than the limit: its start.
            let mut end = self.bytes.min(all[0].len());
            while !all[0].is_char_boundary(end) {
                end -= 1;
            }
            shown.push(&all[0][..end]);
        }
        let more = all.len() - shown.len();
        (shown, more)
    }
}

/// Writes a reconcile run for people, event by event.
///
/// The first failed write stops all further output; [`ReconcilePrinter::finish`] returns it.
#[derive(Debug)]
pub struct ReconcilePrinter<W: Write> {
    out: W,
    failed: Option<io::Error>,
    limit: OutputLimit,
}

impl<W: Write> ReconcilePrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> ReconcilePrinter<W> {
        ReconcilePrinter {
            out,
            failed: None,
            limit: OutputLimit::default(),
        }
    }

    /// Shows at most `limit` of what a call printed.
    pub fn output_limit(mut self, limit: OutputLimit) -> ReconcilePrinter<W> {
        self.limit = limit;
        self
    }

    /// What the provider printed during a call, under the call's line, one labelled block
    /// per stream; `call` names a call that has no line of its own (`create_provider`).
    fn call_output(&mut self, output: &CallOutput, call: Option<&str>) {
        let of = call.map_or(String::new(), |call| format!(" during `{call}`"));
        for (label, text) in [
            ("provider stdout", &output.stdout),
            ("provider stderr", &output.stderr),
            ("symphony host log", &output.host),
        ] {
            if text.trim().is_empty() {
                continue;
            }
            self.line(format_args!("    {LABEL}{label}{of}:{LABEL:#}"));
            let (shown, more) = self.limit.cut(text);
            for line in shown {
                self.line(format_args!("      | {line}"));
            }
            if more > 0 {
                self.line(format_args!("      … {more} more lines"));
            }
        }
    }

    /// The first write error, if any write failed.
    pub fn finish(self) -> io::Result<()> {
        match self.failed {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Writes one line, unless an earlier write failed.
    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        if self.failed.is_none() {
            if let Err(err) = writeln!(self.out, "{text}") {
                self.failed = Some(err);
            }
        }
    }

    /// The line that opens a run: the deployment, its generation, components and targets.
    pub fn header(&mut self, deployment: &DeploymentSpec, symphony: Symphony) {
        let targets: Vec<String> = deployment
            .targets
            .keys()
            .map(|t| format!("`{t}`"))
            .collect();
        self.line(format_args!(
            "{LABEL}deployment{LABEL:#} `{}` (Symphony {symphony} wire names): {} component(s), target(s) {}",
            deployment.solution_name,
            deployment.components().len(),
            targets.join(", ")
        ));
    }

    fn round_end(&mut self, report: &RoundReport) {
        if let Some(noop) = &report.noop {
            self.line(format_args!("  nothing done: {noop}"));
        }
        if let Some(failure) = &report.failure {
            self.line(format_args!(
                "  {ERROR}round failed{ERROR:#} at {} step {} `{}`/`{}` ({}): {}",
                failure.stage,
                failure.step,
                failure.target,
                failure.role,
                failure.outcome,
                failure.message
            ));
            if failure.indeterminate {
                self.line(format_args!(
                    "  {WARN}indeterminate:{WARN:#} the provider's process died during `apply`, \
                     so the device may or may not have changed; the next round's `get` reads its \
                     real state"
                ));
            }
        }
        let state = match report.state {
            StateOutcome::Saved => "state saved",
            StateOutcome::Dropped => "state dropped (nothing left)",
            StateOutcome::NotSavedDryRun => "state not saved (dry run)",
            StateOutcome::NotSavedFailed => "state not saved (failed round)",
            StateOutcome::Untouched => "state untouched",
        };
        self.line(format_args!(
            "  applied {}, skipped {}; {state}",
            report.applied, report.skipped
        ));
    }

    /// The hint for how the last round failed, if it failed in a provider call.
    fn failure_hint(&mut self, report: &RunReport) {
        let last = report.rounds.last().and_then(|r| r.failure.as_ref());
        if let Some(FailedBy::Call(outcome)) = last.map(|f| f.outcome) {
            self.line(format_args!("{HINT}hint:{HINT:#} {}", outcome.hint()));
        }
    }

    /// The ending of a run: converged or not (and why), failed, dry run; then the removal.
    pub fn verdict(&mut self, report: &RunReport) {
        self.line(format_args!(""));
        let waited = report.waited_seconds;
        match &report.verdict {
            RunEnd::Converged { rounds } => self.line(format_args!(
                "{GOOD}verdict: converged after {rounds} round(s){GOOD:#} (Symphony would have waited {waited} s)"
            )),
            RunEnd::NotConverged { rounds } => {
                self.line(format_args!(
                    "{ERROR}verdict: never converged in {rounds} round(s){ERROR:#}: Symphony re-applies on every poll; in round {rounds}:"
                ));
                for line in report.why_not_converged() {
                    self.line(format_args!("  - {line}"));
                }
            }
            RunEnd::Aborted { rounds } => {
                self.line(format_args!(
                    "{ERROR}verdict: Symphony would not survive round {rounds}{ERROR:#}: {}",
                    report.stopped.as_deref().unwrap_or_default()
                ));
                self.failure_hint(report);
            }
            RunEnd::Failed { rounds } => {
                let then = if report.stopped.is_some() {
                    "the run stops"
                } else {
                    "Symphony retries on the next poll (within 15 s)"
                };
                self.line(format_args!(
                    "{ERROR}verdict: round {rounds} failed{ERROR:#}; {then}:"
                ));
                for line in report.why() {
                    self.line(format_args!("  - {line}"));
                }
                self.failure_hint(report);
            }
            RunEnd::DryRun { rounds } => self.line(format_args!(
                "{WARN}verdict: dry run, {rounds} round(s){WARN:#}: state is never saved, so Symphony applies every step (with is_dry_run) on every reconcile"
            )),
        }
        if let Some(removal) = &report.removal {
            match (&removal.failure, removal.state) {
                (Some(_), _) => self.line(format_args!(
                    "{ERROR}removal failed{ERROR:#}; Symphony does not retry a failed delete job (standalone)"
                )),
                (None, StateOutcome::Dropped) => self.line(format_args!(
                    "{GOOD}removal done{GOOD:#}: every component deleted, state dropped"
                )),
                (None, _) => self.line(format_args!(
                    "removal done; state kept (components left on other targets)"
                )),
            }
        }
    }
}

/// Component names, with the action's sign (`+`/`-`) when `signs`.
fn names(components: &[(String, ComponentAction)], signs: bool) -> String {
    components
        .iter()
        .map(|(name, action)| {
            if signs {
                format!("{}{name}", action.sign())
            } else {
                name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl<W: Write> EventSink for ReconcilePrinter<W> {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RoundStarted {
                round,
                at_seconds,
                remove,
                has_previous,
            } => self.line(format_args!(
                "\n{LABEL}round {round}{LABEL:#} (t={at_seconds}s{}{})",
                if *remove { ", removal" } else { "" },
                if *has_previous {
                    ""
                } else {
                    ", no previous state"
                }
            )),
            Event::CallStarted {
                site,
                call,
                components,
            } if !matches!(call, CallKind::Create) => {
                let phase = match site.phase {
                    Phase::Get => "get-phase",
                    Phase::Apply => "apply-phase",
                };
                let signs = matches!(call, CallKind::Apply { .. });
                let listed = if components.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", names(components, signs))
                };
                self.line(format_args!(
                    "  {:<19} {phase} step {} `{}`/`{}`{listed}",
                    call.name(),
                    site.step,
                    site.target,
                    site.role,
                ));
            }
            Event::CallFinished { call, outcome, .. } => match (call, outcome) {
                (CallKind::Create, Ok(_)) => {}
                (_, Err(err)) => self.line(format_args!(
                    "    {ERROR}{} failed ({}){ERROR:#}: {err}",
                    call.name(),
                    err.outcome()
                )),
                (_, Ok(CallReturn::Components(components))) => {
                    let listed: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
                    self.line(format_args!(
                        "    {GOOD}ok{GOOD:#}: reported [{}]",
                        listed.join(" ")
                    ));
                }
                (_, Ok(CallReturn::Results(results))) => {
                    let listed: Vec<String> = results
                        .iter()
                        .map(|(name, r)| {
                            if r.message.is_empty() {
                                format!("{name}: {}", r.status)
                            } else {
                                format!("{name}: {} {}", r.status, r.message)
                            }
                        })
                        .collect();
                    self.line(format_args!(
                        "    {GOOD}ok{GOOD:#}: results {{{}}} (the map never decides success)",
                        listed.join(", ")
                    ));
                }
                (_, Ok(CallReturn::Rule(_))) => self.line(format_args!("    {GOOD}ok{GOOD:#}")),
                (_, Ok(CallReturn::Created)) => {}
            },
            Event::StepDecided { site, decision } => match decision {
                StepDecision::Skip => self.line(format_args!(
                    "  skip                apply-phase step {} `{}`/`{}`: every component unchanged",
                    site.step, site.target, site.role
                )),
                StepDecision::Apply { reason } => self.line(format_args!(
                    "  decide              apply-phase step {} `{}`/`{}`: apply, because {}",
                    site.step,
                    site.target,
                    site.role,
                    reason.describe()
                )),
            },
            Event::Waited { seconds, why, .. } => self.line(format_args!(
                "  {WARN}Symphony waits {seconds} s{WARN:#}: {why}"
            )),
            Event::RoundFinished { report } => self.round_end(report),
            Event::CallStarted { .. } => {}
        }
        if let Event::CallFinished { call, output, .. } = event {
            let unlisted = matches!(call, CallKind::Create).then(|| call.name());
            self.call_output(output, unlisted);
        }
    }
}

/// One provider call of a run, as the JSON document lists it.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// The phase it belongs to.
    pub phase: Phase,
    /// The step's index in the phase's plan, from 0.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
    /// Which call, as Symphony's host exports it (`create_provider`, `get`,
    /// `get_validation_rule`, `apply`).
    pub call: &'static str,
    /// `apply`'s `is_dry_run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// How it ended (`ok`, or the outcome's short name).
    pub outcome: &'static str,
    /// What the provider printed during it, whole.
    pub output: CallOutput,
}

/// Collects every provider call of a run, by round, for [`ReconcileDocument`].
#[derive(Debug, Default)]
pub struct CallLog {
    rounds: BTreeMap<u32, Vec<CallRecord>>,
}

impl CallLog {
    /// The calls of round `round`, in order.
    pub fn of_round(&self, round: u32) -> &[CallRecord] {
        self.rounds.get(&round).map_or(&[], Vec::as_slice)
    }
}

impl EventSink for CallLog {
    fn event(&mut self, event: &Event) {
        if let Event::CallFinished {
            site,
            call,
            outcome,
            output,
        } = event
        {
            let record = CallRecord {
                phase: site.phase,
                step: site.step,
                target: site.target.clone(),
                role: site.role.clone(),
                call: call.name(),
                dry_run: match call {
                    CallKind::Apply { dry_run } => Some(*dry_run),
                    _ => None,
                },
                outcome: match outcome {
                    Ok(_) => "ok",
                    Err(err) => err.outcome().as_str(),
                },
                output: output.clone(),
            };
            self.rounds.entry(site.round).or_default().push(record);
        }
    }
}

/// A round in the JSON document: the engine's report and the calls made in it.
#[derive(Serialize, Debug)]
pub struct RoundDocument<'a> {
    /// The round's report.
    #[serde(flatten)]
    pub report: &'a RoundReport,
    /// Every provider call of the round, in order, with what it printed.
    pub calls: &'a [CallRecord],
}

impl<'a> RoundDocument<'a> {
    fn new(report: &'a RoundReport, calls: &'a CallLog) -> RoundDocument<'a> {
        RoundDocument {
            report,
            calls: calls.of_round(report.round),
        }
    }
}

/// The `--format json` document of a reconcile run; steps keep Go's field order.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileDocument<'a> {
    /// The deployment's name.
    pub deployment: &'a str,
    /// The Symphony generation whose JSON providers received.
    pub symphony: String,
    /// Inputs Symphony's host would abort on.
    pub findings: &'a [Finding],
    /// How the rounds ended.
    pub verdict: &'a RunEnd,
    /// Why the run ended as it did ([`RunReport::why`]).
    pub why: Vec<String>,
    /// Every round.
    pub rounds: Vec<RoundDocument<'a>>,
    /// The removal round, if asked for.
    pub removal: Option<RoundDocument<'a>>,
    /// Seconds Symphony would have waited.
    pub waited_seconds: u64,
    /// Why the run stopped before `--rounds` ([`RunReport::stopped`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<&'a str>,
}

impl<'a> ReconcileDocument<'a> {
    /// The document of `report`, a run of `deployment` whose calls `calls` collected.
    pub fn new(
        deployment: &'a DeploymentSpec,
        symphony: Symphony,
        findings: &'a [Finding],
        report: &'a RunReport,
        calls: &'a CallLog,
    ) -> ReconcileDocument<'a> {
        ReconcileDocument {
            deployment: &deployment.solution_name,
            symphony: symphony.to_string(),
            findings,
            verdict: &report.verdict,
            why: report.why(),
            rounds: report
                .rounds
                .iter()
                .map(|round| RoundDocument::new(round, calls))
                .collect(),
            removal: report
                .removal
                .as_ref()
                .map(|round| RoundDocument::new(round, calls)),
            waited_seconds: report.waited_seconds,
            stopped: report.stopped.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write as a closed pipe does.
    struct ClosedPipe {
        writes: usize,
    }

    impl Write for ClosedPipe {
        fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_stops_the_printer_and_is_handed_back() {
        let mut printer = ReconcilePrinter::new(ClosedPipe { writes: 0 });
        for round in 1..=3 {
            printer.event(&Event::RoundStarted {
                round,
                at_seconds: 0,
                remove: false,
                has_previous: false,
            });
        }
        assert_eq!(printer.out.writes, 1, "no write after the first failure");
        let err = printer.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn output_is_cut_at_the_line_or_byte_limit_with_the_rest_counted() {
        let limit = OutputLimit { lines: 2, bytes: 8 };
        assert_eq!(limit.cut("a\nb\nc\nd\n"), (vec!["a", "b"], 2));
        assert_eq!(
            limit.cut("abcd\nefgh\nij\n"),
            (vec!["abcd"], 2),
            "bytes first"
        );
        assert_eq!(limit.cut("é".repeat(8).as_str()), (vec!["éééé"], 0));
        assert_eq!(limit.cut(""), (Vec::<&str>::new(), 0));
    }

    #[test]
    fn a_calls_output_is_written_under_it_labelled_per_stream() {
        use crate::engine::events::CallSite;
        let mut printer = ReconcilePrinter::new(Vec::new());
        printer.event(&Event::CallFinished {
            site: CallSite {
                round: 1,
                phase: Phase::Get,
                step: 0,
                target: "t".into(),
                role: "r".into(),
            },
            call: CallKind::GetValidationRule,
            outcome: Ok(CallReturn::Rule(Box::default())),
            output: CallOutput {
                stdout: String::new(),
                stderr: "oops\n".into(),
                host: "WARN hash check disabled\n".into(),
            },
        });
        let text = String::from_utf8(printer.out.clone()).unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "    ok\n    provider stderr:\n      | oops\n    symphony host log:\n      | WARN hash check disabled\n"
        );
    }

    #[test]
    fn rounds_are_written_as_they_start() {
        let mut printer = ReconcilePrinter::new(Vec::new());
        printer.event(&Event::RoundStarted {
            round: 2,
            at_seconds: 30,
            remove: true,
            has_previous: true,
        });
        let text = String::from_utf8(printer.out.clone()).unwrap();
        assert!(text.contains("round 2"), "{text}");
        assert!(text.contains("(t=30s, removal)"), "{text}");
        printer.finish().unwrap();
    }
}
