//! The deployments Symphony builds from its objects (`utils/symphony-api.go`).
//!
//! - [`from_target`]: `CreateSymphonyDeploymentFromTarget`, the synthetic
//!   `target-runtime-<target>` deployment that deploys a Target's own components.
//! - [`from_objects`]: `CreateSymphonyDeployment` from an Instance, its Solution(Version) and
//!   the Targets it selects (`MatchTargets`).
//!
//! Component constraints are expressions; only the constant `true` (or no constraint) is
//! understood here, `${{…}}` is reported as unsupported.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::wildcard::match_string;
use super::EngineError;
use crate::model::{
    ComponentSpec, DeploymentSpec, InstanceSpec, InstanceState, ObjectMeta, SolutionSpec,
    SolutionState, TargetSelector, TargetState,
};

/// The prefix of the synthetic deployment for a target's own components.
pub const TARGET_RUNTIME_PREFIX: &str = "target-runtime-";

/// Go's `ConvertReferenceToObjectName`: `app:v1` names the object `app-v-v1`.
pub fn reference_to_object_name(reference: &str) -> String {
    reference.replace(':', "-v-")
}

/// Go's `AssignComponentsToTargets`: every target gets an entry, possibly `""`, holding
/// `{name}` for each component whose constraint holds (no constraint holds).
pub fn assign_components(
    components: &[Arc<ComponentSpec>],
    targets: &BTreeMap<String, TargetState>,
) -> Result<BTreeMap<String, String>, EngineError> {
    let mut assignments = BTreeMap::new();
    for name in targets.keys() {
        let mut assigned = String::new();
        for component in components {
            let constraint = component.constraints.as_str();
            if constraint.contains("${{") {
                return Err(EngineError::UnsupportedExpression {
                    component: component.name.clone(),
                    field: "constraints",
                    key: String::new(),
                    text: constraint.to_string(),
                });
            }
            // Without expressions the parser returns the text itself: it matches when it is
            // the string `true`.
            if constraint.is_empty() || constraint == "true" {
                assigned.push_str(&format!("{{{}}}", component.name));
            }
        }
        assignments.insert(name.clone(), assigned);
    }
    Ok(assignments)
}

/// Go's `CreateSymphonyDeploymentFromTarget`.
pub fn from_target(target: &TargetState, namespace: &str) -> Result<DeploymentSpec, EngineError> {
    let name = &target.metadata.name;
    let key = format!("{TARGET_RUNTIME_PREFIX}{name}");
    let spec = target.spec.clone().unwrap_or_default();
    let scope = if spec.scope.is_empty() {
        "default".to_string()
    } else {
        spec.scope.clone()
    };
    let solution = SolutionState {
        metadata: ObjectMeta {
            name: key.clone(),
            namespace: target.metadata.namespace.clone(),
            ..ObjectMeta::default()
        },
        spec: Some(SolutionSpec {
            display_name: key.clone(),
            components: spec.components.clone(),
            ..SolutionSpec::default()
        }),
    };
    let mut instance = InstanceState {
        metadata: ObjectMeta {
            name: key.clone(),
            namespace: target.metadata.namespace.clone(),
            ..ObjectMeta::default()
        },
        spec: Some(InstanceSpec {
            scope,
            display_name: key.clone(),
            solution: key.clone(),
            target: TargetSelector {
                name: name.clone(),
                ..TargetSelector::default()
            },
            ..InstanceSpec::default()
        }),
        status: crate::model::zero_status(),
    };
    instance.metadata.set_guid(target.metadata.guid());
    let targets: BTreeMap<String, TargetState> = [(name.clone(), target.clone())].into();
    let assignments = assign_components(&spec.components, &targets)?;
    Ok(DeploymentSpec {
        solution_name: key,
        solution,
        instance,
        targets,
        assignments,
        generation: target.metadata.etag.clone(),
        object_namespace: namespace.to_string(),
        is_dry_run: spec.is_dry_run,
        ..DeploymentSpec::default()
    })
}

/// Go's `MatchTargets`: by (wildcard) name, and by selector; the union.
pub fn match_targets<'a>(
    instance: &InstanceState,
    targets: &'a [TargetState],
) -> Result<Vec<&'a TargetState>, EngineError> {
    let selector = instance
        .spec
        .as_ref()
        .map(|spec| spec.target.clone())
        .unwrap_or_default();
    let bad = |pattern: &str, error: String| EngineError::TargetPattern {
        pattern: pattern.to_string(),
        error,
    };
    let mut matched: BTreeMap<&str, &TargetState> = BTreeMap::new();
    if !selector.name.is_empty() {
        let wanted = reference_to_object_name(&selector.name);
        for target in targets {
            if match_string(&wanted, &target.metadata.name).map_err(|c| bad(&wanted, c))? {
                matched.insert(&target.metadata.name, target);
            }
        }
    }
    if !selector.selector.is_empty() {
        for target in targets {
            let properties = target
                .spec
                .as_ref()
                .map(|spec| spec.properties.clone())
                .unwrap_or_default();
            let mut full = true;
            for (key, value) in &selector.selector {
                match properties.get(key) {
                    Some(found) if match_string(value, found).map_err(|c| bad(value, c))? => {}
                    _ => full = false,
                }
            }
            if full {
                matched.insert(&target.metadata.name, target);
            }
        }
    }
    Ok(matched.into_values().collect())
}

/// Go's `CreateSymphonyDeployment` from an Instance, the Solution(Version) it names, and the
/// Targets there are. The solution must be the one the instance names (`name:version` becomes
/// `name-v-version`): Symphony would otherwise use a stand-in with no components and delete
/// everything, which the harness refuses to guess.
pub fn from_objects(
    instance: &InstanceState,
    solution: &SolutionState,
    targets: &[TargetState],
    namespace: &str,
) -> Result<DeploymentSpec, EngineError> {
    let spec = instance
        .spec
        .as_ref()
        .ok_or(EngineError::MissingSpec { object: "instance" })?;
    let expected = reference_to_object_name(&spec.solution);
    if expected != solution.metadata.name {
        return Err(EngineError::SolutionMismatch {
            reference: spec.solution.clone(),
            expected,
            found: solution.metadata.name.clone(),
        });
    }
    let targets: BTreeMap<String, TargetState> = match_targets(instance, targets)?
        .into_iter()
        .map(|t| (t.metadata.name.clone(), t.clone()))
        .collect();
    let components = solution
        .spec
        .as_ref()
        .map_or(&[][..], |spec| spec.components.as_slice());
    let assignments = assign_components(components, &targets)?;
    let mut instance = instance.clone();
    let guid = instance.metadata.guid().to_string();
    instance.metadata.set_guid(&guid);
    Ok(DeploymentSpec {
        solution_name: solution.metadata.name.clone(),
        solution: solution.clone(),
        targets,
        assignments,
        generation: instance.metadata.etag.clone(),
        object_namespace: namespace.to_string(),
        is_dry_run: spec.is_dry_run,
        is_in_active: spec.active_state == "inactive",
        instance,
        ..DeploymentSpec::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TargetSpec;

    fn target(name: &str, properties: &[(&str, &str)], components: &[&str]) -> TargetState {
        TargetState {
            metadata: ObjectMeta {
                name: name.into(),
                namespace: "default".into(),
                ..ObjectMeta::default()
            },
            status: crate::model::zero_status(),
            spec: Some(TargetSpec {
                properties: properties
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                components: components
                    .iter()
                    .map(|c| {
                        Arc::new(ComponentSpec {
                            name: c.to_string(),
                            component_type: "w".into(),
                            ..ComponentSpec::default()
                        })
                    })
                    .collect(),
                ..TargetSpec::default()
            }),
        }
    }

    #[test]
    fn target_runtime_deployment_has_the_targets_components() {
        let d = from_target(&target("edge", &[], &["a", "b"]), "default").unwrap();
        assert_eq!(d.solution_name, "target-runtime-edge");
        assert_eq!(d.instance.metadata.name, "target-runtime-edge");
        assert_eq!(d.instance.spec.as_ref().unwrap().scope, "default");
        assert_eq!(d.instance.metadata.annotations["Guid"], "");
        assert_eq!(d.assignments["edge"], "{a}{b}");
        assert_eq!(d.components().len(), 2);
    }

    #[test]
    fn target_without_components_gets_an_empty_assignment() {
        let d = from_target(&target("edge", &[], &[]), "default").unwrap();
        assert_eq!(d.assignments["edge"], "");
    }

    #[test]
    fn constraint_false_is_not_assigned_and_expression_is_unsupported() {
        let mut t = target("edge", &[], &["a"]);
        Arc::make_mut(&mut t.spec.as_mut().unwrap().components[0]).constraints = "false".into();
        assert_eq!(from_target(&t, "default").unwrap().assignments["edge"], "");
        Arc::make_mut(&mut t.spec.as_mut().unwrap().components[0]).constraints =
            "${{$equal($property(os),'linux')}}".into();
        assert!(matches!(
            from_target(&t, "default"),
            Err(EngineError::UnsupportedExpression { .. })
        ));
    }

    fn instance(solution: &str, name: &str, selector: &[(&str, &str)]) -> InstanceState {
        InstanceState {
            metadata: ObjectMeta {
                name: "inst".into(),
                etag: "3".into(),
                ..ObjectMeta::default()
            },
            spec: Some(InstanceSpec {
                solution: solution.into(),
                target: TargetSelector {
                    name: name.into(),
                    selector: selector
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                },
                ..InstanceSpec::default()
            }),
            status: crate::model::zero_status(),
        }
    }

    fn solution(name: &str, components: &[&str]) -> SolutionState {
        SolutionState {
            metadata: ObjectMeta {
                name: name.into(),
                ..ObjectMeta::default()
            },
            spec: Some(SolutionSpec {
                components: target("x", &[], components).spec.unwrap().components,
                ..SolutionSpec::default()
            }),
        }
    }

    #[test]
    fn instance_deployment_matches_targets_by_wildcard_and_selector() {
        let targets = [
            target("edge-1", &[("os", "linux")], &[]),
            target("edge-2", &[("os", "windows")], &[]),
            target("cloud", &[("os", "linux")], &[]),
        ];
        let by_name = from_objects(
            &instance("app:v1", "edge-*", &[]),
            &solution("app-v-v1", &["a"]),
            &targets,
            "default",
        )
        .unwrap();
        assert_eq!(
            by_name.targets.keys().collect::<Vec<_>>(),
            ["edge-1", "edge-2"]
        );
        assert_eq!(by_name.assignments["edge-1"], "{a}");
        assert_eq!(by_name.generation, "3");
        let by_selector = from_objects(
            &instance("app:v1", "", &[("os", "linux")]),
            &solution("app-v-v1", &["a"]),
            &targets,
            "default",
        )
        .unwrap();
        assert_eq!(
            by_selector.targets.keys().collect::<Vec<_>>(),
            ["cloud", "edge-1"]
        );
    }

    #[test]
    fn solution_not_named_by_the_instance_is_refused() {
        let err = from_objects(
            &instance("app:v2", "edge-1", &[]),
            &solution("app-v-v1", &[]),
            &[],
            "default",
        )
        .unwrap_err();
        assert!(
            matches!(err, EngineError::SolutionMismatch { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("`app-v-v2`"), "{err}");
    }
}

#[cfg(test)]
mod go_reference {
    //! Compares with the deployments Symphony's own code builds, recorded in
    //! `harness/tests/data/go-deployment/` (see its README).

    use serde_json::Value;

    use super::from_target;
    use crate::model::TargetState;

    #[test]
    fn target_runtime_deployments_match_symphony_go_code() {
        let cases = [
            (
                include_str!("../../../scenarios/targets/mock-target.json"),
                include_str!("../../tests/data/go-deployment/mock-target.deployment.json"),
            ),
            (
                include_str!("../../../scenarios/targets/my-target.json"),
                include_str!("../../tests/data/go-deployment/my-target.deployment.json"),
            ),
        ];
        for (target, go) in cases {
            let mut target: TargetState = serde_json::from_str(target).unwrap();
            target.metadata.namespace = "default".to_string();
            let ours = serde_json::to_value(from_target(&target, "default").unwrap()).unwrap();
            let go: Value = serde_json::from_str(go).unwrap();
            assert_eq!(ours, go);
        }
    }
}
