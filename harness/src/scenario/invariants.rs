//! The expectations that state a provider's contract rather than one scenario's story:
//! sound calls, complete result maps, applies that land on the device, a device as desired
//! after convergence, dry runs that change nothing, `get` answering only what it was asked.
//!
//! `explore` writes them on every step it generates, so the history it shrinks and writes
//! out breaks the same expectation under `run` as it did while exploring.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::expect::{Checker, StepFacts};
use super::format::Expect;
use crate::engine::change::compare;
use crate::engine::{InSymphony, Outcome};
use crate::model::{ComponentAction, ComponentResult, ComponentSpec, ValidationRule};
use crate::transcript::{CallEntry, DeviceComponent, Entry};

/// A device's components, by name.
type Device = BTreeMap<String, DeviceComponent>;

impl Checker {
    /// `soundCalls`, `resultsComplete`, `appliedOnDevice`, `deviceAsDesired`,
    /// `deviceUnchanged`, `reportsOnlyReferenced`.
    pub(super) fn invariants(&mut self, expect: &Expect, facts: &StepFacts) {
        let calls = || facts.step_calls.iter().filter_map(call_of);
        if let Some(want) = expect.sound_calls {
            let unsound: Vec<String> = calls().filter_map(unsound).collect();
            self.holds("soundCalls", want, &unsound);
        }
        if let Some(want) = expect.results_complete {
            let missing = incomplete_results(facts);
            self.holds("resultsComplete", want, &missing);
        }
        if let Some(want) = expect.reports_only_referenced {
            let extra: Vec<String> = calls().filter_map(reported_unasked).collect();
            self.holds("reportsOnlyReferenced", want, &extra);
        }
        let needs_device = expect.applied_on_device.is_some()
            || expect.device_as_desired.is_some()
            || expect.device_unchanged.is_some();
        if !needs_device {
            return;
        }
        let Some(device) = facts
            .device_for_on
            .as_ref()
            .and_then(|id| facts.devices.get(id))
        else {
            self.mismatch(
                "device",
                "one simulated device to compare with".into(),
                "no device channel, or several devices".into(),
            );
            return;
        };
        if let Some(want) = expect.applied_on_device {
            let wrong = not_applied(facts, device);
            self.holds("appliedOnDevice", want, &wrong);
        }
        if let Some(want) = expect.device_as_desired {
            let wrong = not_as_desired(&facts.desired, facts.rule.as_ref(), device);
            self.holds("deviceAsDesired", want, &wrong);
        }
        if let Some(want) = expect.device_unchanged {
            let before = facts
                .devices_before
                .as_ref()
                .and_then(|before| facts.device_for_on.as_ref().and_then(|id| before.get(id)));
            let changed = match before {
                Some(before) => device_changes(before, device),
                None => vec!["the device before the step is unknown".to_string()],
            };
            self.holds("deviceUnchanged", want, &changed);
        }
    }

    /// Records a mismatch when the invariant's truth (no `broken` lines) is not `want`.
    fn holds(&mut self, what: &str, want: bool, broken: &[String]) {
        match (want, broken.is_empty()) {
            (true, false) => self.mismatch(what, "true".into(), broken.join("; ")),
            (false, true) => self.mismatch(what, "false".into(), "it held".into()),
            _ => {}
        }
    }
}

fn call_of(entry: &Entry) -> Option<&CallEntry> {
    match entry {
        Entry::Call(call) => Some(call),
        Entry::Decision(_) => None,
    }
}

/// Why a call was not sound, if it was not.
fn unsound(call: &CallEntry) -> Option<String> {
    let label = || format!("{} [{}]", call.call, call.components.join(", "));
    match call.outcome {
        Outcome::Ok => None,
        Outcome::Error
            if call
                .message
                .as_deref()
                .is_some_and(|m| !m.trim().is_empty()) =>
        {
            None
        }
        Outcome::Error => Some(format!("{} failed with an empty message", label())),
        outcome if outcome.in_symphony() == InSymphony::Returns => None,
        outcome => Some(format!(
            "{} ended `{}`{}",
            label(),
            outcome.as_str(),
            call.message
                .as_deref()
                .map_or(String::new(), |m| format!(": {}", first_line(m)))
        )),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The components `get` reported although it was not asked about them.
fn reported_unasked(call: &CallEntry) -> Option<String> {
    if call.call != "get" || call.phase == "check" {
        return None;
    }
    let asked: BTreeSet<&str> = call
        .components
        .iter()
        .map(|c| c.strip_suffix(" (delete)").unwrap_or(c))
        .collect();
    let reported = call.returned.as_ref().and_then(Value::as_array)?;
    let extra: Vec<String> = reported
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .filter(|name| !asked.contains(name))
        .map(|name| format!("`{name}`"))
        .collect();
    (!extra.is_empty()).then(|| {
        format!(
            "get asked for [{}] reported {}",
            call.components.join(", "),
            extra.join(", ")
        )
    })
}

/// The applied steps whose result map misses components of the step.
fn incomplete_results(facts: &StepFacts) -> Vec<String> {
    let mut missing = Vec::new();
    for round in &facts.rounds {
        for record in &round.steps {
            let Some(results) = &record.results else {
                continue;
            };
            let absent: Vec<String> = record
                .step
                .components
                .iter()
                .map(|c| &c.component.name)
                .filter(|name| !results.contains_key(*name))
                .map(|name| format!("`{name}`"))
                .collect();
            if !absent.is_empty() {
                missing.push(format!(
                    "round {}: apply returned no result for {}",
                    round.round,
                    absent.join(", ")
                ));
            }
        }
    }
    missing
}

/// What the last round's applies reported done but the device does not show.
fn not_applied(facts: &StepFacts, device: &Device) -> Vec<String> {
    let Some(last) = facts.rounds.last() else {
        return Vec::new();
    };
    if last.dry_run {
        return Vec::new();
    }
    let mut wrong = Vec::new();
    for record in &last.steps {
        let Some(results) = &record.results else {
            continue;
        };
        for entry in &record.step.components {
            let sent = &entry.component;
            let Some(result) = results.get(&sent.name) else {
                continue;
            };
            match (entry.action, result.status, device.get(&sent.name)) {
                (ComponentAction::Delete, ComponentResult::DELETED, Some(_)) => {
                    wrong.push(format!(
                        "`{}` reported Deleted but is still on the device",
                        sent.name
                    ))
                }
                (ComponentAction::Update, ComponentResult::UPDATED, None) => wrong.push(format!(
                    "`{}` reported Updated but is not on the device",
                    sent.name
                )),
                (ComponentAction::Update, ComponentResult::UPDATED, Some(held)) => {
                    if let Some(why) = differs_exactly(sent, held) {
                        wrong.push(format!(
                            "`{}` reported Updated but the device holds {why}",
                            sent.name
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    wrong
}

/// How `held` differs from `sent`, byte for byte in JSON terms.
fn differs_exactly(sent: &ComponentSpec, held: &DeviceComponent) -> Option<String> {
    if held.component_type != sent.component_type {
        return Some(format!(
            "type {:?}, not {:?}",
            held.component_type, sent.component_type
        ));
    }
    let sent_properties: BTreeMap<&String, &Value> = sent.properties.iter().collect();
    let held_properties: BTreeMap<&String, &Value> = held.properties.iter().collect();
    (sent_properties != held_properties).then(|| {
        format!(
            "properties {}, not {}",
            serde_json::to_string(&held.properties).unwrap_or_default(),
            serde_json::to_string(&sent.properties).unwrap_or_default()
        )
    })
}

/// The desired components the device lacks, or holds changed under `rule`.
fn not_as_desired(
    desired: &[ComponentSpec],
    rule: Option<&ValidationRule>,
    device: &Device,
) -> Vec<String> {
    let zero = ValidationRule::zero();
    let rule = rule.unwrap_or(&zero);
    let mut wrong = Vec::new();
    for component in desired {
        let Some(held) = device.get(&component.name) else {
            wrong.push(format!("`{}` is not on the device", component.name));
            continue;
        };
        // The device channel shows a component's type and properties: the rest (metadata,
        // sidecars) is taken as desired.
        let current = ComponentSpec {
            component_type: held.component_type.clone(),
            properties: held.properties.clone().into_iter().collect(),
            ..component.clone()
        };
        let report = compare(rule, &current, component);
        if report.changed {
            let reasons: Vec<String> = report.reasons.iter().map(|r| r.describe()).collect();
            wrong.push(format!(
                "`{}` differs on the device: {}",
                component.name,
                reasons.join(", ")
            ));
        }
    }
    wrong
}

/// What changed between two snapshots of a device.
fn device_changes(before: &Device, after: &Device) -> Vec<String> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| match (before.get(name), after.get(name)) {
            (None, Some(_)) => Some(format!("`{name}` appeared")),
            (Some(_), None) => Some(format!("`{name}` disappeared")),
            (Some(a), Some(b)) if a != b => Some(format!(
                "`{name}` changed from {} to {}",
                serde_json::to_string(&a.properties).unwrap_or_default(),
                serde_json::to_string(&b.properties).unwrap_or_default()
            )),
            _ => None,
        })
        .collect()
}
