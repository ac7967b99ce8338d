//! The reference model: it walks a generated [`Case`], keeping what the desired state is and
//! what the device surely holds, and writes the scenario that plays it, with the invariants
//! that must hold after each step written as that step's expectations.
//!
//! The invariants (`docs/explore.md` says them in words):
//! - every call ends `ok` or as an error with a message (`soundCalls`), except in a round
//!   whose armed fault is a panic;
//! - every `apply` returns a result for each component of its step (`resultsComplete`);
//! - what an `apply` reports `Updated` is on the device as sent, what it reports `Deleted` is
//!   gone (`appliedOnDevice`, with a device channel);
//! - `get` reports only what it was asked about (`reportsOnlyReferenced`);
//! - from the K-th round after the desired state, the device or Symphony last changed, every
//!   round converges (`converged`) and the device is as desired under the provider's own rule
//!   (`deviceAsDesired`, with a device channel);
//! - a dry run changes nothing on the device (`deviceUnchanged`);
//! - after a removal `get` reports none of the removed components (`leftAfterRemoval`).
//!
//! An operation that no longer applies (a drift on a device the model cannot vouch for, a
//! change of a component no longer desired) is dropped, so every history shrinking leaves
//! still plays.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::case::{Case, Draft, Drift, FaultKind, Op, COMPONENT_NAMES, PROPERTY_KEYS};
use crate::engine::objects::Objects;
use crate::load::{DeviceEdit, Fault, FaultCall, FaultEffect};
use crate::model::{ComponentSpec, SidecarSpec};
use crate::scenario::format::{Action, ComponentChange, Expect, ReconcileStep};
use crate::scenario::{Scenario, Step};
use crate::subject::{step, Subject};

/// The target every explored scenario deploys to.
pub const TARGET: &str = "explore";

/// What the model needs to know about the provider under exploration.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The provider: library, hash, config, component type, Symphony release.
    pub subject: Subject,
    /// Rounds within which a reconcile must converge after a change (at least 1).
    pub converge_within: u32,
}

/// What the model tracks while it walks a case.
struct Model<'f> {
    frame: &'f Frame,
    /// The desired components, in the order the scenario runner keeps them.
    desired: Vec<ComponentSpec>,
    /// Desired components surely on the device.
    known: BTreeSet<String>,
    /// Plain rounds since the desired state, the device or Symphony last changed.
    since_change: u32,
    /// Foreign components put on the device so far.
    foreign: usize,
    /// Steps so far.
    steps: Vec<Step>,
    /// Operations that became steps.
    used: usize,
}

/// The scenario that plays `case` against the frame's provider, named `name`, and the
/// number of operations that became steps.
pub fn scenario_for(frame: &Frame, case: &Case, name: &str) -> (Scenario, usize) {
    let desired: Vec<ComponentSpec> = components(frame, &case.initial);
    let mut model = Model {
        frame,
        desired: desired.clone(),
        known: BTreeSet::new(),
        since_change: 0,
        foreign: 0,
        steps: Vec::new(),
        used: 0,
    };
    for (index, op) in case.ops.iter().enumerate() {
        let before = model.steps.len();
        model.play(index + 1, op);
        if model.steps.len() > before {
            model.used += 1;
        }
    }
    let target = frame.subject.target_named(TARGET, TARGET, desired);
    let mut scenario = frame.subject.scenario(
        name,
        "a history explore generated: each step's expectations are invariants every provider \
         must keep",
        Objects {
            targets: vec![target],
            solution_and_instance: None,
        },
        model.steps,
    );
    scenario.path = format!("{name}.json").into();
    (scenario, model.used)
}

/// The components of `drafts`: distinct names, dependencies only on earlier components.
fn components(frame: &Frame, drafts: &[Draft]) -> Vec<ComponentSpec> {
    let mut out: Vec<ComponentSpec> = Vec::new();
    for draft in drafts {
        let name = component_name(draft.name);
        if out.iter().any(|c| c.name == name) {
            continue;
        }
        let mut dependencies: Vec<String> = Vec::new();
        for index in &draft.depends_on {
            let dependency = component_name(*index);
            if out.iter().any(|c| c.name == dependency) && !dependencies.contains(&dependency) {
                dependencies.push(dependency);
            }
        }
        out.push(ComponentSpec {
            name: name.clone(),
            component_type: frame.subject.component_type.clone(),
            properties: property_map(&draft.properties),
            dependencies,
            sidecars: draft
                .sidecar
                .iter()
                .map(|value| SidecarSpec {
                    name: format!("{name}-sidecar"),
                    sidecar_type: "container".to_string(),
                    properties: BTreeMap::from([("config".to_string(), value.clone())]),
                })
                .collect(),
            ..ComponentSpec::default()
        });
    }
    out
}

fn component_name(index: usize) -> String {
    COMPONENT_NAMES[index % COMPONENT_NAMES.len()].to_string()
}

fn property_map(properties: &[(usize, Value)]) -> BTreeMap<String, Value> {
    properties
        .iter()
        .map(|(key, value)| {
            (
                PROPERTY_KEYS[key % PROPERTY_KEYS.len()].to_string(),
                value.clone(),
            )
        })
        .collect()
}

/// A value surely different from `value`, even ignoring case.
fn drifted(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(text)) => Value::from(format!("{text}-drifted")),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(n) => Value::from(n.wrapping_add(1)),
            None => Value::from(number.as_f64().unwrap_or(0.0) + 1.0),
        },
        Some(Value::Bool(flag)) => Value::from(!flag),
        _ => Value::from("drifted"),
    }
}

/// The expectations of a plain or faulty round, before convergence is due.
fn round_invariants(simulated: bool, sound: bool) -> Expect {
    Expect {
        sound_calls: sound.then_some(true),
        results_complete: Some(true),
        reports_only_referenced: Some(true),
        applied_on_device: simulated.then_some(true),
        ..Expect::default()
    }
}

fn one_round(dry_run: bool) -> Action {
    Action::Reconcile(ReconcileStep {
        rounds: None,
        until_converged: None,
        dry_run,
        ..ReconcileStep::default()
    })
}

impl Model<'_> {
    fn simulated(&self) -> bool {
        self.frame.subject.simulated
    }

    fn push(&mut self, op: usize, note: String, action: Action, expect: Expect) {
        let mut step = step(action, expect);
        step.note = Some(format!("op {op}: {note}"));
        self.steps.push(step);
    }

    fn changed(&mut self) {
        self.since_change = 0;
    }

    /// After a plain round: components no longer desired may be gone; when the round
    /// asserted the device as desired, every desired component is vouched for (if it is not
    /// there, that assertion fails before any later step relies on it).
    fn after_plain_round(&mut self, verified: bool) {
        if verified {
            self.known = self.desired.iter().map(|c| c.name.clone()).collect();
        } else {
            let desired: BTreeSet<&String> = self.desired.iter().map(|c| &c.name).collect();
            self.known.retain(|name| desired.contains(name));
        }
        self.since_change += 1;
    }

    /// After a round that failed part-way, only what was surely there and is still desired
    /// surely is.
    fn after_disturbed_round(&mut self) {
        let desired: BTreeSet<&String> = self.desired.iter().map(|c| &c.name).collect();
        self.known.retain(|name| desired.contains(name));
        self.changed();
    }

    /// Desired components the model can vouch for on the device, in desired order.
    fn vouched(&self) -> Vec<String> {
        self.desired
            .iter()
            .map(|c| c.name.clone())
            .filter(|name| self.known.contains(name))
            .collect()
    }

    fn play(&mut self, op_number: usize, op: &Op) {
        match op {
            Op::SetComponents(drafts) => self.set_components(op_number, drafts),
            Op::ChangeProperty {
                component,
                key,
                value,
            } => self.change_property(op_number, *component, *key, value.as_ref()),
            Op::Reconcile => {
                let mut expect = round_invariants(self.simulated(), true);
                let due = self.since_change + 1 >= self.frame.converge_within;
                if due {
                    expect.converged = Some(true);
                    expect.device_as_desired = self.simulated().then_some(true);
                }
                let note = if due {
                    "reconcile; convergence is due".to_string()
                } else {
                    "reconcile".to_string()
                };
                self.push(op_number, note, one_round(false), expect);
                self.after_plain_round(due && self.simulated());
            }
            Op::DryRun => {
                let expect = Expect {
                    sound_calls: Some(true),
                    results_complete: Some(true),
                    reports_only_referenced: Some(true),
                    device_unchanged: self.simulated().then_some(true),
                    ..Expect::default()
                };
                self.push(op_number, "dry run".into(), one_round(true), expect);
            }
            Op::Remove => {
                let expect = Expect {
                    sound_calls: Some(true),
                    results_complete: Some(true),
                    applied_on_device: self.simulated().then_some(true),
                    left_after_removal: Some(Vec::new()),
                    ..Expect::default()
                };
                self.push(
                    op_number,
                    "remove the deployment".into(),
                    Action::Remove,
                    expect,
                );
                self.known.clear();
                self.changed();
            }
            Op::NewInstance => self.push(
                op_number,
                "a new provider process".into(),
                Action::RestartWorker,
                Expect::default(),
            ),
            Op::RestartSymphony => {
                self.push(
                    op_number,
                    "Symphony restarts and forgets its stored state".into(),
                    Action::RestartSymphony,
                    Expect::default(),
                );
                self.changed();
            }
            Op::Drift(drift) => self.drift(op_number, drift),
            Op::Fault(kind) => self.fault(op_number, *kind),
        }
    }

    fn set_components(&mut self, op: usize, drafts: &[Draft]) {
        let wanted = components(self.frame, drafts);
        let mut notes = Vec::new();
        let mut actions = Vec::new();
        let wanted_names: BTreeSet<&String> = wanted.iter().map(|c| &c.name).collect();
        for old in &self.desired {
            if !wanted_names.contains(&old.name) {
                actions.push(Action::RemoveComponent(old.name.clone()));
                notes.push(format!("remove `{}`", old.name));
            }
        }
        let mut next: Vec<ComponentSpec> = self
            .desired
            .iter()
            .filter(|c| wanted_names.contains(&c.name))
            .cloned()
            .collect();
        for new in &wanted {
            match next.iter_mut().find(|c| c.name == new.name) {
                None => {
                    actions.push(Action::AddComponent(Box::new(new.clone())));
                    notes.push(format!("add `{}`", new.name));
                    next.push(new.clone());
                }
                Some(old) if old == new => {}
                Some(old) if old.sidecars != new.sidecars => {
                    // A sidecar cannot be changed in place: remove and add it again.
                    actions.push(Action::RemoveComponent(old.name.clone()));
                    actions.push(Action::AddComponent(Box::new(new.clone())));
                    notes.push(format!("replace `{}`", new.name));
                    next.retain(|c| c.name != new.name);
                    next.push(new.clone());
                }
                Some(old) => {
                    let mut properties: BTreeMap<String, Value> = new
                        .properties
                        .iter()
                        .filter(|(key, value)| old.properties.get(*key) != Some(*value))
                        .map(|(key, value)| (key.clone(), value.clone()))
                        .collect();
                    for key in old.properties.keys() {
                        if !new.properties.contains_key(key) {
                            properties.insert(key.clone(), Value::Null);
                        }
                    }
                    actions.push(Action::ChangeComponent(ComponentChange {
                        name: new.name.clone(),
                        properties,
                        component_type: None,
                        dependencies: (old.dependencies != new.dependencies)
                            .then(|| new.dependencies.clone()),
                    }));
                    notes.push(format!("change `{}`", new.name));
                    *old = new.clone();
                }
            }
        }
        if actions.is_empty() {
            return;
        }
        let count = actions.len();
        for (index, action) in actions.into_iter().enumerate() {
            let note = if count == 1 {
                format!("set the desired components: {}", notes.join(", "))
            } else {
                format!(
                    "set the desired components ({} of {count}): {}",
                    index + 1,
                    notes.join(", ")
                )
            };
            self.push(op, note, action, Expect::default());
        }
        self.desired = next;
        self.changed();
    }

    fn change_property(&mut self, op: usize, component: usize, key: usize, value: Option<&Value>) {
        if self.desired.is_empty() {
            return;
        }
        let index = component % self.desired.len();
        let key = PROPERTY_KEYS[key % PROPERTY_KEYS.len()].to_string();
        let target = &mut self.desired[index];
        let current = target.properties.get(&key);
        if current == value {
            return;
        }
        let name = target.name.clone();
        match value {
            Some(value) => target.properties.insert(key.clone(), value.clone()),
            None => target.properties.remove(&key),
        };
        let shown = value.map_or("removed".to_string(), |v| v.to_string());
        self.push(
            op,
            format!("change `{name}`: `{key}` {shown}"),
            Action::ChangeComponent(ComponentChange {
                name: name.clone(),
                properties: BTreeMap::from([(key, value.cloned().unwrap_or(Value::Null))]),
                component_type: None,
                dependencies: None,
            }),
            Expect::default(),
        );
        self.changed();
    }

    fn drift(&mut self, op: usize, drift: &Drift) {
        if !self.simulated() {
            return;
        }
        if self.vouched().is_empty()
            && !self.desired.is_empty()
            && !matches!(drift, Drift::AddForeign { .. })
        {
            // Settle first: the rounds that let the model vouch for the device.
            while self.since_change < self.frame.converge_within {
                self.play(op, &Op::Reconcile);
            }
        }
        let vouched = self.vouched();
        let pick = |index: usize| -> Option<String> {
            (!vouched.is_empty()).then(|| vouched[index % vouched.len()].clone())
        };
        let (edit, note) = match drift {
            Drift::SetProperty { component, key } => {
                let Some(name) = pick(*component) else {
                    return;
                };
                let desired = self.desired.iter().find(|c| c.name == name);
                // A property the component has, preferably (the device may lack others).
                let keys: Vec<&String> = desired
                    .map(|c| c.properties.keys().collect())
                    .unwrap_or_default();
                let property = if keys.is_empty() {
                    PROPERTY_KEYS[key % PROPERTY_KEYS.len()].to_string()
                } else {
                    keys[key % keys.len()].clone()
                };
                let value = drifted(desired.and_then(|c| c.properties.get(&property)));
                let note = format!("drift: `{name}`.`{property}` becomes {value}");
                (
                    DeviceEdit::SetProperty {
                        component: name,
                        property,
                        value,
                    },
                    note,
                )
            }
            Drift::DeleteComponent { component } => {
                let Some(name) = pick(*component) else {
                    return;
                };
                self.known.remove(&name);
                let note = format!("drift: `{name}` disappears from the device");
                (DeviceEdit::DeleteComponent { component: name }, note)
            }
            Drift::AddForeign { properties } => {
                self.foreign += 1;
                let name = format!("foreign-{}", self.foreign);
                let component = ComponentSpec {
                    name: name.clone(),
                    component_type: self.frame.subject.component_type.clone(),
                    properties: property_map(properties),
                    ..ComponentSpec::default()
                };
                let note = format!("drift: a foreign component `{name}` appears on the device");
                (DeviceEdit::AddComponent { component }, note)
            }
        };
        let foreign = matches!(drift, Drift::AddForeign { .. });
        self.push(op, note, Action::Device(edit), Expect::default());
        if !foreign {
            self.changed();
        }
    }

    fn fault(&mut self, op: usize, kind: FaultKind) {
        if !self.simulated() {
            return;
        }
        let (fault, label) = match kind {
            FaultKind::FailGet => (Fault::new(FaultCall::Get, FaultEffect::Fail), "get fails"),
            FaultKind::FailApply => (
                Fault::new(FaultCall::Apply, FaultEffect::Fail),
                "apply fails",
            ),
            FaultKind::FailComponent { component } => {
                if self.desired.is_empty() {
                    return;
                }
                let name = self.desired[component % self.desired.len()].name.clone();
                let mut fault = Fault::new(FaultCall::Apply, FaultEffect::FailComponent);
                fault.component = Some(name);
                (fault, "a component fails to apply")
            }
            FaultKind::Latency => {
                let mut fault = Fault::new(FaultCall::Get, FaultEffect::Latency);
                fault.ms = Some(2);
                (fault, "get is slow")
            }
            FaultKind::PanicApply => (
                Fault::new(FaultCall::Apply, FaultEffect::Panic),
                "apply panics",
            ),
        };
        let crash = kind == FaultKind::PanicApply;
        let what = fault.label();
        self.push(
            op,
            format!("fault: {label} ({what})"),
            Action::Fault(fault),
            Expect::default(),
        );
        self.push(
            op,
            "reconcile with the fault armed".into(),
            one_round(false),
            round_invariants(true, !crash),
        );
        self.push(
            op,
            "clear what is left of the fault".into(),
            Action::ClearFaults,
            Expect::default(),
        );
        self.after_disturbed_round();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::format::SymphonyRelease;
    use serde_json::json;

    fn frame(simulated: bool) -> Frame {
        Frame {
            subject: Subject {
                library: "/x/libp.so".into(),
                sha256: "0".repeat(64),
                fingerprint: None,
                hash: "any".into(),
                config: BTreeMap::new(),
                component_type: "t".into(),
                properties: BTreeMap::new(),
                symphony: SymphonyRelease::V049,
                simulated,
                config_temp_dirs: Vec::new(),
                backend: crate::worker::Backend::default(),
                probe: Err(crate::subject::ProbeFailure::harness("not probed".into())),
                compiled: None,
            },
            converge_within: 2,
        }
    }

    fn web() -> Draft {
        Draft {
            name: 0,
            properties: vec![(0, json!("nginx"))],
            depends_on: vec![0],
            sidecar: None,
        }
    }

    fn keys(step: &Step) -> Vec<String> {
        let value = serde_json::to_value(&step.expect).unwrap_or_default();
        value
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn convergence_is_due_from_the_kth_plain_round_after_a_change() {
        let case = Case {
            initial: vec![web()],
            ops: vec![
                Op::Reconcile,
                Op::Reconcile,
                Op::Reconcile,
                Op::ChangeProperty {
                    component: 0,
                    key: 0,
                    value: Some(json!("httpd")),
                },
                Op::Reconcile,
                Op::Reconcile,
            ],
        };
        let (scenario, used) = scenario_for(&frame(true), &case, "c");
        assert_eq!(used, 6);
        let converged: Vec<Option<bool>> =
            scenario.steps.iter().map(|s| s.expect.converged).collect();
        assert_eq!(
            converged,
            [None, Some(true), Some(true), None, None, Some(true)]
        );
        assert!(keys(&scenario.steps[1]).contains(&"deviceAsDesired".to_string()));
        // A component never depends on itself.
        let target = &scenario.objects.targets[0];
        let components = &target
            .spec
            .as_ref()
            .map(|s| s.components.clone())
            .unwrap_or_default();
        assert!(components[0].dependencies.is_empty());
    }

    #[test]
    fn without_a_device_channel_nothing_reads_or_changes_the_device() {
        let case = Case {
            initial: vec![web()],
            ops: vec![
                Op::Reconcile,
                Op::Drift(Drift::DeleteComponent { component: 0 }),
                Op::Fault(FaultKind::FailGet),
                Op::DryRun,
                Op::Reconcile,
                Op::Reconcile,
            ],
        };
        let (scenario, used) = scenario_for(&frame(false), &case, "c");
        assert_eq!(used, 4, "drift and fault are dropped");
        for step in &scenario.steps {
            let keys = keys(step);
            for device_key in ["appliedOnDevice", "deviceAsDesired", "deviceUnchanged"] {
                assert!(!keys.contains(&device_key.to_string()), "{keys:?}");
            }
            assert!(!matches!(
                step.action,
                Action::Device(_) | Action::Fault(_) | Action::ClearFaults
            ));
        }
    }

    #[test]
    fn a_drift_on_an_unsettled_device_is_preceded_by_the_rounds_that_settle_it() {
        let case = Case {
            initial: vec![web()],
            ops: vec![Op::Drift(Drift::DeleteComponent { component: 0 })],
        };
        let (scenario, _) = scenario_for(&frame(true), &case, "c");
        let actions: Vec<&str> = scenario.steps.iter().map(|s| s.action.key()).collect();
        assert_eq!(actions, ["reconcile", "reconcile", "device"]);
        assert_eq!(scenario.steps[1].expect.device_as_desired, Some(true));
    }

    #[test]
    fn a_fault_round_keeps_its_invariants_but_convergence_and_a_panic_drops_sound_calls() {
        let case = Case {
            initial: vec![web()],
            ops: vec![
                Op::Fault(FaultKind::FailComponent { component: 5 }),
                Op::Fault(FaultKind::PanicApply),
            ],
        };
        let (scenario, _) = scenario_for(&frame(true), &case, "c");
        let actions: Vec<&str> = scenario.steps.iter().map(|s| s.action.key()).collect();
        assert_eq!(
            actions,
            [
                "fault",
                "reconcile",
                "clearFaults",
                "fault",
                "reconcile",
                "clearFaults"
            ]
        );
        assert_eq!(scenario.steps[1].expect.sound_calls, Some(true));
        assert_eq!(scenario.steps[1].expect.applied_on_device, Some(true));
        assert_eq!(scenario.steps[1].expect.converged, None);
        assert_eq!(scenario.steps[4].expect.sound_calls, None);
        match &scenario.steps[0].action {
            Action::Fault(fault) => assert_eq!(fault.component.as_deref(), Some("web")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn operations_that_no_longer_apply_are_dropped() {
        let case = Case {
            initial: Vec::new(),
            ops: vec![
                Op::ChangeProperty {
                    component: 3,
                    key: 1,
                    value: Some(json!(1)),
                },
                Op::Fault(FaultKind::FailComponent { component: 0 }),
                Op::SetComponents(Vec::new()),
                Op::Drift(Drift::SetProperty {
                    component: 0,
                    key: 0,
                }),
            ],
        };
        let (scenario, used) = scenario_for(&frame(true), &case, "c");
        assert_eq!((used, scenario.steps.len()), (0, 0));
    }
}
