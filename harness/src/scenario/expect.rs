//! Checking a step's expectations against what happened.
//!
//! Each expectation that does not hold becomes a [`Mismatch`] naming the step, its line in
//! the scenario file, the round, what was expected and what happened instead.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::format::{CallExpect, DeviceComponentExpect, Expect, Step};
use crate::engine::events::{CallKind, Phase};
use crate::engine::reconcile::{ApplyReason, RoundReport, StepDecision};
use crate::model::{ComponentAction, ComponentSpec, ValidationRule};
use crate::transcript::{DeviceComponent, Entry};

/// What a step left behind, for its expectations.
#[derive(Debug, Clone, Default)]
pub struct StepFacts {
    /// The step's rounds.
    pub rounds: Vec<RoundReport>,
    /// After a removal: what `get` still reported.
    pub left_after_removal: Vec<String>,
    /// The stored state's components after the step (none: nothing stored).
    pub stored: Option<Vec<String>>,
    /// The last round's calls and decisions.
    pub calls: Vec<Entry>,
    /// The true state of each simulated device after the step.
    pub devices: BTreeMap<String, BTreeMap<String, DeviceComponent>>,
    /// The device the step's expectations address (its `on` target's, or the only one).
    pub device_for_on: Option<String>,
    /// Every round's calls and decisions, in order (gathered when `soundCalls` or
    /// `reportsOnlyReferenced` is expected).
    pub step_calls: Vec<Entry>,
    /// The true state of each simulated device before the step (read only when an
    /// expectation needs it).
    pub devices_before: Option<BTreeMap<String, BTreeMap<String, DeviceComponent>>>,
    /// The desired components after the step (the solution's, or the lone target's;
    /// gathered when `deviceAsDesired` is expected).
    pub desired: Vec<ComponentSpec>,
    /// The validation rule the provider returned last (gathered with `desired`).
    pub rule: Option<ValidationRule>,
}

/// An expectation that did not hold.
#[derive(Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    /// Step number, from 1.
    pub step: usize,
    /// The step's line in the scenario file.
    pub line: usize,
    /// The round it is about, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    /// The expectation (`expect.updates`, …).
    pub what: String,
    /// What was expected.
    pub expected: String,
    /// What happened.
    pub actual: String,
}

impl Mismatch {
    /// True when `other` is the same expectation failing the same way, wherever its step is
    /// written (a bundle's scenario file has other line numbers than the original).
    pub fn same_as(&self, other: &Mismatch) -> bool {
        (
            self.step,
            self.round,
            &self.what,
            &self.expected,
            &self.actual,
        ) == (
            other.step,
            other.round,
            &other.what,
            &other.expected,
            &other.actual,
        )
    }

    /// One line: where, what, expected and actual.
    pub fn describe(&self) -> String {
        let round = self
            .round
            .map_or(String::new(), |round| format!(", round {round}"));
        format!(
            "step {} (line {}{round}): {}: expected {}, got {}",
            self.step, self.line, self.what, self.expected, self.actual
        )
    }
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        return "none".to_string();
    }
    list.iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut list = list.to_vec();
    list.sort();
    list
}

/// The kebab-case kind of an apply reason, as in JSON.
fn reason_kind(reason: &ApplyReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|value| {
            value
                .get("kind")
                .and_then(|k| k.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// The components of the last round's applied steps with `action`, and of its skipped steps.
fn round_components(round: &RoundReport) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut updates, mut deletes, mut skips) = (Vec::new(), Vec::new(), Vec::new());
    for record in &round.steps {
        let applied = record.results.is_some();
        for entry in &record.step.components {
            let name = entry.component.name.clone();
            match (&record.decision, entry.action) {
                (StepDecision::Skip, _) => skips.push(name),
                (StepDecision::Apply { .. }, ComponentAction::Delete) if applied => {
                    deletes.push(name)
                }
                (StepDecision::Apply { .. }, _) if applied => updates.push(name),
                _ => {}
            }
        }
    }
    (updates, deletes, skips)
}

/// Collects the mismatches of one step.
pub(super) struct Checker {
    step: usize,
    line: usize,
    round: Option<u32>,
    out: Vec<Mismatch>,
}

impl Checker {
    /// Records that `expect.<what>` did not hold.
    pub(super) fn mismatch(&mut self, what: &str, expected: String, actual: String) {
        self.out.push(Mismatch {
            step: self.step,
            line: self.line,
            round: self.round,
            what: format!("expect.{what}"),
            expected,
            actual,
        });
    }

    /// `rounds`, and round facts asked of a step that runs no round.
    fn round_count(&mut self, expect: &Expect, facts: &StepFacts, action: &str) {
        if let Some(rounds) = expect.rounds {
            if facts.rounds.len() != rounds as usize {
                self.mismatch("rounds", rounds.to_string(), facts.rounds.len().to_string());
            }
        }
        let needs_round = expect.converged.is_some()
            || expect.never_converges.is_some()
            || expect.updates.is_some()
            || expect.deletes.is_some()
            || expect.skips.is_some()
            || expect.reasons.is_some()
            || expect.outcome.is_some()
            || expect.failure.is_some()
            || expect.results.is_some()
            || expect.summary.is_some()
            || expect.converged_within.is_some();
        if needs_round && facts.rounds.is_empty() {
            self.mismatch(
                "(round facts)",
                "a round".into(),
                format!("a `{}` step, which runs no round", action),
            );
        }
    }

    /// `converged`, `convergedWithin`, `neverConverges`.
    fn convergence(&mut self, expect: &Expect, facts: &StepFacts, last: &RoundReport) {
        if let Some(converged) = expect.converged {
            if last.converged() != converged {
                let why = last.why_not_converged();
                let actual = match (&last.failure, why.is_empty()) {
                    (Some(failure), _) => format!("a failed round ({})", failure.describe()),
                    (None, true) => "converged".to_string(),
                    (None, false) => format!("not converged: {}", why.join("; ")),
                };
                self.mismatch("converged", converged.to_string(), actual);
            }
        }
        if let Some(within) = expect.converged_within {
            let first = facts.rounds.iter().position(RoundReport::converged);
            match first {
                Some(at) if at < within as usize => {}
                Some(at) => self.mismatch(
                    "convergedWithin",
                    format!("converged within {within} round(s)"),
                    format!("converged in round {} of the step", at + 1),
                ),
                None => self.mismatch(
                    "convergedWithin",
                    format!("converged within {within} round(s)"),
                    format!("no round of {} converged", facts.rounds.len()),
                ),
            }
        }
        if let Some(never) = &expect.never_converges {
            let found = last.steps.iter().find_map(|record| match &record.decision {
                StepDecision::Apply {
                    reason:
                        ApplyReason::Changed {
                            component, reasons, ..
                        },
                } if *component == never.component => Some(reasons),
                _ => None,
            });
            match found {
                None => self.mismatch(
                    "neverConverges",
                    format!("`{}` applied again because it changed", never.component),
                    if last.why_not_converged().is_empty() {
                        "the round applied nothing it found changed".to_string()
                    } else {
                        last.why_not_converged().join("; ")
                    },
                ),
                Some(reasons) => {
                    let hit = reasons.iter().any(|reason| {
                        never
                            .entry
                            .as_ref()
                            .is_none_or(|e| reason.entry.as_ref() == Some(e))
                            && never
                                .key
                                .as_ref()
                                .is_none_or(|k| reason.key.as_ref() == Some(k))
                    });
                    if !hit {
                        let found: Vec<String> =
                            reasons.iter().map(|reason| reason.describe()).collect();
                        self.mismatch(
                            "neverConverges",
                            format!(
                                "a change under entry {:?} key {:?}",
                                never.entry.as_deref().unwrap_or("(any)"),
                                never.key.as_deref().unwrap_or("(any)")
                            ),
                            found.join("; "),
                        );
                    }
                }
            }
        }
    }

    /// `updates`, `deletes`, `skips`, `reasons`.
    fn decisions(&mut self, expect: &Expect, last: &RoundReport) {
        let (updates, deletes, skips) = round_components(last);
        for (what, expected, actual) in [
            ("updates", &expect.updates, &updates),
            ("deletes", &expect.deletes, &deletes),
            ("skips", &expect.skips, &skips),
        ] {
            if let Some(expected) = expected {
                if sorted(expected) != sorted(actual) {
                    self.mismatch(what, names(&sorted(expected)), names(&sorted(actual)));
                }
            }
        }
        if let Some(reasons) = &expect.reasons {
            for (component, kind) in reasons {
                let found = last.steps.iter().find_map(|record| {
                    let has = record
                        .step
                        .components
                        .iter()
                        .any(|c| &c.component.name == component);
                    has.then_some(&record.decision)
                });
                let actual = match found {
                    None => "no step of the round holds it".to_string(),
                    Some(StepDecision::Skip) => "skip".to_string(),
                    Some(StepDecision::Apply { reason }) => reason_kind(reason),
                };
                if &actual != kind {
                    self.mismatch(&format!("reasons.{component}"), kind.clone(), actual);
                }
            }
        }
    }

    /// `outcome`, `failure`, `results`.
    fn failure_and_results(&mut self, expect: &Expect, last: &RoundReport) {
        if let Some(outcome) = &expect.outcome {
            let actual = last
                .failure
                .as_ref()
                .map_or("ok".to_string(), |f| f.outcome.as_str().to_string());
            if &actual != outcome {
                let detail = last
                    .failure
                    .as_ref()
                    .map_or(String::new(), |f| format!(" ({})", f.describe()));
                self.mismatch("outcome", outcome.clone(), format!("{actual}{detail}"));
            }
        }
        if let Some(failure) = &expect.failure {
            match &last.failure {
                None => self.mismatch("failure", "a failed round".into(), "no failure".into()),
                Some(actual) => {
                    if let Some(stage) = &failure.stage {
                        if actual.stage.as_str() != stage {
                            self.mismatch("failure.stage", stage.clone(), actual.stage.to_string());
                        }
                    }
                    if let Some(text) = &failure.message_contains {
                        if !actual.message.contains(text.as_str()) {
                            self.mismatch(
                                "failure.messageContains",
                                format!("{text:?}"),
                                format!("{:?}", actual.message),
                            );
                        }
                    }
                    if let Some(indeterminate) = failure.indeterminate {
                        if actual.indeterminate != indeterminate {
                            self.mismatch(
                                "failure.indeterminate",
                                indeterminate.to_string(),
                                actual.indeterminate.to_string(),
                            );
                        }
                    }
                }
            }
        }
        if let Some(results) = &expect.results {
            let mut all = BTreeMap::new();
            for record in &last.steps {
                for (name, result) in record.results.iter().flatten() {
                    all.insert(name.clone(), result.clone());
                }
            }
            for (component, expected) in results {
                let Some(actual) = all.get(component) else {
                    self.mismatch(
                        &format!("results.{component}"),
                        "a result".into(),
                        format!(
                            "no result (results for {})",
                            names(&all.keys().cloned().collect::<Vec<_>>())
                        ),
                    );
                    continue;
                };
                if let Some(status) = expected.status {
                    if actual.status != status {
                        self.mismatch(
                            &format!("results.{component}.status"),
                            status.to_string(),
                            actual.status.to_string(),
                        );
                    }
                }
                if let Some(text) = &expected.message_contains {
                    if !actual.message.contains(text.as_str()) {
                        self.mismatch(
                            &format!("results.{component}.messageContains"),
                            format!("{text:?}"),
                            format!("{:?}", actual.message),
                        );
                    }
                }
            }
        }
    }

    /// `calls`: Symphony's `get` and `apply` calls of the last round, in order.
    fn calls(&mut self, calls: &[CallExpect], facts: &StepFacts) {
        let actual: Vec<&crate::transcript::CallEntry> = facts
            .calls
            .iter()
            .filter_map(|entry| match entry {
                // Symphony's own calls: the harness's check after a removal is not one.
                Entry::Call(call)
                    if matches!(call.call, CallKind::Get | CallKind::Apply { .. })
                        && call.phase != Phase::Check =>
                {
                    Some(call)
                }
                _ => None,
            })
            .collect();
        let show = |call: &crate::transcript::CallEntry| {
            let dry = match call.dry_run() {
                Some(true) => " dry-run",
                _ => "",
            };
            format!(
                "{}{dry} {} [{}] {}",
                call.call.name(),
                call.target,
                call.component_names().join(", "),
                call.outcome.as_str()
            )
        };
        let matches = calls.len() == actual.len()
            && calls.iter().zip(&actual).all(|(want, got)| {
                want.call == got.call.name()
                    && want.target.as_ref().is_none_or(|t| *t == got.target)
                    && want
                        .components
                        .as_ref()
                        .is_none_or(|c| *c == got.component_names())
                    && want.dry_run.is_none_or(|d| got.dry_run() == Some(d))
                    && want
                        .outcome
                        .as_ref()
                        .is_none_or(|o| o == got.outcome.as_str())
            });
        if !matches {
            let expected: Vec<String> = calls
                .iter()
                .map(|c| {
                    format!(
                        "{}{} {} [{}]{}",
                        c.call,
                        if c.dry_run == Some(true) {
                            " dry-run"
                        } else {
                            ""
                        },
                        c.target.as_deref().unwrap_or("*"),
                        c.components
                            .as_ref()
                            .map_or("*".to_string(), |list| list.join(", ")),
                        c.outcome
                            .as_ref()
                            .map_or(String::new(), |o| format!(" {o}"))
                    )
                })
                .collect();
            let got: Vec<String> = actual.iter().map(|c| show(c)).collect();
            self.mismatch(
                "calls",
                format!("[{}]", expected.join("; ")),
                format!("[{}]", got.join("; ")),
            );
        }
    }

    /// `device`: the true state of the step's device.
    fn device(&mut self, device: &BTreeMap<String, DeviceComponentExpect>, facts: &StepFacts) {
        let found = facts
            .device_for_on
            .as_ref()
            .and_then(|id| facts.devices.get(id));
        match found {
            None => self.mismatch(
                "device",
                "one simulated device to compare with".into(),
                if facts.devices.is_empty() {
                    "no device channel (not the simulated provider)".into()
                } else {
                    format!(
                        "devices {}: name one with the step's `on`",
                        names(&facts.devices.keys().cloned().collect::<Vec<_>>())
                    )
                },
            ),
            Some(actual) => {
                let want: BTreeSet<&String> = device.keys().collect();
                let have: BTreeSet<&String> = actual.keys().collect();
                if want != have {
                    self.mismatch(
                        "device",
                        names(&want.into_iter().cloned().collect::<Vec<_>>()),
                        names(&have.into_iter().cloned().collect::<Vec<_>>()),
                    );
                }
                for (name, component) in device {
                    let (Some(properties), Some(on_device)) =
                        (&component.properties, actual.get(name))
                    else {
                        continue;
                    };
                    if *properties != on_device.properties {
                        self.mismatch(
                            &format!("device.{name}.properties"),
                            serde_json::to_string(properties).unwrap_or_default(),
                            serde_json::to_string(&on_device.properties).unwrap_or_default(),
                        );
                    }
                }
            }
        }
    }

    /// `stored` and `leftAfterRemoval`.
    fn stored_and_left(&mut self, expect: &Expect, facts: &StepFacts) {
        if let Some(stored) = &expect.stored {
            if let Some(state) = &stored.state {
                let actual = facts.rounds.last().map_or("no round".to_string(), |r| {
                    serde_json::to_value(r.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                });
                if &actual != state {
                    self.mismatch("stored.state", state.clone(), actual);
                }
            }
            if let Some(components) = &stored.components {
                let actual = facts.stored.clone();
                let matches = actual
                    .as_ref()
                    .is_some_and(|have| sorted(have) == sorted(components));
                let empty_and_none = components.is_empty() && actual.is_none();
                if !matches && !empty_and_none {
                    self.mismatch(
                        "stored.components",
                        names(&sorted(components)),
                        actual.map_or("no stored state".to_string(), |have| names(&sorted(&have))),
                    );
                }
            }
        }
        if let Some(left) = &expect.left_after_removal {
            if sorted(left) != sorted(&facts.left_after_removal) {
                self.mismatch(
                    "leftAfterRemoval",
                    names(&sorted(left)),
                    names(&sorted(&facts.left_after_removal)),
                );
            }
        }
    }
}

/// Checks `step`'s expectations (step number `number`) against `facts`.
pub fn check_step(number: usize, step: &Step, facts: &StepFacts) -> Vec<Mismatch> {
    let expect: &Expect = &step.expect;
    let last = facts.rounds.last();
    let mut checker = Checker {
        step: number,
        line: step.line,
        round: last.map(|r| r.round),
        out: Vec::new(),
    };
    checker.round_count(expect, facts, step.action.key());
    if let Some(last) = last {
        checker.convergence(expect, facts, last);
        checker.decisions(expect, last);
        checker.failure_and_results(expect, last);
        if let Some(summary) = &expect.summary {
            checker.summary(summary, &last.summary);
        }
    }
    if let Some(calls) = &expect.calls {
        checker.calls(calls, facts);
    }
    if let Some(device) = &expect.device {
        checker.device(device, facts);
    }
    checker.stored_and_left(expect, facts);
    checker.invariants(expect, facts);
    checker.out
}

#[cfg(test)]
#[path = "expect_tests.rs"]
mod tests;
