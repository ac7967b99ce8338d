//! The provider interface the engine calls, in Symphony's terms.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::BindingConfig;
use crate::model::{ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, ValidationRule};

/// How a provider call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The provider returned `Err(message)`. Symphony only `debug!`-logs the message.
    #[error("the provider returned an error: {message}")]
    Error {
        /// The provider's message.
        message: String,
    },
    /// The provider returned `Err("")`: nobody will ever know why.
    #[error("the provider returned an error with an empty message")]
    ErrorWithoutMessage,
    /// Symphony's Rust host shim would abort the whole process on this input (it `unwrap`s
    /// the parse of Go's JSON into the `symphony` models).
    #[error("symphony's host would abort: {reason}")]
    HostWouldAbort {
        /// What the host's parse would have panicked on.
        reason: String,
    },
    /// What the provider returned cannot be read the way Go reads it.
    #[error("the provider's result cannot be decoded: {reason}")]
    InvalidResult {
        /// The decoding error.
        reason: String,
    },
}

impl CallError {
    /// Builds the error for a provider's `Err(message)`.
    pub fn from_provider_message(message: String) -> CallError {
        if message.trim().is_empty() {
            CallError::ErrorWithoutMessage
        } else {
            CallError::Error { message }
        }
    }
}

/// One provider instance: what `create_provider` returned.
pub trait Provider {
    /// `get_validation_rule`.
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError>;

    /// `get`: the components of `references` that exist on the device. `deployment` is the
    /// deployment JSON exactly as Go sends it.
    fn get(
        &mut self,
        deployment: &Value,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError>;

    /// `apply`: carry out one step; one result per component, keyed by component name.
    fn apply(
        &mut self,
        deployment: &Value,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError>;
}

/// Creates provider instances from a binding config, as `create_provider_instance` does.
pub trait ProviderFactory {
    /// The error creating an instance can give.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Creates one instance. Symphony does this for every `get` and every `apply` step.
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, Self::Error>;
}
