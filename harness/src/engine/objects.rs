//! Symphony objects as its API stores them, and the one deployment a set of them gives.
//!
//! Owns the defaults Symphony's API applies when an object is stored (a Target without a
//! namespace lands in `default`), and the choice between the two deployments Symphony builds:
//! a Target alone deploys its own components (`target-runtime-<name>`), an Instance with its
//! Solution deploys the solution to the Targets it selects. Reading files is not done here
//! ([`crate::input`] does); the deployments themselves are built in [`super::deployment`].

use super::deployment::{from_objects, from_target};
use super::EngineError;
use crate::model::{
    ComponentSpec, DeploymentSpec, InstanceState, ObjectMeta, SolutionState, TargetState,
};

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

/// The ETag Symphony's state store gives an object on its first write; a deployment's
/// `generation` is its object's ETag.
pub const FIRST_ETAG: &str = "1";

/// `metadata` as Symphony's API stores an object's: named, in namespace [`DEFAULT_NAMESPACE`]
/// unless it names one, with the ETag of a first write ([`FIRST_ETAG`]) unless it has one.
fn stored_metadata(metadata: &mut ObjectMeta, object: &'static str) -> Result<(), ObjectError> {
    if metadata.name.is_empty() {
        return Err(ObjectError::Unnamed { object });
    }
    if metadata.namespace.is_empty() {
        metadata.namespace = DEFAULT_NAMESPACE.to_string();
    }
    if metadata.etag.is_empty() {
        metadata.etag = FIRST_ETAG.to_string();
    }
    Ok(())
}

/// `target` as Symphony's API stores it ([`stored_metadata`]).
pub fn stored_target(mut target: TargetState) -> Result<TargetState, ObjectError> {
    stored_metadata(&mut target.metadata, "target")?;
    Ok(target)
}

/// `instance` as Symphony's API stores it ([`stored_metadata`]).
pub fn stored_instance(mut instance: InstanceState) -> Result<InstanceState, ObjectError> {
    stored_metadata(&mut instance.metadata, "instance")?;
    Ok(instance)
}

/// `solution` (a Solution or SolutionVersion) as Symphony's API stores it
/// ([`stored_metadata`]).
pub fn stored_solution(mut solution: SolutionState) -> Result<SolutionState, ObjectError> {
    stored_metadata(&mut solution.metadata, "solution")?;
    Ok(solution)
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

    /// The desired components: the solution's, or every target's own.
    pub fn desired(&self) -> Vec<&ComponentSpec> {
        match &self.solution_and_instance {
            Some((solution, _)) => solution
                .spec
                .iter()
                .flat_map(|s| s.components.iter().map(|c| &**c))
                .collect(),
            None => self
                .targets
                .iter()
                .flat_map(|t| {
                    t.spec
                        .iter()
                        .flat_map(|s| s.components.iter().map(|c| &**c))
                })
                .collect(),
        }
    }

    /// The names of [`Objects::desired`], in order.
    pub fn desired_names(&self) -> Vec<String> {
        self.desired().into_iter().map(|c| c.name.clone()).collect()
    }
}

impl crate::errors::Explain for ObjectError {
    fn hint(&self) -> Option<String> {
        ObjectError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn stored_objects_get_the_default_namespace_and_a_first_etag_that_becomes_the_generation() {
        let mut stored = stored_target(target("t", "")).unwrap();
        assert_eq!(stored.metadata.etag, "1");
        stored.spec = Some(crate::model::TargetSpec::default());
        let deployment = Objects {
            targets: vec![stored],
            solution_and_instance: None,
        }
        .deployment()
        .unwrap();
        assert_eq!(deployment.generation, "1", "Symphony sends the stored ETag");
        let mut kept = target("t", "");
        kept.metadata.etag = "7".into();
        assert_eq!(stored_target(kept).unwrap().metadata.etag, "7");
        let instance = InstanceState {
            metadata: ObjectMeta {
                name: "i".into(),
                ..ObjectMeta::default()
            },
            ..InstanceState::default()
        };
        let instance = stored_instance(instance).unwrap();
        assert_eq!(
            (
                instance.metadata.namespace.as_str(),
                instance.metadata.etag.as_str()
            ),
            ("default", "1")
        );
        assert_eq!(
            stored_solution(SolutionState::default()),
            Err(ObjectError::Unnamed { object: "solution" })
        );
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
