//! Which binding of a Target provides a step's role (`CreateProviderForTargetRole`,
//! `providers/providerfactory.go`): the first binding in `spec.topologies[].bindings[]` whose
//! `role` is the step's role, where a step role of `""` or `container` means `instance`. And
//! which deployments hold a binding the harness cannot drive ([`undriven`]).

use crate::model::{BindingConfig, DeploymentSpec, TargetSpec, RUST_PROVIDER};

/// The binding role Symphony looks up for a step's role: `""` and `container` mean
/// `instance`.
pub fn binding_role(step_role: &str) -> &str {
    if step_role.is_empty() || step_role == "container" {
        "instance"
    } else {
        step_role
    }
}

/// Why a step's role has no usable binding on its target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    /// No binding has the role (Symphony's own message, then what to change).
    #[error(
        "target doesn't have a '{wanted}' role defined{}",
        explain_missing(wanted, available)
    )]
    NoRole {
        /// The binding role looked up.
        wanted: String,
        /// The roles the target's bindings do have.
        available: Vec<String>,
    },
    /// The binding is for another kind of provider, which the harness does not drive.
    #[error("the binding for role `{wanted}` uses provider `{provider}`; the harness drives only `{RUST_PROVIDER}`")]
    NotRust {
        /// The binding role.
        wanted: String,
        /// The binding's provider.
        provider: String,
    },
}

fn explain_missing(wanted: &str, available: &[String]) -> String {
    let have = if available.is_empty() {
        "the target has no bindings".to_string()
    } else {
        format!(
            "its bindings have role(s) {}",
            available
                .iter()
                .map(|role| format!("`{role}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let needs = if wanted == "instance" {
        "components without a `type`, or of type `container`, need a binding with role \
         `instance`"
            .to_string()
    } else {
        format!(
            "components of type `{wanted}` need a binding with role `{wanted}` (components \
             without a `type`, or of type `container`, use the `instance` binding)"
        )
    };
    format!(" (Symphony's error: {have}; {needs})")
}

/// The config of the binding that provides `step_role` on a target with `spec`.
pub fn find_binding<'t>(
    spec: &'t TargetSpec,
    step_role: &str,
) -> Result<&'t BindingConfig, BindingError> {
    let wanted = binding_role(step_role);
    let mut bindings = spec.topologies.iter().flat_map(|t| t.bindings.iter());
    match bindings.clone().find(|b| b.role == wanted) {
        None => Err(BindingError::NoRole {
            wanted: wanted.to_string(),
            available: bindings.by_ref().map(|b| b.role.clone()).collect(),
        }),
        Some(b) if b.provider != RUST_PROVIDER => Err(BindingError::NotRust {
            wanted: wanted.to_string(),
            provider: b.provider.clone(),
        }),
        Some(b) => Ok(&b.config),
    }
}

/// A binding Symphony would drive and the harness cannot: a step's role is bound to another
/// kind of provider than a Rust library. The deployment is fine for Symphony; the harness
/// cannot reconcile it as Symphony would, so this is a problem of the input, not a failed call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "target `{target}` binds role `{role}` to provider `{provider}`, which the harness cannot \
     drive (it drives only `{RUST_PROVIDER}`), so it cannot reconcile this deployment as \
     Symphony would"
)]
pub struct UndrivenBinding {
    /// The target.
    pub target: String,
    /// The binding role a step needs.
    pub role: String,
    /// The binding's provider.
    pub provider: String,
}

impl crate::errors::Explain for UndrivenBinding {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "bind role `{}` to `{RUST_PROVIDER}` with your provider library (`symphony-harness \
             binding LIB --role {}` prints one), or leave out the components of that role",
            self.role, self.role
        ))
    }
}

/// The first binding a step of `deployment`'s `get` plan needs that the harness cannot drive
/// (targets in name order). Bindings no component needs, and deployments Symphony cannot plan
/// (the rounds report those), pass.
pub fn undriven(deployment: &DeploymentSpec) -> Result<(), UndrivenBinding> {
    let Ok(desired) = super::planning::desired(deployment) else {
        return Ok(());
    };
    for step in &desired.get_plan {
        let Some(spec) = deployment
            .targets
            .get(&step.target)
            .and_then(|target| target.spec.as_ref())
        else {
            continue;
        };
        if let Err(BindingError::NotRust { wanted, provider }) = find_binding(spec, &step.role) {
            return Err(UndrivenBinding {
                target: step.target.clone(),
                role: wanted,
                provider,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BindingSpec, TopologySpec};

    fn spec(roles: &[&str]) -> TargetSpec {
        TargetSpec {
            topologies: vec![TopologySpec {
                bindings: roles
                    .iter()
                    .map(|role| BindingSpec {
                        role: role.to_string(),
                        provider: RUST_PROVIDER.into(),
                        config: BindingConfig::new("/x.so", "any", role),
                    })
                    .collect(),
                ..TopologySpec::default()
            }],
            ..TargetSpec::default()
        }
    }

    fn deployment(bindings: serde_json::Value) -> DeploymentSpec {
        let target: crate::model::TargetState = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "t"},
            "spec": {
                "components": [{"name": "a", "type": "w"}],
                "topologies": [{"bindings": bindings}]
            }
        }))
        .unwrap();
        crate::engine::deployment::from_target(&target, "default").unwrap()
    }

    #[test]
    fn only_a_needed_binding_to_another_provider_is_undriven() {
        let k8s =
            serde_json::json!({"role": "w", "provider": "providers.target.k8s", "config": {}});
        let rust = serde_json::json!({"role": "w", "provider": RUST_PROVIDER, "config": {}});
        let unused =
            serde_json::json!({"role": "x", "provider": "providers.target.k8s", "config": {}});
        let err = undriven(&deployment(serde_json::json!([k8s]))).unwrap_err();
        assert_eq!(
            (
                err.target.as_str(),
                err.role.as_str(),
                err.provider.as_str()
            ),
            ("t", "w", "providers.target.k8s")
        );
        assert!(
            crate::errors::Explain::hint(&err).is_some_and(|h| h.contains("--role w")),
            "{err}"
        );
        // A k8s binding no component needs is Symphony's business only.
        assert_eq!(
            undriven(&deployment(serde_json::json!([rust, unused]))),
            Ok(())
        );
        // No binding for the role at all is Symphony's own failure, reported by the rounds.
        assert_eq!(undriven(&deployment(serde_json::json!([]))), Ok(()));
    }

    #[test]
    fn typeless_and_container_steps_use_the_instance_binding() {
        let spec = spec(&["instance", "w"]);
        for role in ["", "container", "instance"] {
            assert_eq!(
                find_binding(&spec, role).unwrap().get("name"),
                Some("instance")
            );
        }
        assert_eq!(find_binding(&spec, "w").unwrap().get("name"), Some("w"));
    }

    #[test]
    fn a_missing_role_keeps_symphonys_text_and_says_what_to_change() {
        let err = find_binding(&spec(&["instance"]), "w").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("target doesn't have a 'w' role defined (Symphony's error: its bindings have role(s) `instance`;"),
            "{text}"
        );
        assert!(text.contains("need a binding with role `w`"), "{text}");
        let err = find_binding(&spec(&["w"]), "container").unwrap_err();
        assert!(
            err.to_string()
                .contains("need a binding with role `instance`"),
            "{err}"
        );
    }
}
