//! The simulated devices' true state after a step on both builds, component by component
//! and property by property. Compared only when both builds recorded devices (both are the
//! simulated provider). Every difference here only changes: whether the desired state wanted
//! it is what the expectations and invariants judge (`appliedOnDevice`, `deviceAsDesired`).

use std::collections::{BTreeMap, BTreeSet};

use super::change::{Area, Change, Changes, Kind};
use super::describe;
use crate::transcript::{DeviceComponent, StepTranscript};

/// Compares the devices after step `old`/`new` into `changes`.
pub fn compare_devices(
    at: &str,
    (old, new): (&StepTranscript, &StepTranscript),
    changes: &mut Changes,
) {
    let (Some(before), Some(after)) = (old.device_components(), new.device_components()) else {
        return;
    };
    let names: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
    let holds = |device: &BTreeMap<&str, &DeviceComponent>, name: &str| match device.get(name) {
        Some(component) => format!(
            "{at}: the device holds `{name}` {{{}}}",
            component
                .properties
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("{at}: the device holds no `{name}`"),
    };
    for name in names {
        let what = match (before.get(name), after.get(name)) {
            (Some(_), None) => "a component the old build left on the device is not there",
            (None, Some(_)) => "the device holds a component the old build did not leave there",
            (Some(b), Some(a)) => {
                compare_properties(at, name, (b, a), changes);
                continue;
            }
            (None, None) => continue,
        };
        changes.push(
            Change::new(Kind::Changed, Area::Device, what)
                .at(at)
                .evidence(vec![holds(&before, name)], vec![holds(&after, name)]),
        );
    }
}

fn compare_properties(
    at: &str,
    name: &str,
    (old, new): (&DeviceComponent, &DeviceComponent),
    changes: &mut Changes,
) {
    let keys: BTreeSet<&String> = old.properties.keys().chain(new.properties.keys()).collect();
    let line = |component: &DeviceComponent, key: &str| match component.properties.get(key) {
        Some(value) => format!(
            "{at}: on the device `{name}` has `{key}` = {}",
            describe::value(value)
        ),
        None => format!("{at}: on the device `{name}` has no `{key}`"),
    };
    for key in keys {
        let what = match (old.properties.get(key), new.properties.get(key)) {
            (Some(_), None) => format!("property `{key}` no longer reaches the device"),
            (None, Some(_)) => {
                format!("the device holds property `{key}` the old build did not set")
            }
            (Some(b), Some(a)) if b != a => format!("the device holds another value of `{key}`"),
            _ => continue,
        };
        changes.push(
            Change::new(Kind::Changed, Area::Device, what)
                .at(at)
                .evidence(vec![line(old, key)], vec![line(new, key)]),
        );
    }
    if old.component_type != new.component_type {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Device,
                "the device holds a component of another type",
            )
            .at(at)
            .evidence(
                vec![format!("{at}: `{name}` has type `{}`", old.component_type)],
                vec![format!("{at}: `{name}` has type `{}`", new.component_type)],
            ),
        );
    }
}
