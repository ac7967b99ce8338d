//! Transcripts: the normalised record of a scenario run, made from the engine's events.
//!
//! A transcript lists, step by step and round by round, every provider call in order (kind,
//! phase, step, target, role, the provider instance it went to, the components sent, the
//! dry-run flag), its outcome, what it returned and what the provider printed; the engine's
//! decision for every step (skip or apply, and why); how each round ended and what Symphony
//! stored; and, for the simulated provider, the device's true state after each step.
//!
//! Normalised so that two runs of the same scenario and seed give the same bytes: maps are
//! sorted, durations are never recorded (Symphony's waits are on the logical clock), and
//! volatile text (this run's scratch folder, the library's path, process ids) is replaced by
//! [`Redactions`]. `docs/scenarios.md` lists the rules.
//!
//! Main types: [`TranscriptSink`], the [`EventSink`] that records rounds; [`Transcript`] and
//! its parts, the record; [`Redactions`].

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::engine::events::{CallKind, CallReturn, Event, EventSink};
use crate::engine::reconcile::{Failure, StateOutcome, StepDecision};
use crate::engine::{CallError, Outcome};
use crate::model::{ComponentAction, ValidationRule};

/// The record of one scenario run.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// The scenario's name.
    pub scenario: String,
    /// The SHA-256 of the provider library that ran.
    pub library_sha256: String,
    /// The version of the harness that made the transcript.
    pub harness_version: String,
    /// What it pins.
    pub description: String,
    /// The provider library's file name (`simulated provider` for the bundled one).
    pub provider: String,
    /// The Symphony release whose JSON the provider received.
    pub symphony: String,
    /// Every step, in order.
    pub steps: Vec<StepTranscript>,
}

/// What one step did.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct StepTranscript {
    /// Step number, from 1.
    pub step: usize,
    /// What the step does, in words.
    pub action: String,
    /// The scenario's note for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its rounds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<RoundTranscript>,
    /// Why Symphony would not have gone on after this step's last round (its process died
    /// or hung); the scenario goes on as after a restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symphony_stops: Option<String>,
    /// After a removal: components `get` still reports although `apply` said it deleted them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_after_removal: Vec<String>,
    /// The true state of each simulated device after the step, by device id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub devices: BTreeMap<String, BTreeMap<String, DeviceComponent>>,
    /// Expectations that did not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_expectations: Vec<String>,
}

/// A component on a device, as the device truly holds it.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceComponent {
    /// Its type.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub component_type: String,
    /// Its properties.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Value>,
}

/// One round.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoundTranscript {
    /// Round number within the run, from 1.
    pub round: u32,
    /// Logical time, in seconds since the first round.
    pub at_seconds: u64,
    /// A removal?
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub remove: bool,
    /// A dry run?
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Calls and decisions, in order.
    pub events: Vec<Entry>,
    /// Why the round failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// What became of the stored state.
    pub state: StateOutcome,
    /// The stored state's components after the round (none: nothing stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<Vec<String>>,
    /// Why Symphony did nothing at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noop: Option<String>,
}

/// A call or a decision.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Entry {
    /// A provider call.
    Call(CallEntry),
    /// The skip check's decision for an apply-phase step.
    Decision(DecisionEntry),
}

/// One provider call.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallEntry {
    /// `create_provider`, `get`, `get_validation_rule` or `apply`.
    pub call: &'static str,
    /// `get-phase`, `apply-phase` or `check`.
    pub phase: &'static str,
    /// The step index in the phase's plan.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
    /// The provider instance the call went to, numbered from 1 in creation order.
    pub instance: u32,
    /// The components sent (`name`, or `name (delete)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// `apply`'s `is_dry_run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// How it ended.
    pub outcome: Outcome,
    /// The error's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What it returned (`get`'s components, the rule, `apply`'s result map).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returned: Option<Value>,
    /// What the provider printed, by stream.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub printed: BTreeMap<&'static str, String>,
}

/// The skip check's decision.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DecisionEntry {
    /// The step index.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
    /// `apply` or `skip`.
    pub decision: &'static str,
    /// Why it is applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Records the engine's events as rounds.
#[derive(Debug, Default)]
pub struct TranscriptSink {
    rounds: Vec<RoundTranscript>,
    instances: u32,
    /// The components of the call that started last (its finished event does not repeat
    /// them; calls never overlap).
    started: Vec<String>,
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

fn returned(value: &CallReturn) -> Option<Value> {
    match value {
        CallReturn::Created => None,
        CallReturn::Components(components) => serde_json::to_value(components).ok(),
        CallReturn::Rule(rule) => serde_json::to_value(rule).ok().map(without_defaults),
        CallReturn::Results(results) => serde_json::to_value(results).ok(),
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
                noop: None,
            }),
            Event::CallStarted { components, .. } => self.started = component_list(components),
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
                    Ok(value) => (Outcome::Ok, None, returned(value)),
                    Err(err) => (err.outcome(), Some(message_of(err)), None),
                };
                let entry = CallEntry {
                    call: call.name(),
                    phase: site.phase.label(),
                    step: site.step,
                    target: site.target.clone(),
                    role: site.role.clone(),
                    instance: self.instances,
                    components,
                    dry_run: match call {
                        CallKind::Apply { dry_run } => Some(*dry_run),
                        _ => None,
                    },
                    outcome: outcome_class,
                    message,
                    returned: value,
                    printed: output
                        .labelled()
                        .map(|(label, text)| (label, text.to_string()))
                        .collect(),
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
                }
            }
        }
    }
}

/// A validation rule without its empty lists, empty texts and `false` flags (they are
/// Go's zero values, which the rule means when they are absent): the entries that decide
/// are left, readable.
fn without_defaults(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| {
                    !matches!(v, Value::Bool(false))
                        && v.as_str() != Some("")
                        && v.as_array().is_none_or(|items| !items.is_empty())
                })
                .map(|(k, v)| (k, without_defaults(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_defaults).collect()),
        other => other,
    }
}

fn message_of(err: &CallError) -> String {
    err.to_string()
}

/// The component list of a call, as the transcript shows it.
pub fn component_list(components: &[(String, ComponentAction)]) -> Vec<String> {
    components
        .iter()
        .map(|(name, action)| match action {
            ComponentAction::Delete => format!("{name} (delete)"),
            _ => name.clone(),
        })
        .collect()
}

/// Volatile text replaced in a transcript, longest first, so that two runs compare equal.
#[derive(Debug, Clone, Default)]
pub struct Redactions {
    replacements: Vec<(String, String)>,
}

impl Redactions {
    /// No redactions.
    pub fn new() -> Redactions {
        Redactions::default()
    }

    /// Replaces every occurrence of `text` by `[label]`.
    pub fn replace(mut self, text: impl Into<String>, label: &str) -> Redactions {
        let text = text.into();
        if !text.is_empty() {
            self.replacements.push((text, format!("[{label}]")));
            self.replacements
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        self
    }

    /// `value` with every string (and map key) redacted, process ids (`pid 1234`) replaced by
    /// `pid [pid]`, and a Rust panic's thread id and backtrace note replaced
    /// ([`redact_panics`]).
    pub fn apply(&self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, v)| (self.text(&key), self.apply(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// `text` redacted.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.replacements {
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        redact_panics(&redact_pids(&out))
    }
}

/// What a Rust panic prints that differs from run to run or with the environment: the thread
/// id in `thread 'main' (1234) panicked` becomes `([tid])`, and the backtrace, or the note
/// saying how to get one (which of the two depends on `RUST_BACKTRACE`), becomes
/// `[backtrace]`.
fn redact_panics(text: &str) -> String {
    if !text.contains("thread '") {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    let mut in_backtrace = false;
    for line in text.split('\n') {
        if in_backtrace {
            if line.starts_with(' ') {
                continue;
            }
            in_backtrace = false;
            if line.starts_with("note: Some details are omitted") {
                continue;
            }
        }
        if line == "stack backtrace:" {
            in_backtrace = true;
            out.push("[backtrace]".to_string());
        } else if line.starts_with("note: run with `RUST_BACKTRACE=1`") {
            out.push("[backtrace]".to_string());
        } else {
            out.push(redact_thread_id(line));
        }
    }
    out.join("\n")
}

/// `thread 'name' (1234) panicked` → `thread 'name' ([tid]) panicked`.
fn redact_thread_id(line: &str) -> String {
    let Some(start) = line.find("thread '") else {
        return line.to_string();
    };
    let after_name = line[start + 8..].find("' (").map(|at| start + 8 + at + 3);
    let Some(open) = after_name else {
        return line.to_string();
    };
    let digits = line[open..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !line[open + digits..].starts_with(") panicked") {
        return line.to_string();
    }
    format!("{}[tid]{}", &line[..open], &line[open + digits..])
}

/// `pid 1234` → `pid [pid]` (process ids differ from run to run).
fn redact_pids(text: &str) -> String {
    if !text.contains("pid ") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("pid ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("[pid]");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redactions_replace_the_longest_text_first_and_pids() {
        let redactions = Redactions::new()
            .replace("/tmp/run", "scratch")
            .replace("/tmp/run/lib.so", "library");
        let value = json!({"a": "loaded /tmp/run/lib.so in pid 42", "/tmp/run/x": ["pid x", 3]});
        assert_eq!(
            redactions.apply(value),
            json!({"a": "loaded [library] in pid [pid]", "[scratch]/x": ["pid x", 3]})
        );
    }

    #[test]
    fn a_panics_thread_id_and_backtrace_are_redacted_whatever_rust_backtrace_says() {
        let without = "\nthread '<unnamed>' (1894) panicked at src/p.rs:2:3:\nboom\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let with = "\nthread '<unnamed>' (32574) panicked at src/p.rs:2:3:\nboom\n\
            stack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /rustc/x/panicking.rs:689:5\n\
            note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let full = "\nthread '<unnamed>' (7) panicked at src/p.rs:2:3:\nboom\n\
            stack backtrace:\n   0: __rustc::rust_begin_unwind\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let expected =
            "\nthread '<unnamed>' ([tid]) panicked at src/p.rs:2:3:\nboom\n[backtrace]\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let redactions = Redactions::new();
        for text in [without, with, full] {
            assert_eq!(redactions.text(text), expected, "{text}");
        }
        let untouched = "thread 'main' (x) panicked; thread ' (12) done";
        assert_eq!(redactions.text(untouched), untouched);
    }
}
