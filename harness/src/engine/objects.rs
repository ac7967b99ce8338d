//! Symphony objects as its API stores them, and the one deployment a set of them gives.
//!
//! Owns the defaults Symphony's API applies when an object is stored (a Target without a
//! namespace lands in `default`), and the choice between the two deployments Symphony builds:
//! a Target alone deploys its own components (`target-runtime-<name>`), an Instance with its
//! Solution deploys the solution to the Targets it selects. Reading files is not done here
//! ([`crate::input`] does); the deployments themselves are built in [`super::deployment`].

use super::deployment::{from_objects, from_target};
use super::EngineError;
use crate::model::{DeploymentSpec, InstanceState, SolutionState, TargetState};

/// The namespace Symphony's API gives an object stored without one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// An object Symphony would not store, or a set of objects that gives no deployment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    /// An object without `metadata.name`: Symphony's API refuses to store it.
    #[error("the {object} has no `metadata.name`")]
    Unnamed {
        /// Which object.
        object: &'static str,
    },
    /// Several Targets without an Instance: a Target alone deploys only its own components.
    #[error("{count} targets given without a solution and an instance")]
    SeveralTargetsWithoutInstance {
        /// How many targets.
        count: usize,
    },
    /// No Target at all.
    #[error("no target given")]
    NoTarget,
    /// A Target without `spec`: Symphony's target reconcile dereferences it and crashes.
    #[error(
        "target `{name}` has no `spec`: Symphony crashes (nil pointer) building its deployment"
    )]
    TargetWithoutSpec {
        /// The target.
        name: String,
    },
    /// An object given where a deployment was expected.
    #[error(
        "this is a Symphony {found} object (top-level `metadata` and `spec`), not a deployment"
    )]
    NotADeployment {
        /// What it looks like: `target`, `solution` or `instance`.
        found: &'static str,
    },
    /// Symphony cannot build the deployment.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl ObjectError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ObjectError::Unnamed { .. } => {
                Some("give it a `metadata.name`, as `kubectl apply` requires".into())
            }
            ObjectError::SeveralTargetsWithoutInstance { .. } => Some(
                "a Target alone deploys its own components: reconcile one target at a time, or \
                 add a solution and an instance that select them"
                    .into(),
            ),
            ObjectError::NoTarget => Some("name at least one Target".into()),
            ObjectError::TargetWithoutSpec { .. } => Some(
                "give the target a `spec` with its `topologies` (the binding of the provider) \
                 and `components`, as the tutorial's `target.json` does"
                    .into(),
            ),
            ObjectError::NotADeployment { found: "target" } => Some(
                "run a Target with `symphony-harness reconcile --target FILE`; `plan` takes the \
                 deployment Symphony sends providers (`solutionversionName`, `instance`, \
                 `targets`, …)"
                    .into(),
            ),
            ObjectError::NotADeployment { .. } => Some(
                "run a Solution and an Instance with `symphony-harness reconcile --target T \
                 --solution S --instance I`; `plan` takes the deployment Symphony sends \
                 providers (`solutionversionName`, `instance`, `targets`, …)"
                    .into(),
            ),
            ObjectError::Engine(err) => err.hint(),
        }
    }
}

/// `target` as Symphony's API stores it: named, in namespace [`DEFAULT_NAMESPACE`] unless it
/// names one.
pub fn stored_target(mut target: TargetState) -> Result<TargetState, ObjectError> {
    if target.metadata.name.is_empty() {
        return Err(ObjectError::Unnamed { object: "target" });
    }
    if target.metadata.namespace.is_empty() {
        target.metadata.namespace = DEFAULT_NAMESPACE.to_string();
    }
    Ok(target)
}

/// The objects of one reconcile: Targets, and optionally the Solution and Instance that
/// deploy to them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Objects {
    /// The Targets, as stored ([`stored_target`]).
    pub targets: Vec<TargetState>,
    /// The Solution (0.48) or SolutionVersion (0.49) and the Instance that names it.
    pub solution_and_instance: Option<(SolutionState, InstanceState)>,
}

impl Objects {
    /// The deployment Symphony reconciles for these objects: the instance's, or a lone
    /// target's own.
    pub fn deployment(&self) -> Result<DeploymentSpec, ObjectError> {
        match &self.solution_and_instance {
            Some((solution, instance)) => Ok(from_objects(
                instance,
                solution,
                &self.targets,
                DEFAULT_NAMESPACE,
            )?),
            None => match self.targets.as_slice() {
                [] => Err(ObjectError::NoTarget),
                [target] if target.spec.is_none() => Err(ObjectError::TargetWithoutSpec {
                    name: target.metadata.name.clone(),
                }),
                [target] => Ok(from_target(target, DEFAULT_NAMESPACE)?),
                several => Err(ObjectError::SeveralTargetsWithoutInstance {
                    count: several.len(),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjectMeta;

    fn target(name: &str, namespace: &str) -> TargetState {
        TargetState {
            metadata: ObjectMeta {
                name: name.into(),
                namespace: namespace.into(),
                ..ObjectMeta::default()
            },
            ..TargetState::default()
        }
    }

    #[test]
    fn a_stored_target_without_namespace_lands_in_default() {
        let stored = stored_target(target("t", "")).unwrap();
        assert_eq!(stored.metadata.namespace, "default");
        let kept = stored_target(target("t", "edge")).unwrap();
        assert_eq!(kept.metadata.namespace, "edge");
    }

    #[test]
    fn an_unnamed_target_is_refused() {
        assert_eq!(
            stored_target(target("", "")),
            Err(ObjectError::Unnamed { object: "target" })
        );
    }

    #[test]
    fn a_lone_target_without_spec_is_refused_as_symphony_would_crash() {
        let lone = Objects {
            targets: vec![target("t", "default")],
            solution_and_instance: None,
        };
        assert_eq!(
            lone.deployment(),
            Err(ObjectError::TargetWithoutSpec { name: "t".into() })
        );
    }

    #[test]
    fn a_lone_target_deploys_its_own_components_and_two_need_an_instance() {
        let mut with_spec = target("t", "default");
        with_spec.spec = Some(crate::model::TargetSpec::default());
        let one = Objects {
            targets: vec![with_spec],
            solution_and_instance: None,
        };
        assert_eq!(one.deployment().unwrap().solution_name, "target-runtime-t");
        let two = Objects {
            targets: vec![target("a", "default"), target("b", "default")],
            solution_and_instance: None,
        };
        assert_eq!(
            two.deployment(),
            Err(ObjectError::SeveralTargetsWithoutInstance { count: 2 })
        );
        assert_eq!(Objects::default().deployment(), Err(ObjectError::NoTarget));
    }
}
