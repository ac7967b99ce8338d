//! What is made for a subject to play: each check's or history's component names, Targets
//! bound to the subject's library as the tutorial's `target.json` binds one, and scenarios.
//!
//! Each check gets its own component names (`<check-id>-<n>`, with `.` as `-`) and, for the
//! simulated provider, its own device, so checks do not see each other's components.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::settled::Subject;
use crate::engine::objects::{stored_target, Objects};
use crate::model::{
    BindingConfig, BindingSpec, ComponentSpec, TargetSpec, TargetState, TopologySpec,
};
use crate::scenario::format::{Expect, ProviderSpec};
use crate::scenario::{Action, Scenario, Step};

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

    /// Points each of the subject's config temp dirs in `scenario`'s provider config at a
    /// fresh empty folder below `scratch/<scenario name>` (removed with the scenario's
    /// devices).
    pub fn fresh_dirs(&self, scenario: &mut Scenario, scratch: &Path) {
        for key in &self.config_temp_dirs {
            let dir = scratch.join(&scenario.name).join(format!("config-{key}"));
            // A folder that cannot be made shows as the provider's own error on its first call.
            let _ = std::fs::create_dir_all(&dir);
            scenario
                .provider
                .config
                .insert(key.clone(), dir.to_string_lossy().into_owned());
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
