//! Symphony's planning pipeline without providers: evaluate the deployment, build its desired
//! state, plan the `get` phase, merge the previous, desired and reported states, and plan the
//! apply phase (`PlanForDeployment`).
//!
//! Owns the order of those steps, once: the [`Reconciler`](super::reconcile::Reconciler)
//! runs them around its provider calls, and [`plan_deployment`] runs them all on given
//! inputs (the `plan` command). The pieces themselves live in [`super::evaluate`],
//! [`super::state`] and [`super::plan`]. See `docs/reconcile.md`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use super::evaluate::{as_float64, evaluate_deployment};
use super::findings::{host_findings, Finding};
use super::plan::plan;
use super::state::{key, DeploymentState};
use super::EngineError;
use crate::model::{ComponentSpec, DeploymentSpec, DeploymentStep};

/// What a round derives from its deployment before any call: Symphony's steps 2 and 4, and
/// the desired-only plan `get` is called for (`SolutionVersionManager.Get`).
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// The evaluated deployment (what Symphony reconciles and stores).
    pub evaluated: DeploymentSpec,
    /// `NewDeploymentState` of the evaluated deployment.
    pub state: DeploymentState,
    /// `PlanForDeployment` of the desired state alone: one `get` per step.
    pub get_plan: Vec<DeploymentStep>,
}

/// Evaluates `deployment` and plans its `get` phase.
pub fn desired(deployment: &DeploymentSpec) -> Result<Desired, EngineError> {
    let evaluated = evaluate_deployment(deployment)?;
    let state = DeploymentState::new(&evaluated)?;
    Ok(Desired {
        get_plan: plan(&state),
        evaluated,
        state,
    })
}

/// The state `get` results are added to: no components yet, the desired state's targets.
pub fn current_state(desired: &DeploymentState) -> DeploymentState {
    DeploymentState {
        targets: desired.targets.clone(),
        ..DeploymentState::default()
    }
}

/// Adds what `get` reported on `target` to `current`, as `SolutionVersionManager.Get` does:
/// key role = type or `container`; components de-duplicated by name across targets (first
/// wins); numbers as Go's float64.
///
/// Reads `current`'s names first; to add the results of many calls, use [`Reported`].
pub fn add_reported(current: &mut DeploymentState, target: &str, components: Vec<ComponentSpec>) {
    let mut reported = Reported::from_state(std::mem::take(current));
    reported.add(target, components);
    *current = reported.into_state();
}

/// The state `get` results are added to, call after call, with an index of the names it
/// holds, so that each addition costs what it adds and not what is already there.
#[derive(Debug, Clone, Default)]
pub struct Reported {
    state: DeploymentState,
    names: HashSet<String>,
}

impl Reported {
    /// No components yet, the desired state's targets ([`current_state`]).
    pub fn new(desired: &DeploymentState) -> Reported {
        Reported::from_state(current_state(desired))
    }

    /// Goes on from `state`.
    pub fn from_state(state: DeploymentState) -> Reported {
        let names = state.components.iter().map(|c| c.name.clone()).collect();
        Reported { state, names }
    }

    /// Adds what `get` reported on `target`: see [`add_reported`].
    pub fn add(&mut self, target: &str, components: Vec<ComponentSpec>) {
        for mut component in components {
            component.properties = component
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), as_float64(v)))
                .collect();
            let role = if component.component_type.is_empty() {
                "container".to_string()
            } else {
                component.component_type.clone()
            };
            self.state
                .target_component
                .insert(key(&component.name, target), role);
            if !self.names.contains(&component.name) {
                self.names.insert(component.name.clone());
                self.state.components.push(Arc::new(component));
            }
        }
    }

    /// The state with everything added.
    pub fn into_state(self) -> DeploymentState {
        self.state
    }
}

/// The state Symphony plans the apply phase from: the desired state merged with the previous
/// one (keys gone since are deleted), all marked for deletion on `remove`, then merged with
/// what `get` reported (get-only components are deleted, role = type or `container`).
pub fn merge_states(
    desired_now: &DeploymentState,
    previous: Option<&DeploymentState>,
    current: &DeploymentState,
    remove: bool,
) -> DeploymentState {
    let mut desired = match previous {
        Some(previous) => desired_now.clone().merged_with_previous(previous),
        None => desired_now.clone(),
    };
    if remove {
        desired.mark_remove_all();
    }
    desired.merged_with_previous(current)
}

/// The merged state and the apply plan: Symphony's steps 6–9 (merge, then
/// `PlanForDeployment`).
pub fn plan_for_deployment(
    desired_now: &DeploymentState,
    previous: Option<&DeploymentState>,
    current: &DeploymentState,
    remove: bool,
) -> (DeploymentState, Vec<DeploymentStep>) {
    let merged = merge_states(desired_now, previous, current, remove);
    let steps = plan(&merged);
    (merged, steps)
}

/// What [`plan_deployment`] finds; steps keep Go's field order.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutput {
    /// Inputs that abort Symphony's host (see [`super::findings`]).
    pub findings: Vec<Finding>,
    /// The desired-only plan `get` is called for, one call per step.
    pub get_plan: Vec<DeploymentStep>,
    /// The apply plan: updates first, deletions after in reverse step order.
    pub plan: Vec<DeploymentStep>,
    /// The state the apply plan comes from (`-` roles are deletions).
    pub merged_state: DeploymentState,
}

/// The whole planning pipeline on given inputs: `deployment` evaluated, `previous` the stored
/// state (if any), `reported` what `get` returned per target, `remove` a removal (an inactive
/// instance is one too).
pub fn plan_deployment(
    deployment: &DeploymentSpec,
    previous: Option<&DeploymentState>,
    reported: BTreeMap<String, Vec<ComponentSpec>>,
    remove: bool,
) -> Result<PlanOutput, EngineError> {
    let desired = desired(deployment)?;
    let mut current = Reported::new(&desired.state);
    for (target, components) in reported {
        current.add(&target, components);
    }
    let current = current.into_state();
    let remove = remove || deployment.is_in_active;
    let (merged_state, plan) = plan_for_deployment(&desired.state, previous, &current, remove);
    Ok(PlanOutput {
        findings: host_findings(&desired.evaluated),
        get_plan: desired.get_plan,
        plan,
        merged_state,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::deployment::from_target;
    use crate::model::{ComponentAction, TargetState};

    fn deployment() -> DeploymentSpec {
        let target: TargetState = serde_json::from_value(json!({
            "metadata": {"name": "t"},
            "spec": {
                "components": [{"name": "a", "type": "w", "properties": {"n": "1.0"}}],
                "topologies": [{"bindings": [
                    {"role": "w", "provider": "providers.target.rust", "config": {}}
                ]}]
            }
        }))
        .unwrap();
        from_target(&target, "default").unwrap()
    }

    fn actions(steps: &[DeploymentStep]) -> Vec<(String, ComponentAction)> {
        steps
            .iter()
            .flat_map(|s| s.components.iter())
            .map(|c| (c.component.name.clone(), c.action))
            .collect()
    }

    #[test]
    fn a_first_plan_updates_what_is_desired_and_deletes_what_only_get_reported() {
        let reported = BTreeMap::from([(
            "t".to_string(),
            vec![ComponentSpec {
                name: "stray".into(),
                component_type: "w".into(),
                ..ComponentSpec::default()
            }],
        )]);
        let out = plan_deployment(&deployment(), None, reported, false).unwrap();
        assert_eq!(
            actions(&out.get_plan),
            [("a".to_string(), ComponentAction::Update)]
        );
        assert_eq!(
            actions(&out.plan),
            [
                ("a".to_string(), ComponentAction::Update),
                ("stray".to_string(), ComponentAction::Delete)
            ]
        );
        assert_eq!(out.merged_state.target_component["stray::t"], "-w");
        // The apply plan carries the evaluated deployment's values.
        assert_eq!(out.plan[0].components[0].component.properties["n"], "1");
    }

    #[test]
    fn an_inactive_instance_plans_its_removal() {
        let mut inactive = deployment();
        inactive.is_in_active = true;
        let out = plan_deployment(&inactive, None, BTreeMap::new(), false).unwrap();
        assert_eq!(
            actions(&out.plan),
            [("a".to_string(), ComponentAction::Delete)]
        );
        let active = plan_deployment(&deployment(), None, BTreeMap::new(), true).unwrap();
        assert_eq!(active.plan, out.plan, "the same as asking for the removal");
    }
}
