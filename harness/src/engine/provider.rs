//! The provider interface the engine calls, in Symphony's terms, and how a call can end.

use std::collections::BTreeMap;

use super::outcome::Outcome;
use crate::model::{BindingConfig, CallDeployment};
use crate::model::{ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, ValidationRule};
use serde::{Deserialize, Serialize};

/// How a provider call (or the creation of a provider) failed.
///
/// The variants are the outcome classes every verdict names; [`CallError::outcome`] gives
/// their [`Outcome`], whose stable short names appear verbatim in transcripts, JSON and JUnit
/// (and are this enum's serde tags).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
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
    /// `create_provider` returned NULL (Symphony: InitFailed), or the library failed to load.
    #[error("no provider: {reason}")]
    NullProvider {
        /// Why: NULL from `create_provider`, or the load error.
        reason: String,
    },
    /// The provider panicked; in Symphony this aborts the whole process. (With
    /// `--host symphony`, the panic may be the host shim's own: the text says so.)
    #[error("{} panicked: {message}", if in_host_shim(message) { "Symphony's Rust host shim (not the provider)" } else { "the provider" })]
    Panic {
        /// The panic message, from the provider's stderr.
        message: String,
    },
    /// The process aborted (SIGABRT) without a panic message.
    #[error("the provider aborted the process{}", detail_suffix(detail))]
    Abort {
        /// Whatever stderr said last.
        detail: String,
    },
    /// The process died of SIGSEGV (or SIGBUS): an ABI mismatch or memory corruption.
    #[error("the provider crashed with a segmentation fault")]
    Segfault,
    /// The process was killed by another signal.
    #[error("the provider's process was killed by signal {signal}")]
    Signal {
        /// The signal number.
        signal: i32,
    },
    /// The call did not finish within its deadline and was killed.
    #[error("the call did not finish within {after_ms} ms")]
    Timeout {
        /// The deadline, in milliseconds.
        after_ms: u64,
    },
    /// The worker broke the harness protocol (e.g. exited without answering).
    #[error("worker protocol error: {detail}")]
    Protocol {
        /// What went wrong.
        detail: String,
    },
    /// Symphony's Rust host shim would abort the whole process on this input (it `unwrap`s
    /// the parse of Go's JSON into the `symphony` models).
    #[error("symphony's host would abort: {reason}")]
    #[serde(rename = "host-abort")]
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
    /// The harness failed on its own side (it could not start its worker process, or get
    /// its pipes): the provider never ran, so nothing is known about it, and an `apply` it
    /// fails is not indeterminate.
    #[error("the harness failed: {detail}")]
    Harness {
        /// What went wrong.
        detail: String,
    },
}

/// True when a panic message's location (`… (at <file>:<line>:<col>)`) is the `symphony`
/// crate's `src/lib.rs`: the host shim, which `unwrap`s its parse of Go's JSON.
fn in_host_shim(message: &str) -> bool {
    message.rsplit_once("(at ").is_some_and(|(_, location)| {
        let file = location.split(':').next().unwrap_or("");
        file.ends_with("/src/lib.rs")
            && file
                .rsplit('/')
                .nth(2)
                .is_some_and(|krate| krate.starts_with("symphony-0."))
    })
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
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

    /// The outcome class.
    pub fn outcome(&self) -> Outcome {
        match self {
            CallError::Error { .. } => Outcome::Error,
            CallError::ErrorWithoutMessage => Outcome::ErrorWithoutMessage,
            CallError::NullProvider { .. } => Outcome::NullProvider,
            CallError::Panic { .. } => Outcome::Panic,
            CallError::Abort { .. } => Outcome::Abort,
            CallError::Segfault => Outcome::Segfault,
            CallError::Signal { .. } => Outcome::Signal,
            CallError::Timeout { .. } => Outcome::Timeout,
            CallError::Protocol { .. } => Outcome::Protocol,
            CallError::HostWouldAbort { .. } => Outcome::HostAbort,
            CallError::InvalidResult { .. } => Outcome::InvalidResult,
            CallError::Harness { .. } => Outcome::Harness,
        }
    }

    /// True when the process running the call died or was killed: during an `apply`, the
    /// device may or may not have changed (the outcome is *indeterminate*).
    pub fn process_died(&self) -> bool {
        matches!(
            self,
            CallError::Panic { .. }
                | CallError::Abort { .. }
                | CallError::Segfault
                | CallError::Signal { .. }
                | CallError::Timeout { .. }
                | CallError::Protocol { .. }
        )
    }
}

/// What a provider printed during one call: its stdout and stderr kept apart, and, under
/// `--host symphony`, the lines Symphony's own Rust host shim logged (its `tracing` lines,
/// such as "Validation of shared library's hash value has been disabled!"), which are the
/// host's, not the provider's. Empty when nothing was printed or nothing could be captured.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOutput {
    /// What the provider wrote to its stdout.
    #[serde(default)]
    pub stdout: String,
    /// What the provider wrote to its stderr.
    #[serde(default)]
    pub stderr: String,
    /// What Symphony's host shim logged around the call (only with `--host symphony`).
    #[serde(default)]
    pub host: String,
}

impl CallOutput {
    /// True when nothing was printed.
    pub fn is_empty(&self) -> bool {
        self.stdout.is_empty() && self.stderr.is_empty() && self.host.is_empty()
    }

    /// Each stream that holds more than white space, with its label for people
    /// (`provider stdout`, `provider stderr`, `symphony host log`).
    pub fn labelled(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("provider stdout", self.stdout.as_str()),
            ("provider stderr", self.stderr.as_str()),
            ("symphony host log", self.host.as_str()),
        ]
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
    }
}

/// One provider instance: what `create_provider` returned.
pub trait Provider {
    /// `get_validation_rule`.
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError>;

    /// `get`: the components of `references` that exist on the device. `deployment` is the
    /// deployment JSON exactly as Go sends it ([`CallDeployment::to_value`]).
    fn get(
        &mut self,
        deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError>;

    /// `apply`: carry out one step; one result per component, keyed by component name.
    fn apply(
        &mut self,
        deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError>;

    /// What the provider printed during its last call (and takes it: a second take is
    /// empty). A provider that cannot capture output returns nothing.
    fn take_output(&mut self) -> CallOutput {
        CallOutput::default()
    }
}

/// Creates provider instances from a binding config, as `create_provider_instance` does.
/// Symphony does this for every `get` and every `apply` step.
pub trait ProviderFactory {
    /// Called when a reconcile round starts. A factory that caches loaded libraries may look
    /// here for one rebuilt since, rather than on every creation (the in-process factory
    /// does, at most every 100 ms).
    fn round_started(&mut self) {}

    /// Whether anyone looks at what providers print ([`crate::engine::EventSink`]'s
    /// `is_listening`), told when a round starts. A factory that captures output around
    /// every call (in this process that costs a few system calls per call) may skip it when
    /// nobody does.
    fn output_wanted(&mut self, _wanted: bool) {}

    /// Providers made from now on come from new provider processes (a restart of the
    /// workers; the providers made before are gone). A factory that calls providers in this
    /// process has no process to restart, and does nothing.
    fn restart(&mut self) {}

    /// Creates one instance. A library that fails to load, or a NULL from `create_provider`,
    /// is [`CallError::NullProvider`].
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError>;

    /// What the library printed during the last [`ProviderFactory::create`]
    /// (`create_provider`), taken. A factory that cannot capture output returns nothing.
    fn take_output(&mut self) -> CallOutput {
        CallOutput::default()
    }
}

/// A boxed factory is a factory (so a `Box<dyn PreloadFactory>` drives the engine directly).
impl<F: ProviderFactory + ?Sized> ProviderFactory for Box<F> {
    fn round_started(&mut self) {
        (**self).round_started();
    }

    fn output_wanted(&mut self, wanted: bool) {
        (**self).output_wanted(wanted);
    }

    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        (**self).create(config)
    }

    fn take_output(&mut self) -> CallOutput {
        (**self).take_output()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant.
    fn every_error() -> Vec<CallError> {
        vec![
            CallError::Error {
                message: "m".into(),
            },
            CallError::ErrorWithoutMessage,
            CallError::NullProvider { reason: "r".into() },
            CallError::Panic {
                message: "p".into(),
            },
            CallError::Abort {
                detail: String::new(),
            },
            CallError::Segfault,
            CallError::Signal { signal: 9 },
            CallError::Timeout { after_ms: 1 },
            CallError::Protocol { detail: "d".into() },
            CallError::HostWouldAbort { reason: "r".into() },
            CallError::InvalidResult { reason: "r".into() },
            CallError::Harness { detail: "d".into() },
        ]
    }

    #[test]
    fn every_outcome_but_ok_is_one_error_variant_and_its_serde_tag() {
        let all = every_error();
        let mut outcomes: Vec<Outcome> = all.iter().map(CallError::outcome).collect();
        for err in &all {
            let json = serde_json::to_value(err).unwrap();
            assert_eq!(json["outcome"], err.outcome().as_str(), "{err:?}");
            let back: CallError = serde_json::from_value(json).unwrap();
            assert_eq!(&back, err);
        }
        outcomes.sort_unstable();
        outcomes.dedup();
        let expected: Vec<Outcome> = Outcome::ALL
            .into_iter()
            .filter(|o| *o != Outcome::Ok)
            .collect();
        assert_eq!(outcomes, expected);
    }

    #[test]
    fn a_harness_failure_is_not_a_dead_process() {
        let harness = CallError::Harness {
            detail: "cannot start".into(),
        };
        assert!(!harness.process_died());
        assert_eq!(harness.outcome(), Outcome::Harness);
    }

    #[test]
    fn a_panic_in_symphonys_host_shim_is_not_blamed_on_the_provider() {
        let shim = CallError::Panic {
            message: "called `Result::unwrap()` on an `Err` value (at /home/u/.cargo/registry/\
                      src/index.crates.io-1949cf8c6b5b557f/symphony-0.1.5/src/lib.rs:88:61)"
                .into(),
        };
        assert!(
            shim.to_string()
                .starts_with("Symphony's Rust host shim (not the provider) panicked: "),
            "{shim}"
        );
        let provider = CallError::Panic {
            message: "boom (at sim-provider/src/lib.rs:3:5)".into(),
        };
        assert!(
            provider.to_string().starts_with("the provider panicked: "),
            "{provider}"
        );
    }

    #[test]
    fn empty_provider_message_is_error_without_message() {
        assert_eq!(
            CallError::from_provider_message("  ".into()),
            CallError::ErrorWithoutMessage
        );
    }
}
