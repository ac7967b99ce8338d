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
use crate::engine::change::{compare_within, MATCH_BUDGET};
use crate::engine::events::{CallKind, Phase};
use crate::engine::Outcome;
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

/// Why a call was not sound, if it was not: only `ok`, and an error with a message, are.
fn unsound(call: &CallEntry) -> Option<String> {
    let label = || {
        format!(
            "{} [{}]",
            call.call.name(),
            call.component_names().join(", ")
        )
    };
    let message = call
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    match (call.outcome, message) {
        (Outcome::Ok, _) | (Outcome::Error, Some(_)) => None,
        (Outcome::Error | Outcome::ErrorWithoutMessage, None) => {
            Some(format!("{} failed with an empty message", label()))
        }
        (outcome, message) => Some(format!(
            "{} ended `{}`{}",
            label(),
            outcome.as_str(),
            message.map_or(String::new(), |m| format!(": {}", first_line(m)))
        )),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The components `get` reported although it was not asked about them.
fn reported_unasked(call: &CallEntry) -> Option<String> {
    if call.call != CallKind::Get || call.phase == Phase::Check {
        return None;
    }
    let asked: BTreeSet<&str> = call.components.iter().map(|c| c.name.as_str()).collect();
    let extra: Vec<String> = call
        .reported()?
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| !asked.contains(name))
        .map(|name| format!("`{name}`"))
        .collect();
    (!extra.is_empty()).then(|| {
        format!(
            "get asked for [{}] reported {}",
            call.component_names().join(", "),
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
        // The rule comes from the provider: the engine's budget bounds this comparison too
        // (the round that used the same rule already failed on it, so say it once here).
        let report = match compare_within(rule, &current, component, MATCH_BUDGET) {
            Ok(report) => report,
            Err(over) => {
                wrong.push(format!(
                    "`{}` could not be compared with the device: {over}",
                    component.name
                ));
                continue;
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ComponentValidationRule;
    use crate::transcript::{Returned, SentComponent};
    use serde_json::json;

    fn sent(name: &str, delete: bool) -> SentComponent {
        SentComponent {
            name: name.into(),
            delete,
        }
    }

    pub(super) fn reported(names: &[&str]) -> Option<Returned> {
        Some(Returned::Components(
            names
                .iter()
                .map(|name| ComponentSpec {
                    name: name.to_string(),
                    ..ComponentSpec::default()
                })
                .collect(),
        ))
    }

    pub(super) fn call(call: CallKind, outcome: Outcome, message: Option<&str>) -> CallEntry {
        CallEntry {
            call,
            phase: Phase::Apply,
            step: 0,
            target: "t".into(),
            role: "r".into(),
            instance: 1,
            components: vec![sent("web", false)],
            outcome,
            message: message.map(str::to_string),
            returned: None,
            printed: BTreeMap::new(),
            deployment: None,
        }
    }

    #[test]
    fn only_ok_and_errors_that_say_why_are_sound() {
        assert_eq!(
            unsound(&call(CallKind::Apply { dry_run: false }, Outcome::Ok, None)),
            None
        );
        assert_eq!(
            unsound(&call(
                CallKind::Apply { dry_run: false },
                Outcome::Error,
                Some("disk full")
            )),
            None
        );
        for (outcome, message) in [
            (Outcome::Error, Some("  ")),
            (Outcome::ErrorWithoutMessage, None),
            (Outcome::Panic, Some("boom\nat x.rs:1")),
            (Outcome::Timeout, None),
            (Outcome::NullProvider, None),
        ] {
            let why = unsound(&call(CallKind::Apply { dry_run: false }, outcome, message))
                .unwrap_or_else(|| panic!("{outcome:?} passed as sound"));
            assert!(why.starts_with("apply [web]"), "{why}");
            assert!(!why.contains("at x.rs"), "only the first line: {why}");
        }
    }

    #[test]
    fn get_may_report_only_what_it_was_asked_about() {
        let mut get = call(CallKind::Get, Outcome::Ok, None);
        get.components = vec![sent("web", false), sent("db", true)];
        get.returned = reported(&["web", "db"]);
        assert_eq!(reported_unasked(&get), None);
        get.returned = reported(&["web", "foreign-1"]);
        let why = reported_unasked(&get).unwrap_or_default();
        assert!(
            why.contains("`foreign-1`") && !why.contains("`web`"),
            "{why}"
        );
        get.phase = Phase::Check;
        assert_eq!(
            reported_unasked(&get),
            None,
            "the harness's own get is not Symphony's"
        );
    }

    fn held(properties: serde_json::Value) -> DeviceComponent {
        DeviceComponent {
            component_type: "t".into(),
            properties: serde_json::from_value(properties).unwrap_or_default(),
        }
    }

    #[test]
    fn the_device_is_as_desired_under_the_rule_symphony_would_use() {
        let desired = vec![ComponentSpec {
            name: "web".into(),
            component_type: "t".into(),
            properties: serde_json::from_value(json!({"image": "nginx", "port": 80}))
                .unwrap_or_default(),
            ..ComponentSpec::default()
        }];
        let device = Device::from([("web".to_string(), held(json!({"image": "NGINX"})))]);
        // The default rule ignores case and missing keys.
        let default = ValidationRule::default();
        assert_eq!(
            not_as_desired(&desired, Some(&default), &device),
            Vec::<String>::new()
        );
        // A strict rule on every key sees both.
        let strict = ValidationRule {
            component_validation_rule: ComponentValidationRule {
                change_detection: vec![crate::model::PropertyDesc {
                    name: "*".into(),
                    ignore_case: false,
                    skip_if_missing: false,
                    prefix_match: false,
                    is_component_name: false,
                }],
                ..ComponentValidationRule::default()
            },
            ..ValidationRule::default()
        };
        let wrong = not_as_desired(&desired, Some(&strict), &device);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert!(
            wrong[0].contains("image") && wrong[0].contains("port"),
            "{wrong:?}"
        );
        // Missing altogether fails under any rule, none included.
        assert_eq!(
            not_as_desired(&desired, None, &Device::new()),
            ["`web` is not on the device"]
        );
    }

    #[test]
    fn a_rule_over_the_matching_budget_is_reported_not_matched() {
        // 200 wildcard entries of 1,000 characters against 1,000 keys: over 200 million
        // matching steps, the engine's budget.
        let entry = crate::model::PropertyDesc {
            name: format!("{}*", "a".repeat(999)),
            ignore_case: false,
            skip_if_missing: false,
            prefix_match: false,
            is_component_name: false,
        };
        let rule = ValidationRule {
            component_validation_rule: ComponentValidationRule {
                change_detection: vec![entry; 200],
                ..ComponentValidationRule::default()
            },
            ..ValidationRule::default()
        };
        let properties: BTreeMap<String, Value> =
            (0..1000).map(|i| (format!("{i:010}"), json!(i))).collect();
        let desired = vec![ComponentSpec {
            name: "web".into(),
            properties: properties.clone().into_iter().collect(),
            ..ComponentSpec::default()
        }];
        let device = Device::from([(
            "web".to_string(),
            DeviceComponent {
                component_type: String::new(),
                properties,
            },
        )]);
        let wrong = not_as_desired(&desired, Some(&rule), &device);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert!(
            wrong[0].starts_with("`web` could not be compared with the device")
                && wrong[0].contains("matching steps"),
            "{wrong:?}"
        );
    }

    #[test]
    fn device_changes_name_what_appeared_disappeared_and_changed() {
        let before = Device::from([
            ("a".to_string(), held(json!({"x": 1}))),
            ("b".to_string(), held(json!({}))),
        ]);
        let after = Device::from([
            ("a".to_string(), held(json!({"x": 2}))),
            ("c".to_string(), held(json!({}))),
        ]);
        assert_eq!(
            device_changes(&before, &after),
            [
                "`a` changed from {\"x\":1} to {\"x\":2}",
                "`b` disappeared",
                "`c` appeared"
            ]
        );
        assert!(device_changes(&before, &before).is_empty());
    }
}

#[cfg(test)]
mod expectations {
    use super::tests::{call, reported};
    use super::*;
    use crate::scenario::expect::check_step;
    use crate::scenario::format::{Action, Step};

    #[test]
    fn an_invariant_expected_false_fails_when_it_holds_and_true_when_it_breaks() {
        let mut get = CallEntry {
            phase: Phase::Get,
            returned: reported(&["web"]),
            ..call(CallKind::Get, Outcome::Ok, None)
        };
        let step = |want: bool| Step {
            line: 3,
            note: None,
            action: Action::RestartWorker,
            on: None,
            expect: Expect {
                reports_only_referenced: Some(want),
                ..Expect::default()
            },
        };
        let facts = |get: &CallEntry| StepFacts {
            step_calls: vec![Entry::Call(get.clone())],
            ..StepFacts::default()
        };
        assert!(check_step(1, &step(true), &facts(&get)).is_empty());
        let held = check_step(1, &step(false), &facts(&get));
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].what.as_str(), held[0].actual.as_str()),
            ("expect.reportsOnlyReferenced", "it held")
        );
        get.returned = reported(&["web", "db"]);
        assert!(check_step(1, &step(false), &facts(&get)).is_empty());
        let broken = check_step(1, &step(true), &facts(&get));
        assert!(broken[0].actual.contains("`db`"), "{broken:?}");
    }
}
