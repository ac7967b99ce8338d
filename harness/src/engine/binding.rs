//! Which binding of a Target provides a step's role (`CreateProviderForTargetRole`,
//! `providers/providerfactory.go`): the first binding in `spec.topologies[].bindings[]` whose
//! `role` is the step's role, where a step role of `""` or `container` means `instance`.

use crate::model::{BindingConfig, TargetSpec, RUST_PROVIDER};

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
