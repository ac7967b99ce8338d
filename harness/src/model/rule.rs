//! The validation rule a provider returns from `get_validation_rule`.
//!
//! Field names are those of the Go model (`model/validationrule.go`) and of the `symphony`
//! crate, which agree. [`ValidationRule::default`] is the crate's `ValidationRule::default()`;
//! [`ValidationRule::zero`] is what Go silently uses when the call fails.

use serde::{Deserialize, Serialize};

/// How Symphony compares one property (or every property matching a wildcard name).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDesc {
    /// Property key, or a pattern in which `*` matches any text.
    pub name: String,
    /// Lowercase both rendered values before comparing.
    #[serde(default)]
    pub ignore_case: bool,
    /// A key present on one side only is not a change.
    #[serde(default)]
    pub skip_if_missing: bool,
    /// Equal when one rendered value is a prefix of the other.
    #[serde(default)]
    pub prefix_match: bool,
    /// Compare the component names instead of a property.
    #[serde(default)]
    pub is_component_name: bool,
}

/// The per-component part of a rule.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComponentValidationRule {
    /// Informational: not read by Symphony's core.
    #[serde(default)]
    pub required_type: String,
    /// Entries that decide whether properties changed.
    #[serde(default)]
    pub change_detection: Vec<PropertyDesc>,
    /// Entries that decide whether metadata changed.
    #[serde(default)]
    pub change_detection_metadata: Vec<PropertyDesc>,
    /// Not enforced by Symphony for Rust providers (only Go providers call `Validate`).
    #[serde(default)]
    pub required_properties: Vec<String>,
    /// Informational.
    #[serde(default)]
    pub optional_properties: Vec<String>,
    /// Not enforced by Symphony for Rust providers.
    #[serde(default)]
    pub required_metadata: Vec<String>,
    /// Informational.
    #[serde(default)]
    pub optional_metadata: Vec<String>,
}

/// A provider's validation rule, as returned by `get_validation_rule`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRule {
    /// Informational for Rust providers.
    #[serde(default)]
    pub required_type: String,
    /// Change detection for components.
    #[serde(default)]
    pub component_validation_rule: ComponentValidationRule,
    /// Change detection for sidecars (only `changeDetection` is used).
    #[serde(default)]
    pub sidecar_validation_rule: ComponentValidationRule,
    /// When true, sidecars are compared by name.
    #[serde(default)]
    pub allow_sidecar: bool,
    /// Informational (Go field `ScopeIsolation`).
    #[serde(default)]
    pub support_scopes: bool,
    /// Informational.
    #[serde(default)]
    pub instance_isolation: bool,
}

impl Default for ValidationRule {
    /// The `symphony` crate's `ValidationRule::default()` (0.1.4 and later): every property
    /// compared case-insensitively, keys missing on either side ignored, sidecars allowed.
    fn default() -> Self {
        ValidationRule {
            required_type: String::new(),
            component_validation_rule: ComponentValidationRule {
                change_detection: vec![PropertyDesc {
                    name: "*".to_string(),
                    ignore_case: true,
                    skip_if_missing: true,
                    prefix_match: false,
                    is_component_name: false,
                }],
                ..ComponentValidationRule::default()
            },
            sidecar_validation_rule: ComponentValidationRule::default(),
            allow_sidecar: true,
            support_scopes: true,
            instance_isolation: true,
        }
    }
}

impl ValidationRule {
    /// Go's zero value: what Symphony uses, without a word, when `get_validation_rule` fails.
    /// No change detection at all and no sidecars.
    pub fn zero() -> Self {
        ValidationRule {
            required_type: String::new(),
            component_validation_rule: ComponentValidationRule::default(),
            sidecar_validation_rule: ComponentValidationRule::default(),
            allow_sidecar: false,
            support_scopes: false,
            instance_isolation: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_serialises_like_the_symphony_crate() {
        let ours = serde_json::to_value(ValidationRule::default()).unwrap();
        let theirs = serde_json::to_value(symphony::models::ValidationRule::default()).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn zero_rule_has_no_change_detection_and_no_sidecars() {
        let zero = ValidationRule::zero();
        assert!(zero.component_validation_rule.change_detection.is_empty());
        assert!(!zero.allow_sidecar);
    }
}
