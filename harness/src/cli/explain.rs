//! The exit code and hint of an error, from the library's [`Explain`]: the first error of the
//! chain whose type implements it decides. The only list of error types in the command line,
//! and the two errors the command line makes itself: [`Refused`] (its own refusal, with the
//! code it gives) and [`Summed`] (several errors reported together).

use std::error::Error;

use symphony_harness::diff::DiffError;
use symphony_harness::engine::binding::UndrivenBinding;
use symphony_harness::engine::objects::ObjectError;
use symphony_harness::engine::{CallError, EngineError};
use symphony_harness::errors::Explain;
use symphony_harness::exit_code;
use symphony_harness::explore::ExploreError;
use symphony_harness::input::InputError;
use symphony_harness::inspect::InspectError;
use symphony_harness::load::probe::ProbeError;
use symphony_harness::load::{DeviceError, LoadError, LoadFailure};
use symphony_harness::scenario::bundle::BundleError;
use symphony_harness::scenario::ScenarioError;
use symphony_harness::serve::ServeError;
use symphony_harness::sim::SimError;
use symphony_harness::subject::{ConfigError, SubjectError, TargetBindingError};
use symphony_harness::transcript::snapshot::InstaEnvError;
use symphony_harness::watch::WatchError;
use symphony_harness::worker::BackendError;

/// A refusal the command line words itself, with the exit code it gives: a wrong flag value
/// (`usage`), or a verdict it reports as an error (a Target's library that cannot load). A
/// hint may follow the message after `\nhint: `.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    message: String,
    code: i32,
    #[source]
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl Refused {
    /// A wrong command line: `message` ends the command with `usage` (2).
    pub fn usage(message: impl std::fmt::Display) -> anyhow::Error {
        Refused::with_code(exit_code::USAGE, message)
    }

    /// `message` ends the command with `code`.
    pub fn with_code(code: i32, message: impl std::fmt::Display) -> anyhow::Error {
        anyhow::Error::new(Refused {
            message: message.to_string(),
            code,
            source: None,
        })
    }

    /// `message`, caused by `source`, ends the command with `code`.
    pub fn caused(
        code: i32,
        message: impl std::fmt::Display,
        source: impl Error + Send + Sync + 'static,
    ) -> anyhow::Error {
        anyhow::Error::new(Refused {
            message: message.to_string(),
            code,
            source: Some(Box::new(source)),
        })
    }
}

impl Explain for Refused {
    fn exit_code(&self) -> i32 {
        self.code
    }
}

/// Several errors reported together, then `summary`: every scenario file that cannot be read,
/// before "nothing was played". Each is printed on its own; the first decides the exit code.
#[derive(Debug)]
pub struct Summed {
    summary: String,
    errors: Vec<anyhow::Error>,
}

impl Summed {
    /// The error of `errors`, summed up by `summary`.
    pub fn error(summary: impl std::fmt::Display, errors: Vec<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Summed {
            summary: summary.to_string(),
            errors,
        })
    }

    /// The errors it sums up.
    pub fn errors(err: &anyhow::Error) -> &[anyhow::Error] {
        err.downcast_ref::<Summed>()
            .map_or(&[], |summed| summed.errors.as_slice())
    }
}

impl std::fmt::Display for Summed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)
    }
}

impl Error for Summed {}

impl Explain for Summed {
    fn exit_code(&self) -> i32 {
        self.errors.first().map_or(exit_code::ERROR, exit_code_for)
    }
}

/// `cause` as the library explains it, if its type is one of the library's errors (or one
/// the command line makes).
fn explained<'a>(cause: &'a (dyn Error + 'static)) -> Option<&'a dyn Explain> {
    macro_rules! first_of {
        ($($error:ty),* $(,)?) => {
            $(if let Some(err) = cause.downcast_ref::<$error>() {
                return Some(err);
            })*
        };
    }
    first_of!(
        Refused,
        Summed,
        DiffError,
        LoadError,
        LoadFailure,
        ProbeError,
        CallError,
        EngineError,
        ObjectError,
        InspectError,
        InputError,
        ConfigError,
        ScenarioError,
        BundleError,
        BackendError,
        DeviceError,
        SimError,
        WatchError,
        SubjectError,
        TargetBindingError,
        ExploreError,
        ServeError,
        UndrivenBinding,
        InstaEnvError,
    );
    None
}

/// The first error of `err`'s chain the library explains.
fn first_explained(err: &anyhow::Error) -> Option<&dyn Explain> {
    err.chain().find_map(explained)
}

/// The documented exit code of `err` ([`exit_code::ERROR`] when the library does not say).
pub fn exit_code_for(err: &anyhow::Error) -> i32 {
    first_explained(err).map_or(exit_code::ERROR, Explain::exit_code)
}

/// What to do about `err`, if the library says.
pub fn hint_for(err: &anyhow::Error) -> Option<String> {
    first_explained(err).and_then(Explain::hint)
}
