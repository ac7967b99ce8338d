//! A simulated device's state: its components, its call counter and its journal.
//!
//! This is the JSON that `sim_device_snapshot` returns (and that a directory store's files add
//! up to, [`crate::store`]):
//!
//! ```json
//! {"format":"symphony-sim-device/1","device":"edge-1","calls":3,
//!  "components":{"web":{"spec":{"name":"web","type":"container","properties":{"image":"nginx"},
//!                                "metadata":null,"parameters":null,"routes":null,"constraints":null,
//!                                "dependencies":null,"skills":null,"sidecars":null},
//!                       "hiddenForGets":0}},
//!  "journal":[{"call":1,"op":"apply","latencyMs":0,"failed":false,"slow":false,"drift":null}]}
//! ```
//!
//! `spec` is the `symphony` crate's `ComponentSpec` as it serialises (every absent field
//! `null`; missing fields read as absent). `hiddenForGets` counts the `get`s that still will
//! not report the component (`sim.visibleAfterGets`). The journal keeps the last
//! [`JOURNAL_LIMIT`] calls with the fault decisions taken, for checks and for "same seed, same
//! run". Two fields appear only when not empty (and read as empty when missing, so older files
//! still read): `faults`, the faults armed for the next calls ([`crate::faults`]), and an entry's
//! `faults`, the labels of the armed faults that call consumed (e.g. `["apply fail"]`).
//!
//! The components and the armed faults are reached through methods that note a change
//! ([`DeviceState::components_mut`], [`DeviceState::faults_mut`]), so that a store writes them
//! only when a call changed them: most calls (every `get` of a converged device, an `apply`
//! of what is already there) change nothing but the counter and the journal.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use symphony::models::ComponentSpec;

use crate::faults::Fault;

/// The `format` value of this version of the state file.
pub const FORMAT: &str = "symphony-sim-device/1";

/// How many calls the journal keeps (the oldest are dropped first).
pub const JOURNAL_LIMIT: usize = 256;

/// One component on the device.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StoredComponent {
    /// The component as applied (or as written through the channel, or drifted).
    pub spec: ComponentSpec,
    /// How many more `get`s asking for it will not see it yet.
    #[serde(default)]
    pub hidden_for_gets: u32,
}

impl StoredComponent {
    /// A component visible at once.
    pub fn visible(spec: ComponentSpec) -> StoredComponent {
        StoredComponent {
            spec,
            hidden_for_gets: 0,
        }
    }

    /// Whether `other` is the same stored component (so storing it changes nothing).
    pub fn same_as(&self, other: &StoredComponent) -> bool {
        self.hidden_for_gets == other.hidden_for_gets && same_spec(&self.spec, &other.spec)
    }
}

/// Whether two component specs are equal, field by field (the `symphony` crate's types do not
/// implement `PartialEq`; routes and sidecars are compared as JSON).
pub fn same_spec(a: &ComponentSpec, b: &ComponentSpec) -> bool {
    let ComponentSpec {
        name,
        component_type,
        metadata,
        properties,
        parameters,
        routes,
        constraints,
        dependencies,
        skills,
        sidecars,
    } = a;
    *name == b.name
        && *component_type == b.component_type
        && *metadata == b.metadata
        && *properties == b.properties
        && *parameters == b.parameters
        && *constraints == b.constraints
        && *dependencies == b.dependencies
        && *skills == b.skills
        && same_json(routes, &b.routes)
        && same_json(sidecars, &b.sidecars)
}

/// Whether two values serialise to the same JSON (a value that does not serialise is never
/// the same).
fn same_json<T: Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Which provider call a journal entry is about.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// `get`.
    Get,
    /// `apply` (real or dry run).
    Apply,
    /// `get_validation_rule`: journaled only when it consumed an armed fault; it is not counted,
    /// so its entry carries the number of the last `get`/`apply` call.
    #[serde(rename = "get_validation_rule")]
    GetValidationRule,
}

/// A property that changed behind the provider's back before a `get`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    /// The component.
    pub component: String,
    /// The property.
    pub property: String,
    /// Its value before (`null` if it had none).
    pub from: Value,
    /// Its value after.
    pub to: Value,
}

/// The fault decisions of one call.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// The device's call number (from 1).
    pub call: u64,
    /// `get` or `apply`.
    pub op: Op,
    /// The latency the call was given.
    pub latency_ms: u64,
    /// Whether it returned a transient `Err` (`sim.failRate`).
    pub failed: bool,
    /// Whether it was slow (`sim.slowRate`).
    pub slow: bool,
    /// The drift applied before this `get`, if any.
    pub drift: Option<Drift>,
    /// The armed faults this call consumed ([`Fault::label`]), in arming order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
}

/// Everything the device holds.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct DeviceState {
    /// Always [`FORMAT`].
    pub format: String,
    /// The device id.
    pub device: String,
    /// How many `get`/`apply` calls reached the device (the fault decisions' counter).
    #[serde(default)]
    pub calls: u64,
    /// The components, by name.
    #[serde(default)]
    components: BTreeMap<String, StoredComponent>,
    /// The last calls, oldest first.
    #[serde(default)]
    pub journal: VecDeque<JournalEntry>,
    /// The faults armed for the next calls, in arming order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    faults: Vec<Fault>,
    /// Whether the components or the faults were reached for a change since
    /// [`DeviceState::take_changed`].
    #[serde(skip)]
    changed: bool,
}

impl DeviceState {
    /// An empty device.
    pub fn new(device: &str) -> DeviceState {
        DeviceState {
            format: FORMAT.to_string(),
            device: device.to_string(),
            ..DeviceState::default()
        }
    }

    /// A device holding `components` and `faults` (a store's saved state), with no calls yet.
    pub fn with_parts(
        device: &str,
        components: BTreeMap<String, StoredComponent>,
        faults: Vec<Fault>,
    ) -> DeviceState {
        DeviceState {
            components,
            faults,
            ..DeviceState::new(device)
        }
    }

    /// The components, by name.
    pub fn components(&self) -> &BTreeMap<String, StoredComponent> {
        &self.components
    }

    /// The components, taken out of the state.
    pub fn into_components(self) -> BTreeMap<String, StoredComponent> {
        self.components
    }

    /// The components, to change: the device counts as changed.
    pub fn components_mut(&mut self) -> &mut BTreeMap<String, StoredComponent> {
        self.changed = true;
        &mut self.components
    }

    /// The faults armed for the next calls, in arming order.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The armed faults, to change: the device counts as changed.
    pub fn faults_mut(&mut self) -> &mut Vec<Fault> {
        self.changed = true;
        &mut self.faults
    }

    /// Whether the components or faults were reached for a change since the last call, and
    /// forgets it.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Appends to the journal, dropping the oldest entries beyond [`JOURNAL_LIMIT`].
    pub fn record(&mut self, entry: JournalEntry) {
        self.journal.push_back(entry);
        while self.journal.len() > JOURNAL_LIMIT {
            self.journal.pop_front();
        }
    }

    /// Replaces the components (the channel's write): visible at once, calls and journal kept.
    pub fn replace_components(&mut self, components: Vec<ComponentSpec>) {
        *self.components_mut() = components
            .into_iter()
            .map(|spec| (spec.name.clone(), StoredComponent::visible(spec)))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_keeps_only_the_last_entries() {
        let mut state = DeviceState::new("d");
        for call in 1..=(JOURNAL_LIMIT as u64 + 10) {
            state.record(JournalEntry {
                call,
                op: Op::Get,
                latency_ms: 0,
                failed: false,
                slow: false,
                drift: None,
                faults: Vec::new(),
            });
        }
        assert_eq!(state.journal.len(), JOURNAL_LIMIT);
        assert_eq!(state.journal[0].call, 11);
    }

    #[test]
    fn a_sparse_component_reads_as_absent_fields() {
        let state: DeviceState = serde_json::from_str(
            r#"{"format":"symphony-sim-device/1","device":"d",
                "components":{"a":{"spec":{"name":"a","properties":{"x":1}}}}}"#,
        )
        .unwrap();
        let a = &state.components()["a"];
        assert_eq!(a.hidden_for_gets, 0);
        assert!(a.spec.component_type.is_none());
        assert_eq!(state.calls, 0);
        assert!(state.faults().is_empty());
    }

    #[test]
    fn specs_are_the_same_only_when_every_field_is() {
        let spec =
            |value: serde_json::Value| -> ComponentSpec { serde_json::from_value(value).unwrap() };
        let a = spec(serde_json::json!({"name":"a","properties":{"x":1},
                                        "sidecars":[{"name":"s","type":"t"}]}));
        assert!(same_spec(&a, &a.clone()));
        for other in [
            serde_json::json!({"name":"b","properties":{"x":1},"sidecars":[{"name":"s","type":"t"}]}),
            serde_json::json!({"name":"a","properties":{"x":2},"sidecars":[{"name":"s","type":"t"}]}),
            serde_json::json!({"name":"a","properties":{"x":1},"sidecars":[{"name":"s","type":"u"}]}),
            serde_json::json!({"name":"a","properties":{"x":1}}),
        ] {
            assert!(!same_spec(&a, &spec(other.clone())), "{other}");
        }
        let stored = StoredComponent::visible(a.clone());
        let hidden = StoredComponent {
            spec: a,
            hidden_for_gets: 1,
        };
        assert!(stored.same_as(&stored.clone()) && !stored.same_as(&hidden));
    }

    #[test]
    fn only_reaching_for_a_change_marks_the_device_changed() {
        let mut state = DeviceState::new("d");
        assert!(state.components().is_empty() && state.faults().is_empty());
        assert!(!state.take_changed(), "reading changes nothing");
        state.faults_mut().clear();
        assert!(state.take_changed());
        assert!(!state.take_changed(), "taken once");
        state.replace_components(Vec::new());
        assert!(state.take_changed());
    }
}
