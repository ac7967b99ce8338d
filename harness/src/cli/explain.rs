//! The exit code and hint of an error, from the library's [`Explain`]: the first error of the
//! chain whose type implements it decides. The only list of error types in the command line.

use std::error::Error;

use symphony_harness::diff::DiffError;
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

/// `cause` as the library explains it, if its type is one of the library's errors.
fn explained<'a>(cause: &'a (dyn Error + 'static)) -> Option<&'a dyn Explain> {
    macro_rules! first_of {
        ($($error:ty),* $(,)?) => {
            $(if let Some(err) = cause.downcast_ref::<$error>() {
                return Some(err);
            })*
        };
    }
    first_of!(
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
