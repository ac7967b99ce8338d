//! Components, steps and per-component results, in Go's JSON shape.
//!
//! Serialising follows Go (`model/component.go`, `model/plan.go`): `omitempty` fields are left
//! out when empty. Deserialising accepts what a Rust provider sends back, where every `None` is
//! `null`: Go decodes `null` into the zero value, and so do these types.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Decodes `null` as the type's zero value, as Go's `encoding/json` does.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A component: the unit Symphony deploys, compares and deletes.
///
/// Components are shared, not copied: a deployment, the states, plans and steps made from it
/// and the round report all hold the same `Arc<ComponentSpec>` (a component is changed by
/// making a new one, or with `Arc::make_mut`). `Eq`, so that two `Arc`s compare by pointer
/// before they compare by value.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct ComponentSpec {
    /// Component name; the key Symphony matches `get` results by.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Component type; it picks the binding role (empty means `instance`).
    #[serde(
        rename = "type",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub component_type: String,
    /// String metadata.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Properties: any JSON values.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, Value>,
    /// String parameters.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub parameters: BTreeMap<String, String>,
    /// Routes, kept as Go sends them (the Rust model disagrees on filter field names).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub routes: Vec<Value>,
    /// Constraint expression for target assignment.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub constraints: String,
    /// Names of components this one depends on.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dependencies: Vec<String>,
    /// Skills.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub skills: Vec<String>,
    /// Sidecars, compared by name when the rule allows sidecars.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sidecars: Vec<SidecarSpec>,
}

/// A sidecar of a component.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct SidecarSpec {
    /// Sidecar name.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Sidecar type.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub sidecar_type: String,
    /// Sidecar properties.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, Value>,
}

/// What a step asks the provider to do with one component.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ComponentAction {
    /// Create or replace the component.
    Update,
    /// Remove the component.
    Delete,
}

impl ComponentAction {
    /// `+` for an update, `-` for a delete: how steps are written in output and tests.
    pub fn sign(self) -> char {
        match self {
            ComponentAction::Update => '+',
            ComponentAction::Delete => '-',
        }
    }
}

/// One component of a step, with its action. `get` receives a list of these as references.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ComponentStep {
    /// Update or delete.
    pub action: ComponentAction,
    /// The component spec sent along (shared with the state it was planned from).
    pub component: Arc<ComponentSpec>,
}

/// A step: the components of one target and role that one `apply` call handles.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStep {
    /// Target name.
    pub target: String,
    /// The components, in planned order.
    pub components: Vec<ComponentStep>,
    /// The binding role that picks the provider.
    pub role: String,
    /// True when no earlier step existed for this target and component type.
    pub is_first: bool,
}

/// The result a provider reports for one component of an `apply`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ComponentResult {
    /// A Symphony state code (`OK` = 200, `Updated` = 8004, `Deleted` = 8005, …).
    pub status: u16,
    /// Free text.
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

impl ComponentResult {
    /// Symphony's `Updated` state code.
    pub const UPDATED: u16 = 8004;
    /// Symphony's `Deleted` state code.
    pub const DELETED: u16 = 8005;

    /// The name the `symphony` crate's `State` gives a status code (`Updated` for 8004), if
    /// it names it.
    pub fn state_name(status: u16) -> Option<&'static str> {
        Some(match status {
            200 => "OK",
            202 => "Accepted",
            400 => "BadRequest",
            404 => "NotFound",
            500 => "InternalError",
            8001 => "UpdateFailed",
            8002 => "DeleteFailed",
            8003 => "ValidateFailed",
            8004 => "Updated",
            8005 => "Deleted",
            9998 => "Untouched",
            9999 => "NotImplemented",
            _ => return None,
        })
    }

    /// True when a status code says the component failed: the `symphony` crate's client and
    /// server errors (400 to 599), config, argument, file and serialization errors (1000 to
    /// 2999, 4000 to 5999), `UpdateFailed`, `DeleteFailed`, `ValidateFailed` (8001 to 8003),
    /// `NotImplemented` (9999) and every provider-specific failure from 10000 on.
    pub fn is_failure(status: u16) -> bool {
        matches!(status, 400..=599 | 1000..=2999 | 4000..=5999 | 8001..=8003) || status >= 9999
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_named_and_failures_told_apart() {
        assert_eq!(ComponentResult::state_name(8004), Some("Updated"));
        assert_eq!(ComponentResult::state_name(7), None);
        for (status, failure) in [(200, false), (8004, false), (8005, false), (8001, true)] {
            assert_eq!(ComponentResult::is_failure(status), failure, "{status}");
        }
        assert!(ComponentResult::is_failure(10_001) && ComponentResult::is_failure(404));
    }

    #[test]
    fn empty_fields_are_omitted_like_go_omitempty() {
        let spec = ComponentSpec {
            name: "a".into(),
            ..ComponentSpec::default()
        };
        assert_eq!(serde_json::to_string(&spec).unwrap(), r#"{"name":"a"}"#);
    }

    #[test]
    fn rust_nulls_decode_as_go_zero_values() {
        let text =
            r#"{"name":"a","type":null,"metadata":null,"properties":{"x":1},"sidecars":null}"#;
        let spec: ComponentSpec = serde_json::from_str(text).unwrap();
        assert_eq!(spec.component_type, "");
        assert!(spec.metadata.is_empty());
        assert_eq!(spec.properties["x"], 1);
    }

    #[test]
    fn wire_sample_step_parses_and_reserialises_identically() {
        let text = r#"{"target":"t","components":[{"action":"update","component":{"name":"comp-b","type":"w","properties":{"image":"b:1"},"dependencies":["comp-a"]}}],"role":"w","isFirst":true}"#;
        let step: DeploymentStep = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&step).unwrap(), text);
    }
}
