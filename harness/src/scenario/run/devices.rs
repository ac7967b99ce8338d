//! The simulated devices a scenario's bindings address, through the device channel: which
//! device a step means (its `on` target, or the only one), and their true state after a step.

use std::collections::{BTreeMap, BTreeSet};

use super::player::Player;
use super::RunError;
use crate::load::DeviceChannel;
use crate::model::{BindingConfig, RUST_PROVIDER};
use crate::scenario::format::Step;
use crate::transcript::DeviceComponent;

impl Player<'_> {
    /// The device channel of the simulated provider (opened when the scenario started).
    pub(super) fn channel(&self, number: usize) -> Result<&DeviceChannel, RunError> {
        self.session.channel.as_ref().ok_or_else(|| RunError::Step {
            step: number,
            line: 0,
            message: format!(
                "`{}` has no device channel: it is not the simulated provider",
                self.session.library.display()
            ),
        })
    }

    /// The Rust bindings of the current objects, by target, in target order.
    pub(super) fn bindings(&self) -> Vec<(String, BindingConfig)> {
        let mut found = Vec::new();
        for target in &self.objects.targets {
            for topology in target.spec.iter().flat_map(|s| &s.topologies) {
                for binding in &topology.bindings {
                    if binding.provider == RUST_PROVIDER {
                        found.push((target.metadata.name.clone(), binding.config.clone()));
                    }
                }
            }
        }
        found
    }

    /// The binding config addressing the device of the step's `on` target (or the only one).
    pub(super) fn device_config(
        &self,
        number: usize,
        step: &Step,
    ) -> Result<BindingConfig, RunError> {
        if !self.session.simulated {
            return Err(self.step_error(
                number,
                step,
                format!(
                    "`{}` needs the simulated provider's device channel, and `{}` has none",
                    step.action.key(),
                    self.session.library.display()
                ),
            ));
        }
        let bindings = self.bindings();
        let chosen: Vec<&(String, BindingConfig)> = match &step.on {
            Some(on) => bindings.iter().filter(|(target, _)| target == on).collect(),
            None => bindings.iter().collect(),
        };
        let devices: BTreeSet<String> = chosen.iter().map(|(_, c)| device_of(c)).collect();
        match (chosen.first(), devices.len()) {
            (Some((_, config)), 1) => Ok(config.clone()),
            (None, _) => Err(self.step_error(
                number,
                step,
                match &step.on {
                    Some(on) => format!("no target `{on}` binds the provider"),
                    None => "no target binds the provider".to_string(),
                },
            )),
            _ => Err(self.step_error(
                number,
                step,
                format!(
                    "several devices ({}): say which target with `\"on\"`",
                    devices.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    /// The device id a step's expectations look at.
    pub(super) fn device_id(&self, step: &Step) -> Result<String, ()> {
        let bindings = self.bindings();
        let chosen: BTreeSet<String> = bindings
            .iter()
            .filter(|(target, _)| step.on.as_ref().is_none_or(|on| on == target))
            .map(|(_, config)| device_of(config))
            .collect();
        match chosen.len() {
            1 => chosen.into_iter().next().ok_or(()),
            _ => Err(()),
        }
    }

    /// The true state of every simulated device the objects bind.
    pub(super) fn devices(
        &mut self,
        number: usize,
    ) -> Result<BTreeMap<String, BTreeMap<String, DeviceComponent>>, RunError> {
        let mut configs: BTreeMap<String, BindingConfig> = BTreeMap::new();
        for (_, config) in self.bindings() {
            configs.entry(device_of(&config)).or_insert(config);
        }
        let mut devices = BTreeMap::new();
        for (id, config) in configs {
            let channel = self.channel(number)?;
            let components = channel
                .components(&config)
                .map_err(|source| RunError::Device {
                    step: number,
                    source: Box::new(source),
                })?
                .into_iter()
                .map(|(name, stored)| {
                    (
                        name,
                        DeviceComponent {
                            component_type: stored.spec.component_type,
                            properties: stored.spec.properties,
                        },
                    )
                })
                .collect();
            devices.insert(id, components);
        }
        Ok(devices)
    }
}

/// The simulated device a binding config addresses.
pub(super) fn device_of(config: &BindingConfig) -> String {
    config.get("sim.device").unwrap_or("default").to_string()
}
