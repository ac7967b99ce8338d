//! The test API: the conformance suite and scenario files in a provider author's own
//! `cargo test`, failing as ordinary tests fail, with the evidence the command line prints.
//!
//! Add the harness as a dev-dependency with its `testing` feature, then, in `tests/`:
//!
//! ```no_run
//! use symphony_harness::testing::{Conformance, Scenarios};
//!
//! #[test]
//! fn conformance() {
//!     // The crate's own `cdylib`, built by cargo if missing or stale, through the real
//!     // loader and supervised workers: exactly what `symphony-harness check` does.
//!     Conformance::this_crate().config("root", "/tmp/x").assert_passes();
//! }
//!
//! #[test]
//! fn scenarios() {
//!     Scenarios::in_dir("tests/scenarios")
//!         .library_of_this_crate()
//!         .snapshots("tests/snapshots")
//!         .assert_pass();
//! }
//! ```
//!
//! Owns finding and building what a test runs (the crate's `cdylib`, and the harness's own
//! binary for the worker processes: `cargo.rs`), the builders, and turning a verdict into a
//! test failure. Does not judge anything itself: [`crate::check`] runs the suite,
//! [`crate::scenario`] plays the scenarios, and [`crate::report`] writes the text a failing
//! test panics with, the same text `symphony-harness check` and `run` print.
//!
//! - [`Conformance`]: the conformance suite on a library ([`Conformance::library`]), on this
//!   crate's `cdylib` ([`Conformance::this_crate`]), or on a provider type compiled into the
//!   test ([`Conformance::in_process`]: no `.so`, fast, but no build or load checks); the
//!   builder's methods mirror `check`'s flags.
//! - [`Scenarios`]: every scenario file of a folder, each transcript compared with a
//!   snapshot in the author's folder, in insta's format (`cargo insta review` accepts
//!   changes; `symphony-harness run --snapshots` reads the same files).
//!
//! - [`Explore`]: random reconciliation histories against a library with a case budget, as
//!   `symphony-harness explore` plays them; a broken invariant fails the test with the shrunk
//!   history.
//!
//! Why a worker binary: a provider library runs in supervised worker processes (a panic in
//! a `cdylib` aborts the process that called it), and a test binary cannot be one. The first
//! test of a crate builds the harness's binary, linked against this very library, with the
//! crate's own target folder and profile: nothing else is built again (`docs/testing.md`).

mod cargo;
mod conformance;
mod explore;
mod scenarios;

use std::path::PathBuf;

pub use crate::scenario::format::SymphonyRelease;
use crate::subject::Source;
pub use conformance::{Conformance, ConformanceReport};
pub use explore::Explore;
pub use scenarios::{Scenarios, ScenariosReport};

/// Why the test API could not run what it was asked to (a verdict is another matter: a
/// failing check or scenario is a report, not an error).
///
/// ```
/// use symphony_harness::testing::{Conformance, TestingError};
///
/// let err = Conformance::library("libp.so").only("no-such-check").run().unwrap_err();
/// assert!(matches!(err, TestingError::UnknownCheck { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum TestingError {
    /// `this_crate` or `library_of_this_crate` outside `cargo test`.
    #[error("`CARGO_MANIFEST_DIR` is not set, so there is no crate to build")]
    NoCrate,
    /// Cargo could not be started.
    #[error("cannot run `{command}`")]
    Cargo {
        /// The command line.
        command: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Cargo failed (the build broke, or the manifest is wrong).
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Build {
        /// The command line.
        command: String,
        /// How it exited.
        status: String,
        /// What it said.
        stderr: String,
    },
    /// Cargo's output could not be read.
    #[error("cannot read the output of `{command}`: {detail}")]
    CargoOutput {
        /// The command line.
        command: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The crate built no `cdylib`.
    #[error("`cargo build --lib` of `{}` built no `cdylib`", manifest.display())]
    NoCdylib {
        /// The crate's manifest.
        manifest: PathBuf,
    },
    /// The harness's binary was not among what cargo built.
    #[error("`cargo build` of `{}` built no `symphony-harness` binary", manifest.display())]
    NoWorker {
        /// The harness's manifest.
        manifest: PathBuf,
    },
    /// `only` or `skip` names no check and no area.
    #[error("no check or area `{name}`")]
    UnknownCheck {
        /// The name given.
        name: String,
    },
    /// The folder for devices and workers could not be made.
    #[error("cannot make a scratch folder")]
    Scratch(#[source] std::io::Error),
    /// A folder of scenarios or snapshots could not be read.
    #[error("cannot read the folder `{}`", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The scenario folder holds no scenario file.
    #[error("no scenario file in `{}`: nothing to play", dir.display())]
    NoScenarios {
        /// The folder.
        dir: PathBuf,
    },
    /// A scenario file cannot be read.
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    /// The library cannot be read.
    #[error("cannot use the provider")]
    Subject(#[source] crate::subject::SubjectError),
    /// Exploration could not start (no provider was created).
    #[error("explore could not run")]
    Explore(#[source] crate::explore::ExploreError),
    /// A scenario names no library, and none was given.
    #[error("scenario `{}` names no library, and none was given", path.display())]
    NoLibrary {
        /// The scenario file.
        path: PathBuf,
    },
}

impl TestingError {
    /// What the author can do about it, on a line of its own.
    ///
    /// ```
    /// use symphony_harness::testing::TestingError;
    ///
    /// let hint = TestingError::NoCrate.hint().unwrap();
    /// assert!(hint.contains("cargo test"));
    /// ```
    pub fn hint(&self) -> Option<String> {
        match self {
            TestingError::NoCrate => Some(
                "run it under `cargo test` (which sets it), or name both the library \
                 (`Conformance::library(path)`, `Scenarios::library(path)`) and the \
                 `symphony-harness` binary for the workers (`.worker(path)`)"
                    .into(),
            ),
            TestingError::Cargo { .. } => {
                Some("`$CARGO` (else `cargo` on the `PATH`) runs the build".into())
            }
            TestingError::NoCdylib { .. } => Some(
                "a provider is a `cdylib`: add `[lib] crate-type = [\"cdylib\", \"rlib\"]` to \
                 its Cargo.toml"
                    .into(),
            ),
            TestingError::UnknownCheck { .. } => Some(format!(
                "areas: {}; every id: {}",
                crate::check::Area::ALL
                    .iter()
                    .map(|area| area.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/checks.md")
            )),
            TestingError::NoScenarios { .. } => Some(
                concat!(
                    "scenario files end in `.json` (the format: ",
                    env!("CARGO_PKG_REPOSITORY"),
                    "/blob/main/docs/scenarios.md)"
                )
                .into(),
            ),
            TestingError::Scenario(err) => err.hint(),
            TestingError::NoLibrary { .. } => Some(
                "call `.library_of_this_crate()` or `.library(path)`, or give the scenario a \
                 `provider.library`"
                    .into(),
            ),
            _ => None,
        }
    }

    /// The error, each cause on a `caused by:` line, and the hint: what a failing test shows.
    ///
    /// ```
    /// use symphony_harness::testing::TestingError;
    ///
    /// let text = TestingError::NoCrate.explain();
    /// assert!(text.starts_with("error: `CARGO_MANIFEST_DIR` is not set"));
    /// assert!(text.contains("\nhint: "));
    /// ```
    pub fn explain(&self) -> String {
        let mut text = format!("error: {self}");
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        if let Some(hint) = self.hint() {
            text.push_str(&format!("\nhint: {hint}"));
        }
        text
    }
}

/// `source` ready to settle: this crate's `cdylib` built (by cargo, when missing or stale).
fn built(source: &Source) -> Result<Source, TestingError> {
    match source {
        Source::ThisCrate => Ok(Source::Library(cargo::cdylib(&this_crate_manifest()?)?)),
        other => Ok(other.clone()),
    }
}

/// The `symphony-harness` binary the workers of `source` run: `given`, else built from this
/// library's source (`None` for a compiled-in type: it runs in this process).
fn worker_for(source: &Source, given: Option<&PathBuf>) -> Result<Option<PathBuf>, TestingError> {
    match (source, given) {
        (Source::Compiled { .. }, _) => Ok(None),
        (_, Some(program)) => Ok(Some(program.clone())),
        (_, None) => Ok(Some(cargo::worker_program(&this_crate_manifest()?)?)),
    }
}

/// The crate the tests run in: `CARGO_MANIFEST_DIR` as `cargo test` sets it for a test.
fn this_crate_manifest() -> Result<PathBuf, TestingError> {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| PathBuf::from(dir).join("Cargo.toml"))
        .ok_or(TestingError::NoCrate)
}

/// Text rendered with styles (for a terminal), without them: a panic message is read in a
/// test log.
fn plain(bytes: &[u8]) -> String {
    anstream::adapter::strip_str(&String::from_utf8_lossy(bytes)).to_string()
}
