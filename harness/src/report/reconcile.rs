//! The report of a reconcile run: every call and decision as the engine makes it (human), the
//! verdict at the end, and the JSON document of the whole run.
//!
//! [`ReconcilePrinter`] is an [`EventSink`]: hand it to [`crate::engine::reconcile::run`] and it
//! writes each event as it comes, so a long run shows its progress; what the provider printed
//! during a call is shown under it ([`OutputLimit`]). [`ReconcilePrinter::verdict`] writes the
//! ending; [`ReconcileDocument`] is the `--format json` document: the engine's round reports,
//! and the rounds as a transcript ([`RunRecord`] records it), which holds every call once
//! (what it printed whole). A line names at most [`LISTED_COMPONENTS`] components
//! ("… and 4,990 more"). [`Progress`] puts a progress bar on a terminal's stderr in front of
//! any sink, for runs that take more than a second.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use serde::Serialize;

use super::removal::{deletes_of_round, unconfirmed, Seen, Unconfirmed};
use super::style::{ERROR, GOOD, HINT, LABEL, WARN};
use crate::engine::events::{CallKind, CallReturn, Event, EventSink};
use crate::engine::findings::Finding;
use crate::engine::reconcile::{
    FailedBy, LeftComponent, RoundReport, RunEnd, RunReport, Stage, StateOutcome, StepDecision,
};
use crate::engine::CallOutput;
use crate::load::probe::PreloadedBinding;
use crate::model::{ComponentAction, DeploymentSpec, Symphony};
use crate::transcript::{RoundTranscript, TranscriptSink};

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
    /// What Symphony's `get`s reported, to confirm a removal's deletes by.
    seen: Seen,
}

impl<W: Write> ReconcilePrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> ReconcilePrinter<W> {
        ReconcilePrinter {
            out,
            failed: None,
            limit: OutputLimit::default(),
            seen: Seen::default(),
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
        for (label, text) in output.labelled() {
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
        if let Some(failure) = report.failure.as_ref().filter(|f| f.stage == Stage::Plan) {
            self.line(format_args!(
                "  {ERROR}round failed{ERROR:#} planning, before any call ({}): {}",
                failure.outcome, failure.message
            ));
        } else if let Some(failure) = &report.failure {
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

    /// The ending of a run a signal (`SIGINT`) cut short: the round it was in, and that
    /// nothing is known of the call under way (its worker was killed) nor of what would come
    /// after it. Said instead of [`ReconcilePrinter::verdict`]: the cut call is the harness's
    /// doing, not the provider's.
    pub fn interrupted(&mut self, signal: &str, report: &RunReport) {
        self.line(format_args!(""));
        let round =
            report
                .removal
                .as_ref()
                .or(report.rounds.last())
                .map_or(String::new(), |round| {
                    let removal = if round.remove { " (the removal)" } else { "" };
                    format!(" in round {}{removal}", round.round)
                });
        self.line(format_args!(
            "{ERROR}verdict: interrupted by {signal}{round}{ERROR:#}: the call under way was cut \
             short (its worker killed), so nothing is known of it, nor of what Symphony would do \
             after it"
        ));
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
                (None, _) if !report.left_after_removal.is_empty() => {
                    for left in &report.left_after_removal {
                        self.line(format_args!(
                            "{ERROR}removal incomplete{ERROR:#}: apply reported success, but `get` \
                             still reports `{}` on `{}`: Symphony will consider it removed while it \
                             runs",
                            left.component, left.target
                        ));
                    }
                }
                (None, state) => self.removal_done(removal, state),
            }
        }
    }

    /// A removal Symphony counts as done: said done only when every delete is confirmed (a
    /// result from `apply`, and `get` had reported the component), else what is not known.
    fn removal_done(&mut self, removal: &RoundReport, state: StateOutcome) {
        let state = if state == StateOutcome::Dropped {
            "state dropped"
        } else {
            "state kept (components left on other targets)"
        };
        let unconfirmed = unconfirmed(&deletes_of_round(removal), &self.seen);
        if unconfirmed.is_empty() {
            self.line(format_args!(
                "{GOOD}removal done{GOOD:#}: `apply` gave every deleted component a result, \
                 `get` reported each before and reports none now; {state}"
            ));
            return;
        }
        self.line(format_args!(
            "{WARN}removal not confirmed{WARN:#}: `apply` returned `ok` and Symphony counts the \
             removal as done ({state}), but nothing shows these were deleted:"
        ));
        for each in &unconfirmed {
            self.line(format_args!("  - {}", each.describe()));
        }
    }
}

/// How many components a line of the human report names before "… and N more" (the JSON
/// document always lists them all).
pub const LISTED_COMPONENTS: usize = 10;

/// `items` joined by `separator`, at most [`LISTED_COMPONENTS`] of them, then "… and N more".
fn capped(items: impl ExactSizeIterator<Item = String>, separator: &str) -> String {
    let total = items.len();
    let mut text = items
        .take(LISTED_COMPONENTS)
        .collect::<Vec<_>>()
        .join(separator);
    if total > LISTED_COMPONENTS {
        text.push_str(&format!(
            "{separator}… and {} more",
            thousands(total - LISTED_COMPONENTS)
        ));
    }
    text
}

/// `n` with a comma between groups of three digits: `4,990`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Component names, with the action's sign (`+`/`-`) when `signs`; the first
/// [`LISTED_COMPONENTS`] of them.
fn names(components: &[(String, ComponentAction)], signs: bool) -> String {
    let named = components.iter().map(|(name, action)| {
        if signs {
            format!("{}{name}", action.sign())
        } else {
            name.clone()
        }
    });
    capped(named, " ")
}

impl<W: Write> EventSink for ReconcilePrinter<W> {
    fn event(&mut self, event: &Event) {
        self.seen.event(event);
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
                ..
            } if !matches!(call, CallKind::Create) => {
                let phase = site.phase.label();
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
                    let listed = capped(components.iter().map(|c| c.name.clone()), " ");
                    self.line(format_args!("    {GOOD}ok{GOOD:#}: reported [{listed}]"));
                }
                (_, Ok(CallReturn::Results(results))) => {
                    let listed = capped(
                        results.iter().map(|(name, r)| {
                            if r.message.is_empty() {
                                format!("{name}: {}", r.status)
                            } else {
                                format!("{name}: {} {}", r.status, r.message)
                            }
                        }),
                        ", ",
                    );
                    self.line(format_args!(
                        "    {GOOD}ok{GOOD:#}: results {{{listed}}} (the map never decides success)"
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

/// The warning for an input Symphony's host would abort on, printed before a run.
pub fn finding_warning(finding: &Finding) -> String {
    format!(
        "{} [{}]; Symphony: {}",
        finding.message, finding.id, finding.symphony_sees
    )
}

/// The warning, as `load` gives it, for one binding's library (a skipped hash check, a risky
/// library), printed before a run.
pub fn binding_warning(binding: &PreloadedBinding, warning: &str) -> String {
    format!(
        "binding for role `{}` on target `{}` (`{}`): {warning}",
        binding.role,
        binding.target,
        binding.config.get("libFile").unwrap_or_default()
    )
}

/// The sink of a `--format json` run: a [`TranscriptSink`] recording every round, whose
/// calls are the document's one record of them.
#[derive(Debug, Default)]
pub struct RunRecord {
    transcript: TranscriptSink,
    seen: Seen,
}

impl RunRecord {
    /// A record with no rounds.
    pub fn new() -> RunRecord {
        RunRecord::default()
    }

    /// The deletes of `report`'s removal that nothing confirms (empty without a successful
    /// removal).
    pub fn unconfirmed(&self, report: &RunReport) -> Vec<Unconfirmed> {
        match &report.removal {
            Some(removal) if removal.failure.is_none() && report.left_after_removal.is_empty() => {
                unconfirmed(&deletes_of_round(removal), &self.seen)
            }
            _ => Vec::new(),
        }
    }

    /// The rounds as a transcript.
    pub fn into_transcript(mut self) -> RunTranscript {
        RunTranscript {
            rounds: self.transcript.take_rounds(),
        }
    }
}

impl EventSink for RunRecord {
    fn event(&mut self, event: &Event) {
        self.seen.event(event);
        self.transcript.event(event);
    }
}

/// A reconcile run in the transcript form of [`crate::transcript`]: every round (the removal
/// last, marked `remove`) with its calls and skip decisions in order, what each call returned
/// and printed, and how the round ended. Nothing is redacted, and `stored` is never given
/// (the run reports the stored state only at its end).
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct RunTranscript {
    /// Every round, in order.
    pub rounds: Vec<RoundTranscript>,
}

/// How long a run goes before [`Progress`] shows its bar.
pub const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// An [`EventSink`] that counts a run's provider calls on a progress bar drawn on stderr, and
/// hands every event on to `inner` (the printer).
///
/// The bar appears once the run has taken [`PROGRESS_AFTER`], and only when stderr is a
/// terminal: tests, pipes and CI logs never see it. The printer's lines are written with the
/// bar cleared, so the two do not mix.
#[derive(Debug)]
pub struct Progress<S> {
    inner: S,
    bar: Option<ProgressBar>,
    started: Instant,
    shown: bool,
    /// Clear the bar around the inner sink's writes (they go to the same terminal).
    suspend: bool,
}

impl<S: EventSink> Progress<S> {
    /// A bar in front of `inner`, when stderr is a terminal; otherwise `inner` alone.
    pub fn on_terminal(inner: S) -> Progress<S> {
        let mut progress = Progress::new(inner, io::stderr().is_terminal());
        // Output sent elsewhere cannot mix with the bar: no redraw after every event.
        progress.suspend = io::stdout().is_terminal();
        progress
    }

    /// A bar in front of `inner` when `enabled`.
    pub fn new(inner: S, enabled: bool) -> Progress<S> {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template("{spinner} {elapsed} {pos} calls: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        Progress {
            inner,
            bar,
            started: Instant::now(),
            shown: false,
            suspend: true,
        }
    }

    /// The sink behind the bar; the bar is cleared.
    pub fn into_inner(self) -> S {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.inner
    }

    /// Whether the bar is drawn (stderr is a terminal and the run took long enough).
    pub fn is_shown(&self) -> bool {
        self.shown
    }
}

impl<S: EventSink> EventSink for Progress<S> {
    fn is_listening(&self) -> bool {
        self.bar.is_some() || self.inner.is_listening()
    }

    fn event(&mut self, event: &Event) {
        let Some(bar) = &self.bar else {
            self.inner.event(event);
            return;
        };
        if let Event::CallStarted { site, call, .. } = event {
            bar.inc(1);
            bar.set_message(format!(
                "round {} {} step {} `{}`: {}",
                site.round,
                site.phase.label(),
                site.step,
                site.target,
                call.name()
            ));
        }
        if !self.shown && self.started.elapsed() >= PROGRESS_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if !self.inner.is_listening() {
            return;
        }
        if self.shown && self.suspend {
            let inner = &mut self.inner;
            bar.suspend(|| inner.event(event));
        } else {
            self.inner.event(event);
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
    /// Every round, as the engine reports it.
    pub rounds: Vec<&'a RoundReport>,
    /// The removal round, if asked for.
    pub removal: Option<&'a RoundReport>,
    /// Seconds Symphony would have waited.
    pub waited_seconds: u64,
    /// What a successful removal left on the device, as `get` reports it.
    #[serde(skip_serializing_if = "<[LeftComponent]>::is_empty")]
    pub left_after_removal: &'a [LeftComponent],
    /// Why the run stopped before `--rounds` ([`RunReport::stopped`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<&'a str>,
    /// The deletes of a removal Symphony counts as done that nothing confirms: no result from
    /// `apply`, or never reported by `get` ([`RunRecord::unconfirmed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removal_unconfirmed: Vec<Unconfirmed>,
    /// The signal that cut the run short (`SIGINT`), if one did: the last round's failure is
    /// then the harness's doing, and the verdict tells nothing about the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// The same rounds as a transcript: every call (with what it was sent, returned and
    /// printed) and every skip decision, in order. The document's one record of the calls.
    pub transcript: &'a RunTranscript,
}

impl<'a> ReconcileDocument<'a> {
    /// The document of `report`, a run of `deployment` whose rounds `transcript` recorded
    /// ([`RunRecord::into_transcript`]).
    pub fn new(
        deployment: &'a DeploymentSpec,
        symphony: Symphony,
        findings: &'a [Finding],
        report: &'a RunReport,
        transcript: &'a RunTranscript,
    ) -> ReconcileDocument<'a> {
        ReconcileDocument {
            deployment: &deployment.solution_name,
            symphony: symphony.to_string(),
            findings,
            verdict: &report.verdict,
            why: report.why(),
            rounds: report.rounds.iter().collect(),
            removal: report.removal.as_ref(),
            waited_seconds: report.waited_seconds,
            left_after_removal: &report.left_after_removal,
            stopped: report.stopped.as_deref(),
            removal_unconfirmed: Vec::new(),
            interrupted: None,
            transcript,
        }
    }

    /// Cut short by `signal`, if one did.
    pub fn interrupted_by(mut self, signal: Option<String>) -> ReconcileDocument<'a> {
        self.interrupted = signal;
        self
    }

    /// With the removal's unconfirmed deletes.
    pub fn with_unconfirmed(mut self, unconfirmed: Vec<Unconfirmed>) -> ReconcileDocument<'a> {
        self.removal_unconfirmed = unconfirmed;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::{CallSite, Phase};

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

    fn site() -> CallSite {
        CallSite {
            round: 1,
            phase: Phase::Apply,
            step: 0,
            target: "t".to_string(),
            role: "w".to_string(),
        }
    }

    fn printed(events: &[Event]) -> String {
        let mut printer = ReconcilePrinter::new(Vec::new());
        for event in events {
            printer.event(event);
        }
        String::from_utf8(printer.out).unwrap()
    }

    fn named(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i}")).collect()
    }

    #[test]
    fn a_round_that_fails_planning_says_so_without_a_step() {
        let report = RoundReport {
            round: 2,
            at_seconds: 30,
            remove: false,
            dry_run: false,
            get_plan: Vec::new(),
            plan: Vec::new(),
            steps: Vec::new(),
            applied: 0,
            skipped: 0,
            failure: Some(crate::engine::reconcile::Failure {
                stage: Stage::Plan,
                step: 0,
                target: String::new(),
                role: String::new(),
                outcome: FailedBy::Symphony,
                message: "circular dependencies".into(),
                indeterminate: false,
                components: vec!["web".into()],
            }),
            state: StateOutcome::NotSavedFailed,
            summary: Default::default(),
            noop: None,
        };
        let text = printed(&[Event::RoundFinished {
            report: Box::new(report),
        }]);
        assert!(
            text.contains("planning, before any call (symphony): circular dependencies"),
            "{text}"
        );
        assert!(!text.contains("``"), "no empty target or role: {text}");
    }

    #[test]
    fn a_huge_step_lists_its_first_components_and_counts_the_rest() {
        let components: Vec<(String, ComponentAction)> = named(5_000)
            .into_iter()
            .map(|name| (name, ComponentAction::Update))
            .collect();
        let text = printed(&[Event::CallStarted {
            site: site(),
            call: CallKind::Apply { dry_run: false },
            components,
            deployment: None,
        }]);
        assert!(text.contains("[+c0 +c1 "), "{text}");
        assert!(text.contains(" +c9 … and 4,990 more]"), "{text}");
        assert!(!text.contains("+c10"), "{text}");
    }

    #[test]
    fn reported_components_and_results_are_capped_too() {
        let reported = named(12)
            .into_iter()
            .map(|name| crate::model::ComponentSpec {
                name,
                ..Default::default()
            })
            .collect();
        let results = named(1_234)
            .into_iter()
            .map(|name| {
                let result = crate::model::ComponentResult {
                    status: 8004,
                    message: String::new(),
                };
                (name, result)
            })
            .collect();
        let text = printed(&[
            Event::CallFinished {
                site: site(),
                call: CallKind::Get,
                outcome: Ok(CallReturn::Components(reported)),
                output: CallOutput::default(),
            },
            Event::CallFinished {
                site: site(),
                call: CallKind::Apply { dry_run: false },
                outcome: Ok(CallReturn::Results(results)),
                output: CallOutput::default(),
            },
        ]);
        assert!(text.contains("c9 … and 2 more]"), "{text}");
        // Results come in name order: c0, c1, c10, c100, …
        assert!(text.contains(": 8004, … and 1,224 more}"), "{text}");
        assert_eq!(text.matches(": 8004").count(), 10, "{text}");
    }

    #[test]
    fn ten_components_are_listed_whole() {
        let components = named(10)
            .into_iter()
            .map(|name| (name, ComponentAction::Delete))
            .collect();
        let text = printed(&[Event::CallStarted {
            site: site(),
            call: CallKind::Get,
            components,
            deployment: None,
        }]);
        assert!(text.contains("[c0 c1 c2 c3 c4 c5 c6 c7 c8 c9]"), "{text}");
        assert!(!text.contains("more"), "{text}");
    }

    #[test]
    fn thousands_are_grouped_by_three() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (4_990, "4,990"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), text, "{n}");
        }
    }

    #[test]
    fn progress_hands_every_event_on_with_or_without_a_bar() {
        let events = [
            Event::CallStarted {
                site: site(),
                call: CallKind::Get,
                components: Vec::new(),
                deployment: None,
            },
            Event::RoundStarted {
                round: 2,
                at_seconds: 30,
                remove: false,
                has_previous: true,
            },
        ];
        for enabled in [false, true] {
            let mut progress = Progress::new(Vec::new(), enabled);
            for event in &events {
                progress.event(event);
            }
            assert_eq!(progress.into_inner(), events, "enabled: {enabled}");
        }
    }

    #[test]
    fn progress_without_a_bar_listens_only_when_its_sink_does() {
        use crate::engine::events::NoSink;
        assert!(!Progress::new(NoSink, false).is_listening());
        assert!(
            Progress::new(NoSink, true).is_listening(),
            "the bar counts calls"
        );
        assert!(Progress::new(Vec::new(), false).is_listening());
    }
}
