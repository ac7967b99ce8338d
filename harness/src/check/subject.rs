//! What the suite checks: a provider library with the binding config it gets, the component
//! type and properties to deploy, the Symphony release; and the Targets and scenarios
//! synthesized for it, as the tutorial's `target.json` binds a library.
//!
//! Each check gets its own component names (`<check-id>-<n>`, with `.` as `-`) and, for the
//! simulated provider, its own device, so checks do not see each other's components.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::engine::objects::{stored_target, Objects};
use crate::inspect::Fingerprint;
use crate::model::{
    BindingConfig, BindingSpec, ComponentSpec, TargetSpec, TargetState, TopologySpec,
};
use crate::scenario::format::{Expect, ProviderSpec, SymphonyRelease};
use crate::scenario::{Action, Scenario, Step};

/// The component type used when neither `--component-type` nor the rule's `requiredType`
/// names one: the tutorial's.
pub const DEFAULT_COMPONENT_TYPE: &str = "example_type";

/// The provider library under check and how its bindings look.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The library.
    pub library: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// What its bytes say (`None`: not an ELF shared object).
    pub fingerprint: Option<Fingerprint>,
    /// The `libHash` its bindings give: a SHA-256, or `any`.
    pub hash: String,
    /// The provider's own binding config keys.
    pub config: BTreeMap<String, String>,
    /// The component type (the binding's role).
    pub component_type: String,
    /// The properties of synthesized components.
    pub properties: BTreeMap<String, Value>,
    /// The Symphony release.
    pub symphony: SymphonyRelease,
    /// Whether the library has the simulated provider's device channel.
    pub simulated: bool,
    /// A provider type compiled into the harness's process, not a library: `library` only
    /// names it, and it has no SHA-256 or fingerprint.
    pub in_process: bool,
}

/// The generated property set: a string, a number, a bool and a nested value.
pub fn generated_properties() -> BTreeMap<String, Value> {
    [
        ("image", json!("registry.example/app:1.0")),
        ("replicas", json!(2)),
        ("enabled", json!(true)),
        ("env", json!({"MODE": "test"})),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl Subject {
    /// The name of component `n` of check `id`.
    pub fn component_name(id: &str, n: usize) -> String {
        format!("{}-{n}", id.replace('.', "-"))
    }

    /// Component `n` of check `id`: the subject's type and properties.
    pub fn component(&self, id: &str, n: usize) -> ComponentSpec {
        ComponentSpec {
            name: Subject::component_name(id, n),
            component_type: self.component_type.clone(),
            properties: self.properties.clone(),
            ..ComponentSpec::default()
        }
    }

    /// A Target named after check `id` holding `components`, with one binding of the
    /// subject's component type to the library (its `libFile` and `libHash` are set by the
    /// scenario runner from the scenario's provider). For the simulated provider the binding
    /// names a device of the check's own.
    pub fn target(&self, id: &str, components: Vec<ComponentSpec>) -> TargetState {
        let id = id.replace('.', "-");
        self.target_named(&format!("check-{id}"), &id, components)
    }

    /// A Target `name` holding `components`, bound as [`Subject::target`] says; for the
    /// simulated provider its binding names the device `device`.
    pub fn target_named(
        &self,
        name: &str,
        device: &str,
        components: Vec<ComponentSpec>,
    ) -> TargetState {
        let mut config = BindingConfig::new("/extensions/provider.so", "any", "check");
        if self.simulated && !self.config.contains_key("sim.device") {
            config.insert("sim.device", device);
        }
        let target = TargetState {
            metadata: crate::model::ObjectMeta {
                name: name.to_string(),
                ..Default::default()
            },
            // What Symphony's API stores for a new target (a JSON `null` would not parse).
            status: crate::model::zero_status(),
            spec: Some(TargetSpec {
                components: components.into_iter().map(Arc::new).collect(),
                topologies: vec![TopologySpec {
                    bindings: vec![BindingSpec {
                        role: self.component_type.clone(),
                        provider: crate::model::RUST_PROVIDER.to_string(),
                        config,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }),
        };
        // A named target always stores.
        stored_target(target.clone()).unwrap_or(target)
    }

    /// The objects of a lone target for check `id`.
    pub fn objects(&self, id: &str, components: Vec<ComponentSpec>) -> Objects {
        Objects {
            targets: vec![self.target(id, components)],
            solution_and_instance: None,
        }
    }

    /// The scenario provider section: this library, its hash and config, the release.
    pub fn provider(&self) -> ProviderSpec {
        ProviderSpec {
            library: Some(self.library.clone()),
            hash: Some(self.hash.clone()),
            config: self.config.clone(),
            symphony: self.symphony,
            ..ProviderSpec::default()
        }
    }

    /// A scenario of check `id` on `objects` with `steps`.
    pub fn scenario(
        &self,
        id: &str,
        description: &str,
        objects: Objects,
        steps: Vec<Step>,
    ) -> Scenario {
        Scenario {
            name: id.to_string(),
            path: PathBuf::from(format!("{id}.json")),
            description: description.to_string(),
            seed: 0,
            provider: self.provider(),
            objects,
            stored: None,
            steps,
        }
    }
}

/// A step doing `action`, expecting `expect`.
pub fn step(action: Action, expect: Expect) -> Step {
    Step {
        line: 0,
        note: None,
        action,
        on: None,
        expect,
    }
}
