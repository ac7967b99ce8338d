//! Planning: which `apply` steps a state gives, in which order (`PlanForDeployment` in
//! `solutionversion-manager-state.go`, `RevisedForDeletion` in `model/plan.go`).
//!
//! For each component (state order) and each target (state order) with a key: the component
//! joins the last step with the same target and `Role == c.Type` — the component's *type*,
//! not its role, so typeless components never find one and each get their own step — when
//! each of its dependencies is an update in steps `0..=index`; otherwise it starts a new step
//! (`isFirst` when no step for that target and type existed). Then all updates come first, and
//! deletions after them in reverse step order, mixed steps split.

use std::collections::HashMap;
use std::sync::Arc;

use super::state::{key, role_of, DeploymentState};
use crate::model::{ComponentAction, ComponentStep, DeploymentStep};

/// The steps planned so far, with what Go searches them for kept in indexes: the last step of
/// each target and role (`findLastTargetRole`), and the first step updating each component
/// name (`canAppendToStep`). Steps are only appended, or appended to, until the plan is done.
#[derive(Default)]
struct Steps<'s> {
    steps: Vec<DeploymentStep>,
    last_of: HashMap<&'s str, HashMap<String, usize>>,
    first_update: HashMap<&'s str, usize>,
}

impl<'s> Steps<'s> {
    /// `findLastTargetRole`: the last step for `target` whose role is `role`.
    fn find_last_target_role(&self, target: &'s str, role: &str) -> Option<usize> {
        self.last_of.get(target)?.get(role).copied()
    }

    /// `canAppendToStep`: every dependency is an update in steps `0..=index`.
    fn can_append_to_step(&self, index: usize, dependencies: &[String]) -> bool {
        dependencies.iter().all(|dependency| {
            self.first_update
                .get(dependency.as_str())
                .is_some_and(|&first| first <= index)
        })
    }

    /// Adds `entry` (of the component `name`) to step `index`.
    fn append(&mut self, index: usize, name: &'s str, entry: ComponentStep) {
        self.note(index, name, entry.action);
        self.steps[index].components.push(entry);
    }

    /// Starts a new step with `entry` (of the component `name`).
    fn start(&mut self, name: &'s str, target: &'s str, step: DeploymentStep) {
        let index = self.steps.len();
        let action = step.components.first().map(|c| c.action);
        self.last_of
            .entry(target)
            .or_default()
            .insert(step.role.clone(), index);
        self.steps.push(step);
        if let Some(action) = action {
            self.note(index, name, action);
        }
    }

    fn note(&mut self, index: usize, name: &'s str, action: ComponentAction) {
        if action == ComponentAction::Update {
            let first = self.first_update.entry(name).or_insert(index);
            *first = (*first).min(index);
        }
    }
}

/// Go's `PlanForDeployment`, deletion reordering included.
pub fn plan(state: &DeploymentState) -> Vec<DeploymentStep> {
    let mut steps = Steps::default();
    for component in &state.components {
        for target in &state.targets {
            let Some(value) = state
                .target_component
                .get(&key(&component.name, &target.name))
            else {
                continue;
            };
            let action = if value.starts_with('-') {
                ComponentAction::Delete
            } else {
                ComponentAction::Update
            };
            let entry = ComponentStep {
                action,
                component: Arc::clone(component),
            };
            // The quirk: the lookup uses the type, the new step gets the role.
            match steps.find_last_target_role(&target.name, &component.component_type) {
                Some(index) if steps.can_append_to_step(index, &component.dependencies) => {
                    steps.append(index, &component.name, entry);
                }
                found => steps.start(
                    &component.name,
                    &target.name,
                    DeploymentStep {
                        target: target.name.clone(),
                        components: vec![entry],
                        role: role_of(component),
                        is_first: found.is_none(),
                    },
                ),
            }
        }
    }
    revised_for_deletion(steps.steps)
}

/// Go's `RevisedForDeletion`: update-only steps stay in place; delete-only steps, and the
/// delete part of mixed steps (reversed), go on a stack appended at the end in LIFO order.
pub fn revised_for_deletion(steps: Vec<DeploymentStep>) -> Vec<DeploymentStep> {
    let mut revised = Vec::new();
    let mut deletions = Vec::new();
    for step in steps {
        let deletes = step
            .components
            .iter()
            .filter(|c| c.action == ComponentAction::Delete)
            .count();
        if deletes == 0 {
            revised.push(step);
        } else if deletes == step.components.len() {
            deletions.push(step);
        } else {
            let part = |action: ComponentAction| DeploymentStep {
                target: step.target.clone(),
                components: step
                    .components
                    .iter()
                    .filter(|c| c.action == action)
                    .cloned()
                    .collect(),
                role: step.role.clone(),
                is_first: step.is_first,
            };
            let updates = part(ComponentAction::Update);
            let mut deleted = part(ComponentAction::Delete);
            deleted.components.reverse();
            revised.push(updates);
            deletions.push(deleted);
        }
    }
    revised.extend(deletions.into_iter().rev());
    revised
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::state::TargetDesc;
    use crate::model::ComponentSpec;

    /// A state from `(name, type, deps)` components and `(component, target, role)` keys.
    fn state(
        components: &[(&str, &str, &[&str])],
        targets: &[&str],
        keys: &[(&str, &str, &str)],
    ) -> DeploymentState {
        DeploymentState {
            components: components
                .iter()
                .map(|(name, ty, deps)| {
                    Arc::new(ComponentSpec {
                        name: name.to_string(),
                        component_type: ty.to_string(),
                        dependencies: deps.iter().map(|d| d.to_string()).collect(),
                        ..ComponentSpec::default()
                    })
                })
                .collect(),
            targets: targets
                .iter()
                .map(|t| TargetDesc {
                    name: t.to_string(),
                    spec: None,
                })
                .collect(),
            target_component: keys
                .iter()
                .map(|(c, t, r)| (key(c, t), r.to_string()))
                .collect(),
        }
    }

    /// Each step as `target/role[first]: +a -b`.
    fn show(steps: &[DeploymentStep]) -> Vec<String> {
        steps
            .iter()
            .map(|s| {
                let comps: Vec<String> = s
                    .components
                    .iter()
                    .map(|c| format!("{}{}", c.action.sign(), c.component.name))
                    .collect();
                format!(
                    "{}/{}{}: {}",
                    s.target,
                    s.role,
                    if s.is_first { "*" } else { "" },
                    comps.join(" ")
                )
            })
            .collect()
    }

    #[test]
    fn planning_table() {
        let cases: Vec<(&str, DeploymentState, Vec<&str>)> = vec![
            (
                "same_type_components_share_one_step",
                state(
                    &[("a", "w", &[]), ("b", "w", &[])],
                    &["t"],
                    &[("a", "t", "w"), ("b", "t", "w")],
                ),
                vec!["t/w*: +a +b"],
            ),
            (
                "typeless_components_get_own_step",
                state(
                    &[("a", "", &[]), ("b", "", &[])],
                    &["t"],
                    &[("a", "t", "instance"), ("b", "t", "instance")],
                ),
                vec!["t/instance*: +a", "t/instance*: +b"],
            ),
            (
                "explicit_instance_type_joins_typeless_step",
                state(
                    &[("a", "", &[]), ("b", "instance", &[])],
                    &["t"],
                    &[("a", "t", "instance"), ("b", "t", "instance")],
                ),
                vec!["t/instance*: +a +b"],
            ),
            (
                "different_types_get_different_steps",
                state(
                    &[("a", "w", &[]), ("b", "x", &[]), ("c", "w", &[])],
                    &["t"],
                    &[("a", "t", "w"), ("b", "t", "x"), ("c", "t", "w")],
                ),
                vec!["t/w*: +a +c", "t/x*: +b"],
            ),
            (
                "each_target_gets_its_own_steps",
                state(
                    &[("a", "w", &[])],
                    &["t1", "t2"],
                    &[("a", "t1", "w"), ("a", "t2", "w")],
                ),
                vec!["t1/w*: +a", "t2/w*: +a"],
            ),
            (
                "dependency_in_same_step_allows_append",
                state(
                    &[("a", "w", &[]), ("b", "w", &["a"])],
                    &["t"],
                    &[("a", "t", "w"), ("b", "t", "w")],
                ),
                vec!["t/w*: +a +b"],
            ),
            (
                "dependency_in_later_step_splits_and_is_not_first",
                state(
                    &[("a", "w", &[]), ("x", "v", &[]), ("b", "w", &["x"])],
                    &["t"],
                    &[("a", "t", "w"), ("x", "t", "v"), ("b", "t", "w")],
                ),
                vec!["t/w*: +a", "t/v*: +x", "t/w: +b"],
            ),
            (
                "component_on_two_targets_joins_each_targets_step",
                state(
                    &[("a", "w", &[]), ("b", "w", &["a"])],
                    &["t1", "t2"],
                    &[("a", "t1", "w"), ("b", "t2", "w"), ("b", "t1", "w")],
                ),
                vec!["t1/w*: +a +b", "t2/w*: +b"],
            ),
            (
                "deletes_never_satisfy_a_dependency",
                state(
                    &[("a", "w", &[]), ("b", "w", &["a"])],
                    &["t"],
                    &[("a", "t", "-w"), ("b", "t", "-w")],
                ),
                vec!["t/w: -b", "t/w*: -a"],
            ),
            (
                "deletes_move_after_updates_in_reverse_step_order",
                state(
                    &[("a", "w", &[]), ("b", "x", &[]), ("c", "y", &[])],
                    &["t"],
                    &[("a", "t", "-w"), ("b", "t", "-x"), ("c", "t", "y")],
                ),
                vec!["t/y*: +c", "t/x*: -b", "t/w*: -a"],
            ),
            (
                "mixed_step_is_split_and_delete_part_reversed",
                state(
                    &[
                        ("a", "w", &[]),
                        ("b", "w", &[]),
                        ("c", "w", &[]),
                        ("d", "w", &[]),
                    ],
                    &["t"],
                    &[
                        ("a", "t", "-w"),
                        ("b", "t", "w"),
                        ("c", "t", "-w"),
                        ("d", "t", "w"),
                    ],
                ),
                vec!["t/w*: +b +d", "t/w*: -c -a"],
            ),
            (
                "pure_delete_step_keeps_dependency_order",
                state(
                    &[("a", "w", &[]), ("b", "w", &[])],
                    &["t"],
                    &[("a", "t", "-w"), ("b", "t", "-w")],
                ),
                vec!["t/w*: -a -b"],
            ),
            (
                "component_without_key_is_not_planned",
                state(
                    &[("a", "w", &[]), ("b", "w", &[])],
                    &["t"],
                    &[("a", "t", "w")],
                ),
                vec!["t/w*: +a"],
            ),
            (
                "duplicate_names_are_both_planned_in_one_step",
                state(
                    &[("a", "w", &[]), ("a", "w", &[])],
                    &["t"],
                    &[("a", "t", "w")],
                ),
                vec!["t/w*: +a +a"],
            ),
            ("empty_state_plans_nothing", state(&[], &[], &[]), vec![]),
        ];
        for (name, state, expected) in cases {
            assert_eq!(show(&plan(&state)), expected, "{name}");
        }
    }
}

#[cfg(test)]
mod go_reference {
    //! Replays random cases against plans recorded from Symphony's own `NewDeploymentState`,
    //! `MergeDeploymentStates`, `MarkRemoveAll` and `PlanForDeployment`, in
    //! `harness/tests/data/go-plan/` (see its README).

    use serde_json::Value;

    use super::plan;
    use crate::engine::planning::merge_states;
    use crate::engine::state::DeploymentState;
    use crate::model::DeploymentSpec;

    #[derive(serde::Deserialize)]
    struct Case {
        deployment: DeploymentSpec,
        previous: Option<DeploymentState>,
        current: DeploymentState,
        remove: bool,
    }

    #[test]
    fn plans_match_symphony_go_code_on_500_random_cases() {
        let cases = include_str!("../../tests/data/go-plan/cases.jsonl");
        let expected = include_str!("../../tests/data/go-plan/expected.jsonl");
        let (mut planned, mut failed) = (0, 0);
        for (n, (line, go)) in cases.lines().zip(expected.lines()).enumerate() {
            let case: Case = serde_json::from_str(line).unwrap();
            let go: Value = serde_json::from_str(go).unwrap();
            let desired = DeploymentState::new(&case.deployment);
            if go.get("error").is_some() {
                assert!(
                    desired.is_err(),
                    "case {}: Go failed, the harness did not",
                    n + 1
                );
                failed += 1;
                continue;
            }
            let desired = desired.unwrap_or_else(|err| panic!("case {}: {err}", n + 1));
            let get_plan = serde_json::to_value(plan(&desired)).unwrap();
            assert_eq!(get_plan, go["getPlan"], "case {}: get plan", n + 1);
            let merged = merge_states(&desired, case.previous.as_ref(), &case.current, case.remove);
            let apply_plan = serde_json::to_value(plan(&merged)).unwrap();
            assert_eq!(apply_plan, go["plan"], "case {}: apply plan", n + 1);
            planned += 1;
        }
        assert_eq!(planned + failed, 500);
        assert!(failed > 10 && planned > 300, "both outcomes are exercised");
    }
}
