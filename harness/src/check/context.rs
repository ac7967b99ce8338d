//! [`Context`]: what a check function gets: the settled subject, its probe, the check's id,
//! and ways to play scenarios and make direct calls in the check's own folder.

use std::path::{Path, PathBuf};

use super::direct::Direct;
use crate::errors::error_chain;
use crate::model::{BindingConfig, ComponentSpec};
use crate::scenario::{Scenario, ScenarioRun};
use crate::subject::{Probe, Subject};

/// What a check function gets.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// What is checked.
    pub subject: &'a Subject,
    /// The check's id (`apply.converges`): its components and device are named after it.
    pub id: &'static str,
    /// A folder of this run; the check keeps its devices in a folder of its own below it.
    pub scratch: &'a Path,
}

impl Context<'_> {
    /// The probe: loaded, created, `get_validation_rule` called.
    pub fn probe(&self) -> &Probe {
        &self.subject.probe
    }

    /// Plays `scenario` in this check's own folder, on its own providers.
    pub fn play(&self, scenario: &Scenario) -> Result<ScenarioRun, String> {
        let mut session = self.subject.session().map_err(|err| error_chain(&err))?;
        session
            .play(scenario, &self.folder())
            .map_err(|err| error_chain(&err))
    }

    /// The binding config the probe created the provider with.
    pub fn binding_config(&self) -> BindingConfig {
        self.subject.binding_config("check")
    }

    /// A session of direct calls on this check's target holding `components`.
    pub fn direct(&self, components: Vec<ComponentSpec>) -> Result<Direct, String> {
        Direct::open(
            self.subject,
            self.id,
            components,
            &self.folder().join("direct"),
        )
    }

    /// This check's own folder (created on demand by what uses it).
    pub fn folder(&self) -> PathBuf {
        self.scratch.join(self.id)
    }
}
