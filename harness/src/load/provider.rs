//! A provider running in this process, called the way Symphony's Rust host calls it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use symphony::models as host;
use symphony::ITargetProvider;

use super::LoadedLibrary;
use crate::engine::{CallError, Provider};
use crate::model::{ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, ValidationRule};

/// A provider instance in this process: fast, but a panic in it ends the process.
///
/// Inputs are converted to the `symphony` 0.1.5 models through JSON, as the host shim does with
/// Go's JSON; an input the shim would abort on is reported as [`CallError::HostWouldAbort`].
pub struct InProcessProvider {
    // Field order matters: the provider is dropped before the library reference.
    inner: Box<dyn ITargetProvider>,
    library: Arc<LoadedLibrary>,
}

impl std::fmt::Debug for InProcessProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessProvider")
            .field("library", &self.library.path())
            .finish_non_exhaustive()
    }
}

impl InProcessProvider {
    pub(super) fn new(library: Arc<LoadedLibrary>, inner: Box<dyn ITargetProvider>) -> Self {
        InProcessProvider { inner, library }
    }

    /// The library this provider came from.
    pub fn library(&self) -> &Arc<LoadedLibrary> {
        &self.library
    }
}

/// Parses a value into a host model type, as the shim's `serde_json::from_str(..).unwrap()`.
/// Reads the value in place, without copying it first.
fn host_parse<T: DeserializeOwned>(what: &str, value: &Value) -> Result<T, CallError> {
    T::deserialize(value).map_err(|err| CallError::HostWouldAbort {
        reason: format!("the {what} does not parse with the symphony 0.1.5 models: {err}"),
    })
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, CallError> {
    serde_json::to_value(value).map_err(|err| CallError::HostWouldAbort {
        reason: err.to_string(),
    })
}

/// Reads a provider's result back the way Go decodes the host's JSON.
fn decode_result<T: Serialize, U: DeserializeOwned>(result: &T) -> Result<U, CallError> {
    serde_json::to_value(result)
        .and_then(serde_json::from_value)
        .map_err(|err| CallError::InvalidResult {
            reason: err.to_string(),
        })
}

impl Provider for InProcessProvider {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        let rule = self
            .inner
            .get_validation_rule()
            .map_err(CallError::from_provider_message)?;
        decode_result(&rule)
    }

    fn get(
        &mut self,
        deployment: &Value,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        let deployment: host::DeploymentSpec = host_parse("deployment", deployment)?;
        let references: Vec<host::ComponentStep> =
            host_parse("references", &to_value(&references)?)?;
        let components = self
            .inner
            .get(deployment, references)
            .map_err(CallError::from_provider_message)?;
        decode_result(&components)
    }

    fn apply(
        &mut self,
        deployment: &Value,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        let deployment: host::DeploymentSpec = host_parse("deployment", deployment)?;
        let step: host::DeploymentStep = host_parse("step", &to_value(step)?)?;
        let results = self
            .inner
            .apply(deployment, step, dry_run)
            .map_err(CallError::from_provider_message)?;
        decode_result(&results)
    }
}
