//! [`TranscriptSink`]: records the engine's events as the rounds of a transcript.

use super::record::{CallEntry, DecisionEntry, Entry, Returned, RoundTranscript, SentComponent};
use crate::engine::events::{CallKind, CallReturn, Event, EventSink};
use crate::engine::reconcile::{StateOutcome, StepDecision, Summary};
use crate::engine::Outcome;
use crate::model::{SentDeployment, ValidationRule};

/// Records the engine's events as rounds.
#[derive(Debug, Default)]
pub struct TranscriptSink {
    rounds: Vec<RoundTranscript>,
    instances: u32,
    /// The components of the call that started last (its finished event does not repeat
    /// them; calls never overlap).
    started: Vec<SentComponent>,
    /// The index, in its round's `deployments`, of the document the call that started last
    /// was sent (`apply` only).
    started_deployment: Option<usize>,
    /// The validation rule a provider returned last.
    rule: Option<ValidationRule>,
}

impl TranscriptSink {
    /// A sink with no rounds, whose provider instances are numbered from 1.
    pub fn new() -> TranscriptSink {
        TranscriptSink::default()
    }

    /// The rounds recorded since the last take.
    pub fn take_rounds(&mut self) -> Vec<RoundTranscript> {
        std::mem::take(&mut self.rounds)
    }

    /// The validation rule a provider returned last, if any did.
    pub fn last_rule(&self) -> Option<&ValidationRule> {
        self.rule.as_ref()
    }

    /// The last round recorded (to add what only the caller knows, such as the stored
    /// state after it).
    pub fn last_round_mut(&mut self) -> Option<&mut RoundTranscript> {
        self.rounds.last_mut()
    }
}

impl EventSink for TranscriptSink {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RoundStarted {
                round,
                at_seconds,
                remove,
                ..
            } => self.rounds.push(RoundTranscript {
                round: *round,
                at_seconds: *at_seconds,
                remove: *remove,
                dry_run: false,
                events: Vec::new(),
                failure: None,
                state: StateOutcome::Untouched,
                stored: None,
                stored_keys: None,
                noop: None,
                summary: Summary::default(),
                deployments: Vec::new(),
            }),
            Event::CallStarted {
                components,
                deployment,
                ..
            } => {
                self.started = SentComponent::list(components);
                self.started_deployment = match (deployment, self.rounds.last_mut()) {
                    (Some(sent), Some(round)) => Some(document_index(round, sent)),
                    _ => None,
                };
            }
            Event::Waited { .. } => {}
            Event::CallFinished {
                site,
                call,
                outcome,
                output,
            } => {
                if matches!(call, CallKind::Create) && outcome.is_ok() {
                    self.instances += 1;
                }
                let components = std::mem::take(&mut self.started);
                if let Ok(CallReturn::Rule(rule)) = outcome {
                    self.rule = Some((**rule).clone());
                }
                let (outcome_class, message, value) = match outcome {
                    Ok(value) => (Outcome::Ok, None, Returned::of(value)),
                    Err(err) => (err.outcome(), Some(err.to_string()), None),
                };
                let entry = CallEntry {
                    call: call.clone(),
                    phase: site.phase,
                    step: site.step,
                    target: site.target.clone(),
                    role: site.role.clone(),
                    instance: self.instances,
                    components,
                    outcome: outcome_class,
                    message,
                    returned: value,
                    printed: output
                        .labelled()
                        .map(|(label, text)| (label, text.to_string()))
                        .collect(),
                    deployment: self.started_deployment.take(),
                };
                if let Some(round) = self.rounds.last_mut() {
                    round.events.push(Entry::Call(entry));
                }
            }
            Event::StepDecided { site, decision } => {
                let (decision, reason) = match decision {
                    StepDecision::Skip => ("skip", None),
                    StepDecision::Apply { reason } => ("apply", Some(reason.describe())),
                };
                if let Some(round) = self.rounds.last_mut() {
                    round.events.push(Entry::Decision(DecisionEntry {
                        step: site.step,
                        target: site.target.clone(),
                        role: site.role.clone(),
                        decision,
                        reason,
                    }));
                }
            }
            Event::RoundFinished { report } => {
                if let Some(round) = self.rounds.last_mut() {
                    round.dry_run = report.dry_run;
                    round.failure = report.failure.clone();
                    round.state = report.state;
                    round.noop = report.noop.clone();
                    round.summary = report.summary.clone();
                }
            }
        }
    }
}

/// The index of `sent` in `round`'s documents, added when it is new: every `apply` of a round
/// usually gets the same document, kept once.
fn document_index(round: &mut RoundTranscript, sent: &SentDeployment) -> usize {
    match round.deployments.iter().position(|known| known == sent) {
        Some(at) => at,
        None => {
            round.deployments.push(sent.clone());
            round.deployments.len() - 1
        }
    }
}
