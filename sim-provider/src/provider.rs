//! The simulated provider's `ITargetProvider` implementation.

use std::collections::HashMap;

use symphony::models::{
    ComponentAction, ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec,
    DeploymentStep, State, ValidationRule,
};
use symphony::ITargetProvider;

use crate::bugs::Bug;
use crate::device::with_device;
use crate::SimConfig;

/// One provider instance; all state is on the device it names.
#[derive(Debug, Clone)]
pub struct SimProvider {
    config: SimConfig,
}

impl SimProvider {
    /// A provider for the device named in `config`.
    pub fn new(config: SimConfig) -> SimProvider {
        SimProvider { config }
    }

    fn has(&self, bug: Bug) -> bool {
        self.config.bugs.contains(&bug)
    }
}

impl ITargetProvider for SimProvider {
    fn get_validation_rule(&self) -> Result<ValidationRule, String> {
        Ok(ValidationRule::default())
    }

    fn get(
        &self,
        _deployment: DeploymentSpec,
        references: Vec<ComponentStep>,
    ) -> Result<Vec<ComponentSpec>, String> {
        if self.has(Bug::PanicOnGet) {
            panic!("sim bug panic-on-get: device `{}`", self.config.device);
        }
        Ok(with_device(&self.config.device, |components| {
            references
                .iter()
                .filter_map(|reference| components.get(&reference.component.name).cloned())
                .collect()
        }))
    }

    fn apply(
        &self,
        _deployment: DeploymentSpec,
        step: DeploymentStep,
        is_dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        if self.has(Bug::PanicOnApply) {
            panic!("sim bug panic-on-apply: device `{}`", self.config.device);
        }
        if self.has(Bug::HangOnApply) {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        if self.has(Bug::EmptyError) {
            return Err(String::new());
        }
        let mut results = HashMap::new();
        with_device(&self.config.device, |components| {
            for component_step in step.components {
                let name = component_step.component.name.clone();
                let (status, message) = match (component_step.action, is_dry_run) {
                    (_, true) => (State::OK, "dry run: nothing changed".to_string()),
                    (ComponentAction::Update, false) => {
                        components.insert(name.clone(), component_step.component);
                        (State::Updated, String::new())
                    }
                    (ComponentAction::Delete, false) => {
                        components.remove(&name);
                        (State::Deleted, String::new())
                    }
                };
                results.insert(name, ComponentResultSpec { status, message });
            }
        });
        Ok(results)
    }
}
