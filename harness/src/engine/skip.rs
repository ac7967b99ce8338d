//! Symphony's skip check (`canSkipStep` in `solutionversion-manager.go`): whether a planned
//! step may be skipped because none of its components changed.
//!
//! Owns what one round compares steps with ([`SkipBasis`]: the stored state, and what `get`
//! reported merged with it, each indexed by name once) and the check itself, which asks the
//! step's provider for its validation rule before it compares a component. The apply loop of
//! [`super::reconcile`] runs it for every step when a state is stored; without one, every
//! step is applied.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::change::{compare_within, MATCH_BUDGET};
use super::events::{emit, CallKind, CallReturn, CallSite, Event, EventSink};
use super::report::{Against, ApplyReason, StepDecision};
use super::state::{key, DeploymentState};
use super::{EngineError, Provider};
use crate::model::{
    ComponentAction, ComponentSpec, DeploymentSpec, DeploymentStep, ValidationRule,
};

/// Where the first component of each name is in a list: Go's searches in `canSkipStep` stop
/// at the first match. Built once per round, so a step's check costs its own components; a
/// list shorter than [`INDEX_FROM`] is searched in place (building the map would cost more).
#[derive(Default)]
pub(super) struct NameIndex(pub(super) Option<HashMap<String, usize>>);

/// The length from which a component list gets a [`NameIndex`] map.
pub(super) const INDEX_FROM: usize = 32;

/// The [`NameIndex`] of `components`.
pub(super) fn first_by_name(components: &[Arc<ComponentSpec>]) -> NameIndex {
    if components.len() < INDEX_FROM {
        return NameIndex(None);
    }
    let mut index = HashMap::with_capacity(components.len());
    for (at, component) in components.iter().enumerate() {
        index.entry(component.name.clone()).or_insert(at);
    }
    NameIndex(Some(index))
}

impl NameIndex {
    /// The first component named `name` in `components` (the list this index was built for).
    pub(super) fn find<'c>(
        &self,
        components: &'c [Arc<ComponentSpec>],
        name: &str,
    ) -> Option<&'c ComponentSpec> {
        match &self.0 {
            Some(index) => index.get(name).map(|&at| &*components[at]),
            None => components.iter().find(|c| c.name == name).map(|c| &**c),
        }
    }
}

/// What the skip check compares a round's steps with: the previous stored state, and the
/// state `get` reported merged with it (Go's `testState`), each with its [`first_by_name`]
/// index.
pub(super) struct SkipBasis<'a> {
    previous: &'a DeploymentState,
    previous_index: NameIndex,
    test: DeploymentState,
    test_index: NameIndex,
    /// The deployment the previous reconcile stored.
    previous_spec: &'a DeploymentSpec,
    /// The names of its components (what it wanted deployed, not what `get` added to its
    /// state), made the first time a delete asks.
    desired_before: OnceCell<HashSet<&'a str>>,
}

impl<'a> SkipBasis<'a> {
    /// The basis of a round with a stored state (`previous`, saved with `previous_spec`) in
    /// which `get` reported `current`.
    pub(super) fn new(
        previous: &'a DeploymentState,
        previous_spec: &'a DeploymentSpec,
        current: DeploymentState,
    ) -> SkipBasis<'a> {
        let test = current.merged_with_previous(previous);
        SkipBasis {
            previous_index: first_by_name(&previous.components),
            test_index: first_by_name(&test.components),
            previous,
            test,
            previous_spec,
            desired_before: OnceCell::new(),
        }
    }

    /// Did the previous reconcile want `name` deployed?
    fn desired_before(&self, name: &str) -> bool {
        self.desired_before
            .get_or_init(|| {
                self.previous_spec
                    .components()
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect()
            })
            .contains(name)
    }

    fn previous(&self, name: &str) -> Option<&ComponentSpec> {
        self.previous_index.find(&self.previous.components, name)
    }

    fn current(&self, name: &str) -> Option<&ComponentSpec> {
        self.test_index.find(&self.test.components, name)
    }

    /// `canSkipStep`: skip `step` only when every component passes. `provider` is the
    /// step's (Symphony asks it for the rule before each comparison). `Err` when a comparison
    /// passes the wildcard matching budget ([`MATCH_BUDGET`]).
    pub(super) fn decide(
        &self,
        step: &DeploymentStep,
        provider: &mut dyn Provider,
        site: &CallSite,
        sink: &mut dyn EventSink,
    ) -> Result<StepDecision, EngineError> {
        for entry in &step.components {
            let name = &entry.component.name;
            let value = self
                .test
                .target_component
                .get(&key(name, &step.target))
                .map_or("", String::as_str);
            let was_desired = self.previous(name);
            if entry.action == ComponentAction::Delete {
                if was_desired.is_some() && !value.is_empty() {
                    // In the stored state; either once desired, or only ever reported by `get`.
                    let component = name.clone();
                    return Ok(StepDecision::Apply {
                        reason: if self.desired_before(name) {
                            ApplyReason::DeleteOfPreviouslyDesired { component }
                        } else {
                            ApplyReason::DeleteOfReportedOnly { component }
                        },
                    });
                }
                continue;
            }
            let Some(old) = was_desired else {
                return Ok(StepDecision::Apply {
                    reason: ApplyReason::NotPreviouslyDesired {
                        component: name.clone(),
                    },
                });
            };
            if value.is_empty() || value.starts_with('-') {
                return Ok(StepDecision::Apply {
                    reason: ApplyReason::NotReportedByGet {
                        component: name.clone(),
                    },
                });
            }
            let rule = rule_of(provider, site, sink);
            let Some(current) = self.current(name) else {
                continue;
            };
            for (against, side) in [(Against::PreviousDesired, old), (Against::Current, current)] {
                let report = compare_within(&rule, side, &entry.component, MATCH_BUDGET)?;
                if report.changed {
                    return Ok(StepDecision::Apply {
                        reason: ApplyReason::Changed {
                            component: name.clone(),
                            against,
                            reasons: report.reasons,
                        },
                    });
                }
            }
        }
        Ok(StepDecision::Skip)
    }
}

/// `get_validation_rule` on the step's provider, with its events; Go silently uses the zero
/// rule when the call fails.
fn rule_of(
    provider: &mut dyn Provider,
    site: &CallSite,
    sink: &mut dyn EventSink,
) -> ValidationRule {
    emit(sink, || Event::CallStarted {
        site: site.clone(),
        call: CallKind::GetValidationRule,
        components: Vec::new(),
        deployment: None,
    });
    let rule = provider.get_validation_rule();
    emit(sink, || Event::CallFinished {
        site: site.clone(),
        call: CallKind::GetValidationRule,
        outcome: rule.clone().map(|r| CallReturn::Rule(Box::new(r))),
        output: provider.take_output(),
    });
    rule.unwrap_or_else(|_| ValidationRule::zero())
}
