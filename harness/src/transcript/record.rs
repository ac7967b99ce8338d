//! The record of a scenario run: steps, rounds, calls and decisions, and the devices' true
//! state, as typed values that serialize to the transcript's JSON.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::engine::events::{CallKind, CallReturn, Phase};
use crate::engine::reconcile::{Failure, StateOutcome, Summary};
use crate::engine::Outcome;
use crate::model::{
    ComponentAction, ComponentResult, ComponentSpec, SentDeployment, ValidationRule,
};

/// The record of one scenario run.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
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

impl Transcript {
    /// Step `number` (from 1).
    pub fn step(&self, number: usize) -> Option<&StepTranscript> {
        self.steps.get(number.checked_sub(1)?)
    }
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

impl StepTranscript {
    /// Every call of the step, in order, each with its round's number.
    pub fn calls(&self) -> impl Iterator<Item = (u32, &CallEntry)> {
        self.rounds.iter().flat_map(|round| {
            round.events.iter().filter_map(move |entry| match entry {
                Entry::Call(call) => Some((round.round, call)),
                Entry::Decision(_) => None,
            })
        })
    }

    /// The simulated devices' true components after the step, all devices together, by
    /// name; `None` when no device state was recorded (not the simulated provider).
    pub fn device_components(&self) -> Option<BTreeMap<&str, &DeviceComponent>> {
        (!self.devices.is_empty()).then(|| {
            self.devices
                .values()
                .flatten()
                .map(|(name, component)| (name.as_str(), component))
                .collect()
        })
    }
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
    /// The stored state's keys after the round (`TargetComponent`: `component::target` to
    /// role), when the recorder knows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_keys: Option<BTreeMap<String, String>>,
    /// Why Symphony did nothing at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noop: Option<String>,
    /// Symphony's summary of the round (`SummarySpec`, in Go's JSON names).
    pub summary: Summary,
    /// The deployment documents the round's `apply` calls were sent, each once (a call
    /// names its own by index, in `deployment`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<SentDeployment>,
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
#[derive(Debug, Clone, PartialEq)]
pub struct CallEntry {
    /// Which call (`apply` carries its `is_dry_run`).
    pub call: CallKind,
    /// The phase of the reconcile it belongs to.
    pub phase: Phase,
    /// The step index in the phase's plan.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
    /// The provider instance the call went to, numbered from 1 in creation order.
    pub instance: u32,
    /// The components sent, in order.
    pub components: Vec<SentComponent>,
    /// How it ended.
    pub outcome: Outcome,
    /// The error's message.
    pub message: Option<String>,
    /// What it returned.
    pub returned: Option<Returned>,
    /// What the provider printed, by stream.
    pub printed: BTreeMap<&'static str, String>,
    /// The deployment document an `apply` was sent: its index in the round's `deployments`.
    pub deployment: Option<usize>,
}

impl CallEntry {
    /// `apply`'s `is_dry_run` (`None` for the other calls).
    pub fn dry_run(&self) -> Option<bool> {
        match self.call {
            CallKind::Apply { dry_run } => Some(dry_run),
            _ => None,
        }
    }

    /// Whether this is an `apply`.
    pub fn is_apply(&self) -> bool {
        matches!(self.call, CallKind::Apply { .. })
    }

    /// The components `get` returned, when this is a `get` that returned.
    pub fn reported(&self) -> Option<&[ComponentSpec]> {
        match &self.returned {
            Some(Returned::Components(components)) => Some(components),
            _ => None,
        }
    }

    /// The result map `apply` returned, when this is an `apply` that returned.
    pub fn results(&self) -> Option<&BTreeMap<String, ComponentResult>> {
        match &self.returned {
            Some(Returned::Results(results)) => Some(results),
            _ => None,
        }
    }

    /// The names sent, in order, each with ` (delete)` after a delete.
    pub fn component_names(&self) -> Vec<String> {
        self.components.iter().map(ToString::to_string).collect()
    }
}

/// The JSON of a call: the call's name, the phase's label, `dryRun` beside it.
impl Serialize for CallEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Json<'a> {
            call: &'static str,
            phase: &'static str,
            step: usize,
            target: &'a str,
            role: &'a str,
            instance: u32,
            #[serde(skip_serializing_if = "<[SentComponent]>::is_empty")]
            components: &'a [SentComponent],
            #[serde(skip_serializing_if = "Option::is_none")]
            dry_run: Option<bool>,
            outcome: Outcome,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            returned: Option<&'a Returned>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            printed: &'a BTreeMap<&'static str, String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            deployment: Option<usize>,
        }
        Json {
            call: self.call.name(),
            phase: self.phase.label(),
            step: self.step,
            target: &self.target,
            role: &self.role,
            instance: self.instance,
            components: &self.components,
            dry_run: self.dry_run(),
            outcome: self.outcome,
            message: self.message.as_deref(),
            returned: self.returned.as_ref(),
            printed: &self.printed,
            deployment: self.deployment,
        }
        .serialize(serializer)
    }
}

/// A component a call was sent: its name, and whether the step deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentComponent {
    /// Its name.
    pub name: String,
    /// Whether the step deletes it (`apply` only; `get`'s references are always updates).
    pub delete: bool,
}

impl SentComponent {
    /// The components of a call, as the engine sent them.
    pub fn list(components: &[(String, ComponentAction)]) -> Vec<SentComponent> {
        components
            .iter()
            .map(|(name, action)| SentComponent {
                name: name.clone(),
                delete: matches!(action, ComponentAction::Delete),
            })
            .collect()
    }
}

/// `web`, or `web (delete)`: how transcripts and expectations write a component sent.
impl std::fmt::Display for SentComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.delete {
            write!(f, "{} (delete)", self.name)
        } else {
            f.write_str(&self.name)
        }
    }
}

impl Serialize for SentComponent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a call returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Returned {
    /// `get`'s components.
    Components(Vec<ComponentSpec>),
    /// `get_validation_rule`'s rule.
    Rule(Box<ValidationRule>),
    /// `apply`'s result map.
    Results(BTreeMap<String, ComponentResult>),
}

impl Returned {
    /// What a successful call returned, as the transcript keeps it (`None` for a provider
    /// created).
    pub fn of(value: &CallReturn) -> Option<Returned> {
        match value {
            CallReturn::Created => None,
            CallReturn::Components(components) => Some(Returned::Components(components.clone())),
            CallReturn::Rule(rule) => Some(Returned::Rule(rule.clone())),
            CallReturn::Results(results) => Some(Returned::Results(results.clone())),
        }
    }
}

/// Components and results as they are; a rule without its Go zero values.
impl Serialize for Returned {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Returned::Components(components) => components.serialize(serializer),
            Returned::Results(results) => results.serialize(serializer),
            Returned::Rule(rule) => {
                let value = serde_json::to_value(rule).map_err(serde::ser::Error::custom)?;
                without_defaults(value).serialize(serializer)
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
