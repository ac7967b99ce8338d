//! What the engine reports while it runs: events sent to an [`EventSink`].
//!
//! The engine never prints. The CLI (and later transcripts and reports) implement
//! [`EventSink`]; tests collect events in a [`Vec`]. Every provider call is a
//! [`Event::CallStarted`] / [`Event::CallFinished`] pair, every step gets a
//! [`Event::StepDecided`], and every round ends with [`Event::RoundFinished`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::provider::{CallError, CallOutput};
use super::report::{RoundReport, StepDecision};
use crate::model::{
    ComponentAction, ComponentResult, ComponentSpec, SentDeployment, ValidationRule,
};

/// Sends the event `make` builds, if the sink listens at all (events are only built for a
/// sink that wants them).
pub(super) fn emit(sink: &mut dyn EventSink, make: impl FnOnce() -> Event) {
    if sink.is_listening() {
        sink.event(&make());
    }
}

/// Which phase of a reconcile a call belongs to.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Reading the current state: the desired-only plan, one `get` per step.
    Get,
    /// Carrying out the plan: skip check and `apply`.
    Apply,
    /// The harness's own look after a removal (not Symphony's): one `get` per deleted step, to
    /// see whether the provider really removed what it reported as deleted.
    Check,
}

impl Phase {
    /// How the phase is named in human output: `get-phase`, `apply-phase`, `check`.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Get => "get-phase",
            Phase::Apply => "apply-phase",
            Phase::Check => "check",
        }
    }
}

/// A provider call.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// `create_provider_instance` (Symphony creates a provider for every step).
    Create,
    /// `get` with the step's components as references.
    Get,
    /// `get_validation_rule`, during the skip check.
    GetValidationRule,
    /// `apply` of the step.
    Apply {
        /// The `is_dry_run` argument.
        dry_run: bool,
    },
}

impl CallKind {
    /// The call's name as Symphony's host exports it.
    pub fn name(&self) -> &'static str {
        match self {
            CallKind::Create => "create_provider",
            CallKind::Get => "get",
            CallKind::GetValidationRule => "get_validation_rule",
            CallKind::Apply { .. } => "apply",
        }
    }
}

/// What a successful call returned.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub enum CallReturn {
    /// A provider was created.
    Created,
    /// `get`'s components.
    Components(Vec<ComponentSpec>),
    /// `get_validation_rule`'s rule.
    Rule(Box<ValidationRule>),
    /// `apply`'s result map (recorded; it never decides success).
    Results(BTreeMap<String, ComponentResult>),
}

/// Where a call happened.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// Round number, from 1.
    pub round: u32,
    /// Phase.
    pub phase: Phase,
    /// Step index in the phase's plan, from 0.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
}

/// One thing the engine did or decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A round (one Symphony reconcile) starts.
    RoundStarted {
        /// Round number, from 1.
        round: u32,
        /// Logical time in seconds since the first round.
        at_seconds: u64,
        /// A removal?
        remove: bool,
        /// Is there a stored state from an earlier successful round?
        has_previous: bool,
    },
    /// A provider call starts.
    CallStarted {
        /// Where.
        site: CallSite,
        /// Which call.
        call: CallKind,
        /// The components sent (references or step), with their actions.
        components: Vec<(String, ComponentAction)>,
        /// The deployment document an `apply` is sent (shared, not copied); `None` for the
        /// other calls.
        deployment: Option<SentDeployment>,
    },
    /// A provider call ended.
    CallFinished {
        /// Where.
        site: CallSite,
        /// Which call.
        call: CallKind,
        /// What it returned, or how it failed.
        outcome: Result<CallReturn, CallError>,
        /// What the provider printed during the call (empty when nothing).
        output: CallOutput,
    },
    /// The engine decided whether to apply a step.
    StepDecided {
        /// Where.
        site: CallSite,
        /// The decision and its reason.
        decision: StepDecision,
    },
    /// Symphony would wait here; the engine only counts it on its logical clock.
    Waited {
        /// Round number.
        round: u32,
        /// Seconds Symphony would wait.
        seconds: u64,
        /// Why.
        why: String,
    },
    /// A round ended.
    RoundFinished {
        /// The round's report.
        report: Box<RoundReport>,
    },
}

/// Receives the engine's events.
pub trait EventSink {
    /// Called for every event, in order.
    fn event(&mut self, event: &Event);

    /// Whether the sink looks at events at all. The engine does not build events (nor the
    /// copies of call results they hold) for a sink that does not: a run that only wants the
    /// round reports, such as a property-based search, goes faster.
    fn is_listening(&self) -> bool {
        true
    }
}

impl EventSink for Vec<Event> {
    fn event(&mut self, event: &Event) {
        self.push(event.clone());
    }
}

/// A sink that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSink;

impl EventSink for NoSink {
    fn event(&mut self, _event: &Event) {}

    fn is_listening(&self) -> bool {
        false
    }
}
