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

mod devices;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::expect::{check_step, Mismatch, StepFacts};
use super::format::{
    Action, Host, Instances, Isolation, Scenario, Step, StoredStart, SymphonyRelease,
};
use crate::engine::events::EventSink;
use crate::engine::objects::{ObjectError, Objects};
use crate::engine::planning;
use crate::engine::reconcile::{
    Reconciler, RoundReport, StoredState, NEXT_AFTER_SUCCESS, POLL_INTERVAL,
};
use crate::engine::{EngineError, InSymphony};
use crate::errors::error_chain;
use crate::load::resolve;
use crate::load::{DeviceChannel, DeviceError, LibraryFile, LoadError, PreloadFactory};
use crate::model::{
    ComponentAction, ComponentSpec, DeploymentSpec, Symphony, TargetState, RUST_PROVIDER,
};
use crate::transcript::{Redactions, StepTranscript, Transcript, TranscriptSink};
use crate::worker::{provider_factory, Backend, BackendError, HostMode, InstanceLifetime};

/// Where and how scenarios run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The backend before the scenario's own `provider` settings (deadlines, worker program).
    pub backend: Backend,
    /// The bundled simulated provider, for scenarios that name no library.
    pub simulator: PathBuf,
    /// A folder of this run: the simulated devices of each scenario are kept below it.
    pub scratch: PathBuf,
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
    /// The normalised transcript (redacted JSON of a [`Transcript`]).
    pub transcript: Value,
    /// Expectations that did not hold, in step order.
    pub mismatches: Vec<Mismatch>,
    /// Why the scenario stopped before its end, if it did (its last step's transcript is
    /// kept).
    pub error: Option<String>,
    /// The library that ran.
    pub library: PathBuf,
    /// Its SHA-256.
    pub library_sha256: String,
    /// What it exercised.
    pub tally: Tally,
}

impl ScenarioRun {
    /// True when the scenario ran to its end and every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.error.is_none()
    }
}

/// A provider ready to play scenarios: its library read and hashed once, the device channel
/// of a simulated provider open, and the factory its providers come from (with its workers).
/// Playing many scenarios through one session reuses all of it: `explore` plays thousands.
///
/// Every scenario played runs on the session's library and backend, whatever its own
/// `provider.library` and isolation say ([`run_scenario`] opens a session from them).
pub struct Session {
    library: PathBuf,
    sha256: String,
    simulated: bool,
    channel: Option<DeviceChannel>,
    factory: Box<dyn PreloadFactory>,
    transcripts: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("library", &self.library)
            .field("sha256", &self.sha256)
            .field("simulated", &self.simulated)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Reads and hashes `library`, opens its device channel if it is the simulated provider,
    /// and makes the factory `backend` asks for.
    pub fn open(library: &Path, backend: Backend) -> Result<Session, RunError> {
        let file = LibraryFile::open(library).map_err(|source| RunError::Library {
            path: library.to_path_buf(),
            source: Box::new(source),
        })?;
        let simulated = file
            .fingerprint()
            .map(|fingerprint| fingerprint.device_channel.is_some())
            .unwrap_or(false);
        let sha256 = file.sha256().to_string();
        // The bytes already read and hashed are the ones the device channel maps.
        let channel = if simulated {
            match devices::open_channel(file) {
                Ok(channel) => Some(channel),
                Err(devices::LoadedOrChannel::Load(source)) => {
                    return Err(RunError::Library {
                        path: library.to_path_buf(),
                        source: Box::new(source),
                    })
                }
                Err(devices::LoadedOrChannel::Channel(source)) => {
                    return Err(RunError::Device {
                        step: 0,
                        source: Box::new(source),
                    })
                }
            }
        } else {
            None
        };
        let factory = provider_factory(&backend, resolve::as_given())?;
        Ok(Session {
            library: library.to_path_buf(),
            sha256,
            simulated,
            channel,
            factory,
            transcripts: true,
        })
    }

    /// A session on the providers `factory` creates, made ready by the caller (a provider
    /// type compiled into this process, [`crate::load::TypeFactory`]): no library to read or
    /// hash (the SHA-256 is empty), no device channel. `name` stands for the library in the
    /// bindings (`libFile`) and the transcript. A `restart-worker` step keeps the factory: no
    /// worker process runs.
    pub fn prepared(name: &Path, factory: Box<dyn PreloadFactory>) -> Session {
        Session {
            library: name.to_path_buf(),
            sha256: String::new(),
            simulated: false,
            channel: None,
            factory,
            transcripts: true,
        }
    }

    /// Whether plays record a transcript (the default). Without, [`ScenarioRun::transcript`]
    /// is `null` and devices are read only after steps whose expectations need them: what
    /// `explore` does for the thousands of histories nobody reads.
    pub fn record_transcripts(&mut self, record: bool) {
        self.transcripts = record;
    }

    /// The library the session runs.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// Its SHA-256, in hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether it is the simulated provider (its devices can be read and changed).
    pub fn simulated(&self) -> bool {
        self.simulated
    }

    /// Plays `scenario`; its simulated devices are kept in `scratch/<scenario name>`.
    pub fn play(&mut self, scenario: &Scenario, scratch: &Path) -> Result<ScenarioRun, RunError> {
        let store = scratch.join(&scenario.name);
        if self.simulated {
            std::fs::create_dir_all(&store).map_err(|source| RunError::Scratch {
                path: store.clone(),
                source,
            })?;
        }
        let generation = match scenario.provider.symphony {
            SymphonyRelease::V048 => Symphony::V048,
            SymphonyRelease::V049 => Symphony::V049,
        };
        let mut player = Player {
            scenario,
            hash: scenario
                .provider
                .hash
                .clone()
                .unwrap_or_else(|| "any".to_string()),
            store,
            generation,
            objects: Objects::default(),
            reconciler: Reconciler::new(generation),
            sink: TranscriptSink::new(),
            tally: Tally::default(),
            last_failed: None,
            session: self,
        };
        player.objects = player.bound(&scenario.objects);
        if let Some(stored) = &scenario.stored {
            let stored = player.stored_start(stored)?;
            player.reconciler = Reconciler::new(generation).with_previous(stored);
        }
        let mut steps = Vec::with_capacity(scenario.steps.len());
        let mut mismatches = Vec::new();
        let mut error = None;
        for (index, step) in scenario.steps.iter().enumerate() {
            let number = index + 1;
            if let Some(signal) = crate::worker::interrupted() {
                // The calls after a signal end as harness failures: the rest proves nothing.
                error = Some(format!(
                    "interrupted by {} before step {number}",
                    crate::worker::signal_name(signal)
                ));
                break;
            }
            match player.play(number, step) {
                Ok((mut transcript, facts)) => {
                    let failed = check_step(number, step, &facts);
                    transcript.failed_expectations =
                        failed.iter().map(Mismatch::describe).collect();
                    mismatches.extend(failed);
                    steps.push(transcript);
                    if let Some(signal) = crate::worker::interrupted() {
                        error = Some(format!(
                            "interrupted by {} during step {number}: its calls were cut short",
                            crate::worker::signal_name(signal)
                        ));
                        break;
                    }
                }
                Err(err) => {
                    error = Some(error_chain(&err));
                    steps.push(StepTranscript {
                        step: number,
                        action: describe_action(step),
                        note: step.note.clone(),
                        rounds: player.sink.take_rounds(),
                        failed_expectations: vec![format!(
                            "the step could not run: {}",
                            error_chain(&err)
                        )],
                        ..StepTranscript::default()
                    });
                    break;
                }
            }
        }
        let tally = player.tally;
        let store = player.store;
        let library = self.library.clone();
        let transcript = Transcript {
            scenario: scenario.name.clone(),
            library_sha256: self.sha256.clone(),
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            description: scenario.description.clone(),
            provider: if scenario.provider.library.is_none() {
                "simulated provider".to_string()
            } else {
                library
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            symphony: generation.to_string(),
            steps,
        };
        let redactions = Redactions::new()
            .replace(store.to_string_lossy(), "devices")
            .replace(scratch.to_string_lossy(), "scratch")
            .replace(library.to_string_lossy(), "library");
        let transcript = redactions.apply(serde_json::to_value(&transcript).unwrap_or(Value::Null));
        Ok(ScenarioRun {
            transcript,
            mismatches,
            error: error.map(|text| redactions.text(&text)),
            library,
            library_sha256: self.sha256.clone(),
            tally,
        })
    }
}

/// What a scenario exercised, counted over its rounds and steps.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// Reconcile rounds (dry runs and removals included).
    pub rounds: u64,
    /// Components applied as updates.
    pub updates: u64,
    /// Components applied as deletes.
    pub deletes: u64,
    /// Steps skipped because `get` matched the desired state.
    pub skips: u64,
    /// Dry-run rounds.
    pub dry_runs: u64,
    /// Removals (the instance or target deleted).
    pub removals: u64,
    /// Rounds that failed (a provider error, or worse).
    pub failed_rounds: u64,
    /// Calls that crashed or hung (panic, abort, signal, timeout): what Symphony would not
    /// survive.
    pub crashes: u64,
    /// Changes made to a device behind the provider's back.
    pub drift: u64,
    /// Faults armed.
    pub faults: u64,
    /// Provider processes restarted, and Symphony restarts.
    pub restarts: u64,
}

impl Tally {
    /// Adds `other` to this tally.
    pub fn add(&mut self, other: &Tally) {
        self.rounds += other.rounds;
        self.updates += other.updates;
        self.deletes += other.deletes;
        self.skips += other.skips;
        self.dry_runs += other.dry_runs;
        self.removals += other.removals;
        self.failed_rounds += other.failed_rounds;
        self.crashes += other.crashes;
        self.drift += other.drift;
        self.faults += other.faults;
        self.restarts += other.restarts;
    }

    fn count_round(&mut self, report: &RoundReport) {
        self.rounds += 1;
        self.dry_runs += u64::from(report.dry_run);
        self.removals += u64::from(report.remove);
        self.skips += report.skipped as u64;
        for record in &report.steps {
            if record.results.is_none() {
                continue;
            }
            for entry in &record.step.components {
                match entry.action {
                    ComponentAction::Delete => self.deletes += 1,
                    _ => self.updates += 1,
                }
            }
        }
        if let Some(failure) = &report.failure {
            self.failed_rounds += 1;
            if failure.in_symphony() != InSymphony::Returns {
                self.crashes += 1;
            }
        }
    }
}

/// What the runner keeps between steps.
struct Player<'s> {
    scenario: &'s Scenario,
    session: &'s mut Session,
    hash: String,
    store: PathBuf,
    generation: Symphony,
    objects: Objects,
    reconciler: Reconciler,
    sink: TranscriptSink,
    tally: Tally,
    /// Whether the last round of the run failed (`None`: no round yet): Symphony's next
    /// reconcile comes after the wait that follows it.
    last_failed: Option<bool>,
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
    Session::open(&library, backend)?.play(scenario, &settings.scratch)
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

/// The step's action in words, for the transcript.
pub fn describe_action(step: &Step) -> String {
    match &step.action {
        Action::Reconcile(reconcile) => {
            let dry = if reconcile.dry_run { "dry-run " } else { "" };
            match (reconcile.rounds, reconcile.until_converged) {
                (_, Some(max)) => format!("{dry}reconcile until converged (at most {max} rounds)"),
                (Some(n), None) if n != 1 => format!("{dry}reconcile {n} rounds"),
                _ => format!("{dry}reconcile one round"),
            }
        }
        Action::Remove => "remove (the instance or target is deleted)".to_string(),
        Action::SetObjects(_) => "set the desired objects".to_string(),
        Action::AddComponent(component) => format!("add component `{}`", component.name),
        Action::ChangeComponent(change) => format!("change component `{}`", change.name),
        Action::RemoveComponent(name) => format!("remove component `{name}`"),
        Action::Device(edit) => format!("on the device: {}", compact(edit)),
        Action::Fault(fault) => format!("arm fault: {}", fault.label()),
        Action::ClearFaults => "clear the faults left".to_string(),
        Action::RestartWorker => "restart the worker (a new provider process)".to_string(),
        Action::RestartSymphony => {
            "restart Symphony (its stored state, kept in memory, is gone)".to_string()
        }
    }
}

fn compact(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Player<'_> {
    /// `objects` with every Rust binding pointed at the scenario's library.
    fn bound(&self, objects: &Objects) -> Objects {
        let mut objects = objects.clone();
        for target in &mut objects.targets {
            self.bind(target);
        }
        objects
    }

    fn bind(&self, target: &mut TargetState) {
        let Some(spec) = target.spec.as_mut() else {
            return;
        };
        for topology in &mut spec.topologies {
            for binding in &mut topology.bindings {
                if binding.provider != RUST_PROVIDER {
                    continue;
                }
                let config = &mut binding.config;
                config.insert("libFile", &self.session.library.to_string_lossy());
                config.insert("libHash", &self.hash);
                for (key, value) in &self.scenario.provider.config {
                    config.insert(key, value);
                }
                if self.session.simulated {
                    if config.get("sim.store").is_none() {
                        config.insert("sim.store", &self.store.to_string_lossy());
                    }
                    if config.get("sim.seed").is_none() {
                        config.insert("sim.seed", &self.scenario.seed.to_string());
                    }
                }
            }
        }
    }

    /// The deployment of the current objects.
    fn deployment(&self, step: usize) -> Result<DeploymentSpec, RunError> {
        self.objects
            .deployment()
            .map_err(|source| RunError::Objects {
                step,
                source: Box::new(source),
            })
    }

    /// The stored state the scenario starts from.
    fn stored_start(&self, stored: &StoredStart) -> Result<StoredState, RunError> {
        match stored {
            StoredStart::Symphony(state) => Ok(state.clone()),
            StoredStart::Deployed {
                objects,
                components,
            } => {
                let objects = match objects {
                    Some(objects) => self.bound(objects),
                    None => self.objects.clone(),
                };
                let deployment = objects.deployment().map_err(|source| RunError::Objects {
                    step: 0,
                    source: Box::new(source),
                })?;
                let desired =
                    planning::desired(&deployment).map_err(|source| RunError::Engine {
                        step: 0,
                        source: Box::new(source),
                    })?;
                let mut state = desired.state;
                if let Some(keep) = components {
                    let keep: BTreeSet<&str> = keep.iter().map(String::as_str).collect();
                    state.components.retain(|c| keep.contains(c.name.as_str()));
                    state.target_component.retain(|key, _| {
                        key.split_once("::")
                            .is_some_and(|(name, _)| keep.contains(name))
                    });
                }
                Ok(StoredState {
                    spec: Arc::new(desired.evaluated),
                    state,
                })
            }
        }
    }

    /// Plays one step: its transcript, and the facts its expectations are checked against.
    fn play(
        &mut self,
        number: usize,
        step: &Step,
    ) -> Result<(StepTranscript, StepFacts), RunError> {
        let mut transcript = StepTranscript {
            step: number,
            action: describe_action(step),
            note: step.note.clone(),
            ..StepTranscript::default()
        };
        let mut facts = StepFacts::default();
        let devices_before = match step.expect.device_unchanged {
            Some(_) if self.session.simulated => Some(self.devices(number)?),
            _ => None,
        };
        match &step.action {
            Action::Reconcile(reconcile) => {
                let mut deployment = self.deployment(number)?;
                if reconcile.dry_run {
                    deployment.is_dry_run = true;
                }
                let max = reconcile.max_rounds();
                for _ in 0..max {
                    let report = self.reconcile(number, &deployment, false)?;
                    let converged = report.converged();
                    let stops = stops_symphony(&report);
                    facts.rounds.push(report);
                    if let Some(why) = stops {
                        transcript.symphony_stops = Some(why);
                        break;
                    }
                    if reconcile.until_converged.is_some() && converged && !deployment.is_dry_run {
                        break;
                    }
                }
            }
            Action::Remove => {
                let deployment = self.deployment(number)?;
                let report = self.reconcile(number, &deployment, true)?;
                let removal_ok = report.failure.is_none() && !deployment.is_dry_run;
                transcript.symphony_stops = stops_symphony(&report);
                if removal_ok {
                    let left = self
                        .reconciler
                        .check_removed(
                            &deployment,
                            &report,
                            &mut self.session.factory,
                            &mut self.sink,
                        )
                        .map_err(|source| RunError::Engine {
                            step: number,
                            source: Box::new(source),
                        })?;
                    facts.left_after_removal = left.iter().map(|l| l.component.clone()).collect();
                    transcript.left_after_removal = facts.left_after_removal.clone();
                }
                facts.rounds.push(report);
            }
            Action::SetObjects(objects) => {
                self.objects = self.bound(objects);
                self.deployment(number)?;
            }
            Action::AddComponent(component) => {
                let components = self.desired_components(number, step)?;
                if components.iter().any(|c| c.name == component.name) {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("component `{}` is already desired", component.name),
                    ));
                }
                components.push(Arc::new((**component).clone()));
            }
            Action::ChangeComponent(change) => {
                let names = self.desired_names();
                let components = self.desired_components(number, step)?;
                let Some(component) = components.iter_mut().find(|c| c.name == change.name) else {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("no desired component `{}` (desired: {names})", change.name),
                    ));
                };
                let component = Arc::make_mut(component);
                for (key, value) in &change.properties {
                    if value.is_null() {
                        component.properties.remove(key);
                    } else {
                        component.properties.insert(key.clone(), value.clone());
                    }
                }
                if let Some(component_type) = &change.component_type {
                    component.component_type = component_type.clone();
                }
                if let Some(dependencies) = &change.dependencies {
                    component.dependencies = dependencies.clone();
                }
            }
            Action::RemoveComponent(name) => {
                let names = self.desired_names();
                let components = self.desired_components(number, step)?;
                let before = components.len();
                components.retain(|c| &c.name != name);
                if components.len() == before {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("no desired component `{name}` (desired: {names})"),
                    ));
                }
            }
            Action::Device(edit) => {
                let config = self.device_config(number, step)?;
                self.tally.drift += 1;
                let channel = self.channel(number)?;
                channel
                    .edit(&config, edit)
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            Action::Fault(fault) => {
                let config = self.device_config(number, step)?;
                self.tally.faults += 1;
                let channel = self.channel(number)?;
                channel
                    .arm(&config, std::slice::from_ref(fault))
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            Action::ClearFaults => {
                let config = self.device_config(number, step)?;
                let channel = self.channel(number)?;
                channel
                    .clear_faults(&config)
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            Action::RestartWorker => {
                self.session.factory.restart();
                self.tally.restarts += 1;
            }
            Action::RestartSymphony => {
                self.tally.restarts += 1;
                self.reconciler = Reconciler::new(self.generation);
                self.last_failed = None;
            }
        }
        transcript.rounds = self.sink.take_rounds();
        facts.stored = self.stored_names();
        facts.calls = transcript
            .rounds
            .last()
            .map(|round| round.events.clone())
            .unwrap_or_default();
        // What only the contract expectations read is gathered when one asks for it.
        let expect = &step.expect;
        if expect.sound_calls.is_some() || expect.reports_only_referenced.is_some() {
            facts.step_calls = transcript
                .rounds
                .iter()
                .flat_map(|round| round.events.iter().cloned())
                .collect();
        }
        if expect.device_as_desired.is_some() {
            facts.desired = self.desired_list();
            facts.rule = self.sink.last_rule().cloned();
        }
        facts.devices_before = devices_before;
        let wanted = self.session.transcripts
            || step.expect.device.is_some()
            || step.expect.applied_on_device.is_some()
            || step.expect.device_as_desired.is_some()
            || step.expect.device_unchanged.is_some();
        if self.session.simulated && wanted {
            let devices = self.devices(number)?;
            facts.devices = devices.clone();
            transcript.devices = devices;
            facts.device_for_on = self.device_id(step).ok();
        }
        Ok((transcript, facts))
    }

    /// The components of the stored state (`None`: nothing is stored).
    fn stored_names(&self) -> Option<Vec<String>> {
        self.reconciler.previous().map(|stored| {
            stored
                .state
                .components
                .iter()
                .map(|c| c.name.clone())
                .collect()
        })
    }

    /// One round, with the stored state recorded after it.
    fn reconcile(
        &mut self,
        number: usize,
        deployment: &DeploymentSpec,
        remove: bool,
    ) -> Result<RoundReport, RunError> {
        self.wait_before_round();
        let sink: &mut dyn EventSink = &mut self.sink;
        let report = self
            .reconciler
            .reconcile(deployment, remove, &mut self.session.factory, sink)
            .map_err(|source| RunError::Engine {
                step: number,
                source: Box::new(source),
            })?;
        let stored = self.stored_names();
        if let Some(round) = self.sink.last_round_mut() {
            round.stored = stored;
        }
        self.last_failed = Some(report.failure.is_some());
        self.tally.count_round(&report);
        Ok(report)
    }

    /// Symphony's wait before a round after the first: the next poll after a failure, the
    /// second poll tick after a success.
    fn wait_before_round(&mut self) {
        let mut sink = crate::engine::events::NoSink;
        let Some(failed) = self.last_failed else {
            return;
        };
        if failed {
            self.reconciler
                .wait(POLL_INTERVAL, "the next poll", &mut sink);
        } else {
            self.reconciler
                .wait(NEXT_AFTER_SUCCESS, "the second poll tick", &mut sink);
        }
    }

    fn step_error(&self, number: usize, step: &Step, message: String) -> RunError {
        RunError::Step {
            step: number,
            line: step.line,
            message,
        }
    }

    fn desired_names(&self) -> String {
        let names: Vec<String> = self
            .desired_list()
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    }

    /// The desired components, read only: the solution's, or every target's own.
    fn desired_list(&self) -> Vec<ComponentSpec> {
        match &self.objects.solution_and_instance {
            Some((solution, _)) => solution
                .spec
                .iter()
                .flat_map(|s| s.components.iter().map(|c| (**c).clone()))
                .collect(),
            None => self
                .objects
                .targets
                .iter()
                .flat_map(|t| {
                    t.spec
                        .iter()
                        .flat_map(|s| s.components.iter().map(|c| (**c).clone()))
                })
                .collect(),
        }
    }

    /// The desired components: the solution's, or the lone target's own.
    fn desired_components(
        &mut self,
        number: usize,
        step: &Step,
    ) -> Result<&mut Vec<Arc<ComponentSpec>>, RunError> {
        if self.objects.solution_and_instance.is_some() {
            let Some((solution, _)) = self.objects.solution_and_instance.as_mut() else {
                unreachable!("checked above")
            };
            return Ok(&mut solution
                .spec
                .get_or_insert_with(Default::default)
                .components);
        }
        if self.objects.targets.len() != 1 {
            return Err(self.step_error(
                number,
                step,
                "several targets without an instance: there are no desired components to change"
                    .into(),
            ));
        }
        let target = &mut self.objects.targets[0];
        Ok(&mut target.spec.get_or_insert_with(Default::default).components)
    }
}

/// Why Symphony would not go on after `report`, if it would not.
fn stops_symphony(report: &RoundReport) -> Option<String> {
    let failure = report.failure.as_ref()?;
    match failure.in_symphony() {
        InSymphony::Returns => None,
        InSymphony::WaitsForever => Some(format!(
            "{}: Symphony sets no deadline on a provider call, so its reconcile would wait for \
             ever",
            failure.describe()
        )),
        _ => Some(format!(
            "{}: in Symphony this takes the whole symphony-api process down",
            failure.describe()
        )),
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
