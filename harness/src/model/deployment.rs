//! Targets, solutions (versions), instances and the deployment Go builds from them, in Go's
//! JSON shape (`model/target.go`, `instance.go`, `solutionversion.go`, `deployment.go`).
//!
//! Field names are those of Symphony 0.49 (`solutionversion*`); reading also accepts the 0.48
//! names (`solution*`) as aliases. [`super::wire`] writes either generation. Fields Go marks
//! `omitempty` are left out when empty; fields it always sends are always written.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{BindingConfig, ComponentSpec};

/// Decodes `null` as the type's zero value, as Go's `encoding/json` does.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// The annotation key holding an object's GUID.
pub const GUID_KEY: &str = "Guid";

/// An object's metadata (`model/objectmeta.go`; every field `omitempty`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct ObjectMeta {
    /// Namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Version tag (the instance's becomes the deployment's `generation`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub etag: String,
    /// Labels.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// Annotations (the `Guid` lives here).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// The `Guid` annotation, or `""`.
    pub fn guid(&self) -> &str {
        self.annotations.get(GUID_KEY).map_or("", String::as_str)
    }

    /// Sets the `Guid` annotation (creating the annotations, as Go's `SetGuid` does).
    pub fn set_guid(&mut self, guid: &str) {
        self.annotations
            .insert(GUID_KEY.to_string(), guid.to_string());
    }
}

/// The status Go always sends for a target or an instance it has not deployed yet (a struct
/// field without `omitempty` effect). The Rust models accept and drop any object here.
pub fn zero_status() -> Value {
    serde_json::json!({
        "provisioningStatus": {"operationId": "", "status": "", "error": {}},
        "lastModified": "0001-01-01T00:00:00Z",
        "deployed": 0,
        "targets": 0
    })
}

/// A binding of a target: which provider serves which role.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct BindingSpec {
    /// The role (a component type; `instance` for typeless components).
    #[serde(default)]
    pub role: String,
    /// The provider kind, e.g. `providers.target.rust`.
    #[serde(default)]
    pub provider: String,
    /// The binding config passed to the provider.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BindingConfig::is_empty"
    )]
    pub config: BindingConfig,
}

/// One topology of a target.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct TopologySpec {
    /// Device name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub device: String,
    /// Selector.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub selector: BTreeMap<String, String>,
    /// The bindings.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bindings: Vec<BindingSpec>,
}

/// A target's spec.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct TargetSpec {
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Scope of the target's own components (`target-runtime` deployment).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// Application scope for instances on this target (0.48: `solutionScope`).
    #[serde(
        default,
        rename = "solutionversionScope",
        alias = "solutionScope",
        skip_serializing_if = "String::is_empty"
    )]
    pub solution_scope: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Properties, matched by instance selectors and component constraints.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// The target's own components (deployed by the synthetic `target-runtime-<name>`
    /// deployment), shared with the deployments made from it.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub components: Vec<Arc<ComponentSpec>>,
    /// Constraints.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub constraints: String,
    /// Topologies, with the bindings.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub topologies: Vec<TopologySpec>,
    /// Not read by Symphony's reconcile.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_redeploy: bool,
    /// Dry-run for the target's own components.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_dry_run: bool,
}

/// A Target object.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct TargetState {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Status: kept as given, Go's zero status when absent.
    #[serde(default = "zero_status")]
    pub status: Value,
    /// The spec; a target without one crashes Go when a component is assigned to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<TargetSpec>,
}

/// A solution (version)'s spec.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SolutionSpec {
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Metadata, merged under the instance's metadata for `apply`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// The components, shared with the states and plans made from them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub components: Vec<Arc<ComponentSpec>>,
    /// Version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Root resource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub root_resource: String,
}

/// A Solution (0.48) or SolutionVersion (0.49) object.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct SolutionState {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<SolutionSpec>,
}

/// How an instance selects its targets.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct TargetSelector {
    /// A target name; `*` and `%` are wildcards.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Target properties that must all match.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub selector: BTreeMap<String, String>,
}

/// An instance's spec.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSpec {
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Application scope.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// Parameters.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub parameters: BTreeMap<String, String>,
    /// Metadata; for `apply`, merged over the solution's metadata.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// The solution reference, `name:version` (0.48: `solution`). Always sent.
    #[serde(default, rename = "solutionversion", alias = "solution")]
    pub solution: String,
    /// Target selection. Always sent (`{}` when empty).
    #[serde(default)]
    pub target: TargetSelector,
    /// Topologies, kept as given.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub topologies: Vec<Value>,
    /// Pipelines, kept as given.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pipelines: Vec<Value>,
    /// Dry-run.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_dry_run: bool,
    /// `inactive` forces a removal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active_state: String,
}

/// An Instance object.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct InstanceState {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<InstanceSpec>,
    /// Status: kept as given, Go's zero status when absent.
    #[serde(default = "zero_status")]
    pub status: Value,
}

/// The deployment Symphony reconciles and passes to `get` and `apply`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    /// The solution (version) object name (0.48: `solutionName`). Always sent.
    #[serde(default, rename = "solutionversionName", alias = "solutionName")]
    pub solution_name: String,
    /// The solution (version) (0.48: `solution`). Always sent.
    #[serde(default, rename = "solutionversion", alias = "solution")]
    pub solution: SolutionState,
    /// The instance. Always sent.
    #[serde(default)]
    pub instance: InstanceState,
    /// The targets, by name. Always sent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub targets: BTreeMap<String, TargetState>,
    /// Devices, kept as given.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub devices: Vec<Value>,
    /// Target name to the concatenated `{component}` names assigned to it.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub assignments: BTreeMap<String, String>,
    /// Start index (unused by reconcile).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub component_start_index: i64,
    /// End index (unused by reconcile).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub component_end_index: i64,
    /// The target of the current call.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active_target: String,
    /// The instance's (or target's) etag.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generation: String,
    /// Job id (k8s only).
    #[serde(default, rename = "jobID", skip_serializing_if = "String::is_empty")]
    pub job_id: String,
    /// Namespace of the objects.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object_namespace: String,
    /// Hash (k8s only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
    /// Apply with `is_dry_run` and never save state.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_dry_run: bool,
    /// Forces a removal.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_in_active: bool,
}

impl DeploymentSpec {
    /// The solution's components (none when it has no spec).
    pub fn components(&self) -> &[Arc<ComponentSpec>] {
        self.solution
            .spec
            .as_ref()
            .map_or(&[][..], |spec| spec.components.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_sample_deployment_round_trips_exactly() {
        let text = include_str!("../../tests/data/wire-0.49/deployment.json");
        let original: Value = serde_json::from_str(text).unwrap();
        let parsed: DeploymentSpec = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), original);
    }

    #[test]
    fn solution_048_names_are_read_as_aliases() {
        let parsed: DeploymentSpec = serde_json::from_str(
            r#"{"solutionName":"s","solution":{"metadata":{"name":"s"}},"instance":{"metadata":{},"spec":{"solution":"s:v1"}},"targets":null}"#,
        )
        .unwrap();
        assert_eq!(parsed.solution_name, "s");
        assert_eq!(parsed.solution.metadata.name, "s");
        assert_eq!(parsed.instance.spec.unwrap().solution, "s:v1");
        assert!(parsed.targets.is_empty());
    }

    #[test]
    fn set_guid_creates_annotations_even_for_an_empty_guid() {
        let mut meta = ObjectMeta::default();
        meta.set_guid("");
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"annotations":{"Guid":""}}"#
        );
    }
}
