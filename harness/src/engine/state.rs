//! Deployment states: which component is on which target, with which role, and which are to
//! be deleted (`solutionversion-manager-state.go`, `model/plan.go`).
//!
//! A [`DeploymentState`] holds the components (in dependency order), the targets (sorted by
//! name, then any added by merging) and the `TargetComponent` map from `"<component>::<target>"`
//! to a role; a role prefixed with `-` means "delete".
//!
//! Go's `DeploymentState` and `TargetDesc` carry no JSON tags, so the state Symphony stores
//! (`SummaryManager.UpsertDeploymentState`) names its fields as Go does: `Components`,
//! `Targets` (`Name`, `Spec`), `TargetComponent`. Both types read those names, and the
//! camelCase ones the harness writes, as Go's decoder matches keys (exactly, else ignoring
//! case); a key matching no field is refused by name, never dropped: a misspelt key would
//! otherwise leave the state silently empty.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::sort::sort_by_dependencies;
use super::EngineError;
use crate::model::{ComponentSpec, DeploymentSpec, TargetSpec};

/// A target known to a state.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct TargetDesc {
    /// Target name.
    pub name: String,
    /// Its spec (from the deployment that named it), shared by the states that hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Arc<TargetSpec>>,
}

/// Go's `model.DeploymentState`.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// Components, in planning order (shared with the deployment and the other states).
    pub components: Vec<Arc<ComponentSpec>>,
    /// Targets, in planning order.
    pub targets: Vec<TargetDesc>,
    /// `"<component>::<target>"` to role; `-role` means delete.
    pub target_component: BTreeMap<String, String>,
}

/// Go's names of `DeploymentState`'s fields, as Symphony stores them.
const STATE_FIELDS: &[&str] = &["Components", "Targets", "TargetComponent"];
/// Go's names of `TargetDesc`'s fields.
const TARGET_FIELDS: &[&str] = &["Name", "Spec"];

/// Which of `fields` the JSON key `key` sets, as Go's `encoding/json` decides: an exact match,
/// else a match ignoring (ASCII) case.
fn go_field(key: &str, fields: &[&'static str]) -> Option<usize> {
    fields.iter().position(|field| *field == key).or_else(|| {
        fields
            .iter()
            .position(|field| field.eq_ignore_ascii_case(key))
    })
}

/// A Go struct without JSON tags, read from an object: [`go_field`] matching, `null` as the
/// zero value (as Go leaves it), every unknown key an error naming Go's fields.
trait GoStruct: Default {
    /// What it is, for messages.
    const EXPECTING: &'static str;
    /// Go's field names.
    const FIELDS: &'static [&'static str];
    /// Reads the value of field `index` into `self`.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

struct GoStructVisitor<T>(PhantomData<T>);

impl<'de, T: GoStruct> Visitor<'de> for GoStructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        while let Some(key) = map.next_key::<String>()? {
            match go_field(&key, T::FIELDS) {
                Some(index) => value.read_field(index, &mut map)?,
                None => return Err(de::Error::unknown_field(&key, T::FIELDS)),
            }
        }
        Ok(value)
    }
}

/// `null` as the zero value, as Go's decoder leaves a field it reads `null` into.
fn or_zero<'de, T: Deserialize<'de> + Default, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<T, A::Error> {
    Ok(map.next_value::<Option<T>>()?.unwrap_or_default())
}

impl GoStruct for DeploymentState {
    const EXPECTING: &'static str =
        "a deployment state: `Components`, `Targets` and `TargetComponent`";
    const FIELDS: &'static [&'static str] = STATE_FIELDS;

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match index {
            0 => self.components = or_zero(map)?,
            1 => self.targets = or_zero(map)?,
            _ => self.target_component = or_zero(map)?,
        }
        Ok(())
    }
}

impl GoStruct for TargetDesc {
    const EXPECTING: &'static str = "a state's target: `Name` and `Spec`";
    const FIELDS: &'static [&'static str] = TARGET_FIELDS;

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match index {
            0 => self.name = or_zero(map)?,
            _ => self.spec = map.next_value::<Option<TargetSpec>>()?.map(Arc::new),
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for DeploymentState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GoStructVisitor(PhantomData))
    }
}

impl<'de> Deserialize<'de> for TargetDesc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GoStructVisitor(PhantomData))
    }
}

/// The `TargetComponent` key of a component on a target.
pub fn key(component: &str, target: &str) -> String {
    // Built by hand: this runs for every component of every round, and `format!` costs more.
    let mut key = String::with_capacity(component.len() + 2 + target.len());
    key.push_str(component);
    key.push_str("::");
    key.push_str(target);
    key
}

/// A component's role: its type, or `instance` when it has none.
pub fn role_of(component: &ComponentSpec) -> String {
    if component.component_type.is_empty() {
        "instance".to_string()
    } else {
        component.component_type.clone()
    }
}

/// One target's assignment string (`{a}{b}…`), read once to answer "does it hold `{name}`?"
/// as Go's `strings.Contains` does, for every component in constant time.
///
/// A `{name}` without braces inside occurs exactly where a `{` is followed by text without
/// braces and then `}`: those texts form the set. Names with braces are searched in the text.
struct Assigned<'a> {
    text: &'a str,
    names: HashSet<&'a str>,
}

impl<'a> Assigned<'a> {
    fn new(text: &'a str) -> Assigned<'a> {
        let mut names = HashSet::new();
        let mut open = None;
        for (at, byte) in text.bytes().enumerate() {
            match byte {
                b'{' => open = Some(at),
                b'}' => {
                    if let Some(start) = open.take() {
                        names.insert(&text[start + 1..at]);
                    }
                }
                _ => {}
            }
        }
        Assigned { text, names }
    }

    /// Whether the text holds `{name}` (Go: `strings.Contains(assigned, "{"+name+"}")`).
    fn holds(&self, name: &str) -> bool {
        if name.contains(['{', '}']) {
            self.text.contains(&format!("{{{name}}}"))
        } else {
            self.names.contains(name)
        }
    }
}

impl DeploymentState {
    /// Go's `NewDeploymentState`: components sorted by dependencies; each assigned to every
    /// target whose assignment string holds `{name}` (targets missing from the deployment are
    /// ignored); targets sorted by name.
    pub fn new(deployment: &DeploymentSpec) -> Result<DeploymentState, EngineError> {
        let mut state = DeploymentState::default();
        // Each assignment string read once, not once per component.
        let assignments: Vec<(&String, Assigned<'_>)> = deployment
            .assignments
            .iter()
            .map(|(target, assigned)| (target, Assigned::new(assigned)))
            .collect();
        for component in sort_by_dependencies(deployment.components())? {
            for (target, assigned) in &assignments {
                if !assigned.holds(&component.name) {
                    continue;
                }
                let Some(target_state) = deployment.targets.get(*target) else {
                    continue;
                };
                let Some(spec) = &target_state.spec else {
                    return Err(EngineError::TargetWithoutSpec {
                        target: target.to_string(),
                        component: component.name.clone(),
                    });
                };
                if !state.targets.iter().any(|t| &t.name == *target) {
                    state.targets.push(TargetDesc {
                        name: target.to_string(),
                        spec: Some(Arc::new(spec.clone())),
                    });
                }
                state
                    .target_component
                    .insert(key(&component.name, target), role_of(&component));
            }
            state.components.push(component);
        }
        state.targets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(state)
    }

    /// Go's `MergeDeploymentStates(previous, self)`: adds the components and targets of
    /// `previous` missing here (by name), and marks every key only in `previous` as `-`.
    pub fn merged_with_previous(mut self, previous: &DeploymentState) -> DeploymentState {
        // The names are borrowed while the missing ones are found, then those are copied.
        let missing: Vec<usize> = {
            let mut names: HashSet<&str> =
                self.components.iter().map(|c| c.name.as_str()).collect();
            (0..previous.components.len())
                .filter(|&at| names.insert(previous.components[at].name.as_str()))
                .collect()
        };
        self.components.extend(
            missing
                .into_iter()
                .map(|at| previous.components[at].clone()),
        );
        let missing: Vec<usize> = {
            let mut targets: HashSet<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
            (0..previous.targets.len())
                .filter(|&at| targets.insert(previous.targets[at].name.as_str()))
                .collect()
        };
        self.targets
            .extend(missing.into_iter().map(|at| previous.targets[at].clone()));
        for (key, role) in &previous.target_component {
            if !self.target_component.contains_key(key) && !role.starts_with('-') {
                self.target_component
                    .insert(key.clone(), format!("-{role}"));
            }
        }
        self
    }

    /// Go's `MarkRemoveAll`: every key to be deleted.
    pub fn mark_remove_all(&mut self) {
        for role in self.target_component.values_mut() {
            if !role.starts_with('-') {
                role.insert(0, '-');
            }
        }
    }

    /// Go's `ClearAllRemoved`: drops the `-` keys (the components stay).
    pub fn clear_all_removed(&mut self) {
        self.target_component
            .retain(|_, role| !role.starts_with('-'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TargetState;

    fn deployment(components: &[(&str, &str)], assignments: &[(&str, &str)]) -> DeploymentSpec {
        let mut d = DeploymentSpec::default();
        d.solution.spec = Some(crate::model::SolutionSpec {
            components: components
                .iter()
                .map(|(name, ty)| {
                    Arc::new(ComponentSpec {
                        name: name.to_string(),
                        component_type: ty.to_string(),
                        ..ComponentSpec::default()
                    })
                })
                .collect(),
            ..Default::default()
        });
        for (target, assigned) in assignments {
            d.targets.insert(
                target.to_string(),
                TargetState {
                    spec: Some(TargetSpec::default()),
                    ..Default::default()
                },
            );
            d.assignments
                .insert(target.to_string(), assigned.to_string());
        }
        d
    }

    #[test]
    fn new_state_assigns_roles_and_sorts_targets_bytewise() {
        let d = deployment(
            &[("a", "w"), ("b", "")],
            &[("a", "{a}"), ("T2", "{a}{b}"), ("T10", "{b}")],
        );
        let state = DeploymentState::new(&d).unwrap();
        let targets: Vec<&str> = state.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(targets, ["T10", "T2", "a"]);
        assert_eq!(state.target_component["a::T2"], "w");
        assert_eq!(state.target_component["b::T2"], "instance");
        assert!(!state.target_component.contains_key("b::a"));
    }

    #[test]
    fn assignment_to_a_target_missing_from_the_deployment_is_ignored() {
        let mut d = deployment(&[("a", "w")], &[("t", "{a}")]);
        d.assignments.insert("ghost".into(), "{a}".into());
        let state = DeploymentState::new(&d).unwrap();
        assert_eq!(state.target_component.len(), 1);
    }

    #[test]
    fn assigned_target_without_spec_is_reported() {
        let mut d = deployment(&[("a", "w")], &[("t", "{a}")]);
        d.targets.get_mut("t").unwrap().spec = None;
        assert!(matches!(
            DeploymentState::new(&d),
            Err(EngineError::TargetWithoutSpec { .. })
        ));
    }

    #[test]
    fn merge_marks_keys_only_in_previous_for_deletion_and_appends_targets() {
        let previous = DeploymentState::new(&deployment(
            &[("a", "w"), ("gone", "w")],
            &[("old", "{gone}"), ("t", "{a}{gone}")],
        ))
        .unwrap();
        let now = DeploymentState::new(&deployment(&[("a", "w")], &[("t", "{a}")])).unwrap();
        let merged = now.merged_with_previous(&previous);
        assert_eq!(merged.target_component["a::t"], "w");
        assert_eq!(merged.target_component["gone::t"], "-w");
        assert_eq!(merged.target_component["gone::old"], "-w");
        let targets: Vec<&str> = merged.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            targets,
            ["t", "old"],
            "previous-only targets are appended, not re-sorted"
        );
        let names: Vec<&str> = merged.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "gone"]);
    }

    #[test]
    fn assignment_lookup_agrees_with_substring_search_on_odd_names() {
        let texts = [
            "",
            "{a}{b}",
            "{a{b}",
            "{a}}",
            "}{a}",
            "x{a}y",
            "{}",
            "{a}{b}{a}",
            "{{a}}",
            "{a}{",
        ];
        let names = ["a", "b", "", "a}{b", "{a", "a}", "x", "{a}"];
        for text in texts {
            let assigned = Assigned::new(text);
            for name in names {
                assert_eq!(
                    assigned.holds(name),
                    text.contains(&format!("{{{name}}}")),
                    "`{name}` in `{text}`"
                );
            }
        }
    }

    #[test]
    fn a_state_stored_by_symphony_reads_in_gos_names_and_in_camel_case_alike() {
        let go = r#"{"Components": [{"name": "web", "type": "app"}],
                     "Targets": [{"Name": "edge", "Spec": {}}],
                     "TargetComponent": {"web::edge": "app"}}"#;
        let camel = r#"{"components": [{"name": "web", "type": "app"}],
                        "targets": [{"name": "edge", "spec": {}}],
                        "targetComponent": {"web::edge": "app"}}"#;
        let shouting = r#"{"COMPONENTS": [{"name": "web", "type": "app"}],
                           "TARGETS": [{"NAME": "edge", "SPEC": {}}],
                           "TARGETCOMPONENT": {"web::edge": "app"}}"#;
        let read = |text: &str| serde_json::from_str::<DeploymentState>(text).unwrap();
        let state = read(go);
        assert_eq!(state.components[0].name, "web");
        assert_eq!(state.targets[0].name, "edge");
        assert!(state.targets[0].spec.is_some());
        assert_eq!(state.target_component["web::edge"], "app");
        assert_eq!(read(camel), state);
        assert_eq!(read(shouting), state);
    }

    #[test]
    fn an_unknown_state_key_is_refused_with_gos_names_never_read_as_empty() {
        let err = serde_json::from_str::<DeploymentState>(r#"{"Componets": []}"#).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "unknown field `Componets`, expected one of `Components`, `Targets`, \
                 `TargetComponent`"
            ),
            "{text}"
        );
        let err =
            serde_json::from_str::<DeploymentState>(r#"{"Targets": [{"Nmae": "t"}]}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `Nmae`"), "{err}");
    }

    #[test]
    fn null_fields_are_gos_zero_values() {
        let state: DeploymentState = serde_json::from_str(
            r#"{"Components": null, "Targets": [{"Name": "t", "Spec": null}], "TargetComponent": null}"#,
        )
        .unwrap();
        assert!(state.components.is_empty());
        assert_eq!(state.targets[0].spec, None);
        assert!(state.target_component.is_empty());
        let written = serde_json::to_value(&state).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"components": [], "targets": [{"name": "t"}], "targetComponent": {}}),
            "written in the harness's camelCase (`plan`'s JSON)"
        );
    }

    #[test]
    fn mark_remove_all_then_clear_leaves_nothing() {
        let mut state = DeploymentState::new(&deployment(&[("a", "w")], &[("t", "{a}")])).unwrap();
        state.mark_remove_all();
        assert_eq!(state.target_component["a::t"], "-w");
        state.mark_remove_all();
        assert_eq!(state.target_component["a::t"], "-w", "never doubled");
        state.clear_all_removed();
        assert!(state.target_component.is_empty());
        assert_eq!(state.components.len(), 1, "components stay");
    }
}
