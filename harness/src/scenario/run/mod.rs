//! Playing a scenario: its steps against the engine and a real provider, recording a
//! transcript and checking each step's expectations.
//!
//! The provider comes from the same [`provider_factory`] the commands use. Every binding of
//! the scenario's objects that loads a Rust provider is pointed at the scenario's library
//! (its `libFile` and `libHash` replaced, `provider.config` added). For the simulated
//! provider, devices are kept in a folder of this run ([`RunSettings::scratch`]), so the
//! harness reads and changes them through the device channel whichever process the provider
//! runs in; its `sim.seed` is the scenario's seed.
//!
//! A step that Symphony would not survive (a provider panic kills `symphony-api`, a call that
//! never returns stalls it) ends its rounds there, says so in the transcript, and the scenario
//! goes on, as after a restart of Symphony with the device as it really is.

mod channel;
mod describe;
mod devices;
mod play;
mod player;
mod session;
mod tally;

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::expect::Mismatch;
use super::format::{Host, Instances, Isolation, Scenario};
use crate::engine::binding::UndrivenBinding;
use crate::engine::events::CallKind;
use crate::engine::objects::ObjectError;
use crate::engine::EngineError;
use crate::load::{DeviceError, LoadError};
use crate::transcript::{CallEntry, Redactions, Transcript};
use crate::worker::{Backend, BackendError, HostMode, InstanceLifetime};

pub use describe::describe_action;
pub use session::Session;
pub use tally::Tally;

/// Where and how scenarios run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The backend before the scenario's own `provider` settings (deadlines, worker program).
    pub backend: Backend,
    /// The bundled simulated provider, for scenarios that name no library.
    pub simulator: PathBuf,
    /// A folder of this run: the simulated devices of each scenario are kept below it.
    pub scratch: PathBuf,
    /// Folders besides `scratch` where a scenario may keep simulated devices (`sim.store`).
    pub store_dirs: Vec<PathBuf>,
}

/// Why a scenario could not be played to its end (its expectations are another matter).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The library cannot be read or inspected.
    #[error("cannot use provider library `{}`", path.display())]
    Library {
        /// The library.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<LoadError>,
    },
    /// No provider factory could be made.
    #[error("cannot run providers as the scenario asks")]
    Backend(#[from] BackendError),
    /// The objects (at the start, or after a step changed them) are not a deployment.
    #[error("step {step}: the objects are not a deployment Symphony would reconcile")]
    Objects {
        /// The step (0: the start).
        step: usize,
        /// Why.
        #[source]
        source: Box<ObjectError>,
    },
    /// Symphony cannot reconcile the deployment at all.
    #[error("step {step}: Symphony cannot reconcile the deployment")]
    Engine {
        /// The step (0: the start).
        step: usize,
        /// Why.
        #[source]
        source: Box<EngineError>,
    },
    /// The objects bind a role a step needs to a provider the harness cannot drive.
    #[error(transparent)]
    Undriven(#[from] UndrivenBinding),
    /// A step cannot be carried out as written.
    #[error("step {step} (line {line}): {message}")]
    Step {
        /// The step.
        step: usize,
        /// Its line in the scenario file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The device channel failed.
    #[error("step {step}: the device channel failed")]
    Device {
        /// The step.
        step: usize,
        /// Why.
        #[source]
        source: Box<DeviceError>,
    },
    /// A scenario's `sim.store` names a folder outside the run's own.
    #[error(
        "`sim.store` is `{store}`: the simulated provider would keep its devices outside this \
         run's scratch folder; leave `sim.store` out (or set it to `memory`), or let scenarios \
         use that folder with `run --sim-store-dir DIR`"
    )]
    StoreOutside {
        /// The value.
        store: String,
    },
    /// The scratch folder cannot be made.
    #[error("cannot make the scratch folder `{}`", path.display())]
    Scratch {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What playing a scenario gave.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The transcript, as recorded (its text not yet redacted: [`ScenarioRun::transcript_json`]
    /// is what snapshots, bundles and reports write). Without transcripts
    /// ([`Session::record_transcripts`]) its steps keep their calls but no device states.
    pub transcript: Transcript,
    /// The volatile text of this run (its scratch folder, the library's path), replaced
    /// wherever the run is written.
    pub redactions: Redactions,
    /// Expectations that did not hold, in step order.
    pub mismatches: Vec<Mismatch>,
    /// Why the scenario stopped before its end, if it did (its last step's transcript is
    /// kept).
    pub error: Option<String>,
    /// What its passing hides: it expects nothing, and every round failed. An error under
    /// `--strict`.
    pub warnings: Vec<String>,
    /// The library that ran.
    pub library: PathBuf,
    /// Its SHA-256.
    pub library_sha256: String,
    /// Why the loader refuses the library's bytes (not ELF, not a provider, incompatible),
    /// with its hint, if it does: every provider Symphony asked for failed to be created.
    pub library_refused: Option<String>,
    /// What it exercised.
    pub tally: Tally,
}

impl ScenarioRun {
    /// True when the scenario ran to its end and every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.error.is_none()
    }

    /// The transcript as snapshots, bundles and `--format json` write it: normalised JSON,
    /// its volatile text redacted.
    pub fn transcript_json(&self) -> Value {
        self.redactions
            .apply(serde_json::to_value(&self.transcript).unwrap_or(Value::Null))
    }

    /// `text` from this run (a provider's message, an error) with its volatile text
    /// redacted, as the transcript writes it.
    pub fn redact(&self, text: &str) -> String {
        self.redactions.text(text)
    }

    /// The first `create_provider` of a run in which Symphony never got a provider: the run
    /// made provider calls, and every one was a `create_provider` that failed. `None` when a
    /// provider was created, or no call was made.
    pub fn never_got_a_provider(&self) -> Option<&CallEntry> {
        let mut calls = self
            .transcript
            .steps
            .iter()
            .flat_map(|step| step.calls().map(|(_, call)| call));
        let first = calls.next()?;
        let failed_create = |call: &CallEntry| {
            call.call == CallKind::Create && call.outcome != crate::engine::Outcome::Ok
        };
        (failed_create(first) && calls.all(failed_create)).then_some(first)
    }
}

/// Plays `scenario` on its own library (the bundled simulator when it names none) and
/// backend.
pub fn run_scenario(scenario: &Scenario, settings: &RunSettings) -> Result<ScenarioRun, RunError> {
    let library = scenario
        .provider
        .library
        .clone()
        .unwrap_or_else(|| settings.simulator.clone());
    let backend = backend_for(scenario, &settings.backend);
    let mut session = Session::open(&library, backend)?;
    for dir in &settings.store_dirs {
        session.allow_store_dir(dir);
    }
    session.play(scenario, &settings.scratch)
}

/// The backend the scenario's `provider` settings ask for, on top of `base`.
fn backend_for(scenario: &Scenario, base: &Backend) -> Backend {
    let provider = &scenario.provider;
    Backend {
        in_process: provider.isolation == Isolation::InProcess,
        host: match provider.host {
            Host::Harness => HostMode::Harness,
            Host::Symphony => HostMode::Symphony,
        },
        lifetime: match provider.instances {
            Instances::Symphony => InstanceLifetime::Symphony,
            Instances::Reuse => InstanceLifetime::Reuse,
        },
        ..base.clone()
    }
}

/// The scenario files under `dir` (`*.json`, not in subfolders), sorted by name.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
