//! The two wire generations of Symphony's JSON, and the translation between them.
//!
//! Symphony ≤ 0.48 sends `solutionName`, `solution`, `instance.spec.solution` and
//! `targets.*.spec.solutionScope`; Symphony ≥ 0.49.1 renamed them to `solutionversionName`,
//! `solutionversion`, `instance.spec.solutionversion` and `solutionversionScope`
//! (commit `8d2f4b1e`). Nothing else differs, and the provider-side layouts are identical
//! (`docs/abi.md`, "Crate versions and ABI generations"). The types in this module tree
//! write the 0.49 names; [`to_generation`] rewrites a deployment for 0.48, [`to_049`] reads
//! either back.

use std::fmt;

use serde_json::Value;

/// A Symphony wire generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symphony {
    /// Symphony ≤ 0.48: `solution*` names; its Rust host is `symphony` 0.1.4.
    V048,
    /// Symphony ≥ 0.49.1: `solutionversion*` names; its Rust host is `symphony` 0.1.5.
    #[default]
    V049,
}

impl fmt::Display for Symphony {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Symphony::V048 => "0.48",
            Symphony::V049 => "0.49",
        })
    }
}

/// (0.49 name, 0.48 name) at the top level of a deployment.
const TOP: [(&str, &str); 2] = [
    ("solutionversionName", "solutionName"),
    ("solutionversion", "solution"),
];

fn rename(object: &mut Value, from: &str, to: &str) {
    if let Some(map) = object.as_object_mut() {
        if let Some(value) = map.remove(from) {
            map.insert(to.to_string(), value);
        }
    }
}

fn rename_all(deployment: &mut Value, to_048: bool) {
    let pick =
        |(new, old): (&'static str, &'static str)| if to_048 { (new, old) } else { (old, new) };
    for pair in TOP {
        let (from, to) = pick(pair);
        rename(deployment, from, to);
    }
    if let Some(instance) = deployment.get_mut("instance") {
        rename_instance(instance, to_048);
    }
    let (from, to) = pick(("solutionversionScope", "solutionScope"));
    if let Some(targets) = deployment.get_mut("targets").and_then(Value::as_object_mut) {
        for target in targets.values_mut() {
            if let Some(spec) = target.get_mut("spec") {
                rename(spec, from, to);
            }
        }
    }
}

fn rename_instance(instance: &mut Value, to_048: bool) {
    let (from, to) = if to_048 {
        ("solutionversion", "solution")
    } else {
        ("solution", "solutionversion")
    };
    if let Some(spec) = instance.get_mut("spec") {
        rename(spec, from, to);
    }
}

/// Rewrites an instance (a deployment's `instance`) written with 0.49 names into
/// `generation`'s names.
pub fn instance_to_generation(mut instance: Value, generation: Symphony) -> Value {
    if generation == Symphony::V048 {
        rename_instance(&mut instance, true);
    }
    instance
}

/// Rewrites an instance written in `generation`'s names with the 0.49 names.
pub fn instance_to_049(mut instance: Value, generation: Symphony) -> Value {
    if generation == Symphony::V048 {
        rename_instance(&mut instance, false);
    }
    instance
}

/// Rewrites a deployment written with 0.49 names into `generation`'s names.
pub fn to_generation(mut deployment: Value, generation: Symphony) -> Value {
    if generation == Symphony::V048 {
        rename_all(&mut deployment, true);
    }
    deployment
}

/// Which generation a deployment's JSON is written in: 0.48 when it has `solutionName` and
/// no `solutionversionName`.
pub fn generation_of(deployment: &Value) -> Symphony {
    let has = |key: &str| deployment.get(key).is_some();
    if has("solutionName") && !has("solutionversionName") {
        Symphony::V048
    } else {
        Symphony::V049
    }
}

/// Rewrites a deployment of either generation with the 0.49 names (a no-op for 0.49).
pub fn to_049(mut deployment: Value) -> Value {
    if generation_of(&deployment) == Symphony::V048 {
        rename_all(&mut deployment, false);
    }
    deployment
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"solutionversionName": "s", "solutionversion": {"metadata": {}},
               "instance": {"spec": {"solutionversion": "s:v1"}},
               "targets": {"t": {"spec": {"solutionversionScope": "x"}}}})
    }

    #[test]
    fn generation_048_renames_every_solutionversion_field() {
        let old = to_generation(sample(), Symphony::V048);
        assert_eq!(
            old,
            json!({"solutionName": "s", "solution": {"metadata": {}},
                   "instance": {"spec": {"solution": "s:v1"}},
                   "targets": {"t": {"spec": {"solutionScope": "x"}}}})
        );
        assert_eq!(generation_of(&old), Symphony::V048);
    }

    #[test]
    fn translating_048_back_gives_the_049_document() {
        assert_eq!(to_049(to_generation(sample(), Symphony::V048)), sample());
        assert_eq!(to_049(sample()), sample());
        assert_eq!(to_generation(sample(), Symphony::V049), sample());
    }
}
