//! [`Session`]: a provider ready to play scenarios, and playing one scenario on it.

use std::path::{Path, PathBuf};

use super::describe::describe_action;
use super::devices;
use super::player::Player;
use super::{RunError, ScenarioRun};
use crate::errors::error_chain;
use crate::load::resolve;
use crate::load::{DeviceChannel, LibraryFile, PreloadFactory};
use crate::scenario::expect::{check_step, Mismatch};
use crate::scenario::format::Scenario;
use crate::transcript::{Redactions, StepTranscript, Transcript};
use crate::worker::{provider_factory, Backend};

/// A provider ready to play scenarios: its library read and hashed once, the device channel
/// of a simulated provider open, and the factory its providers come from (with its workers).
/// Playing many scenarios through one session reuses all of it: `explore` plays thousands.
///
/// Every scenario played runs on the session's library and backend, whatever its own
/// `provider.library` and isolation say ([`run_scenario`] opens a session from them).
pub struct Session {
    pub(super) library: PathBuf,
    pub(super) sha256: String,
    pub(super) simulated: bool,
    pub(super) channel: Option<DeviceChannel>,
    pub(super) factory: Box<dyn PreloadFactory>,
    pub(super) transcripts: bool,
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
        let mut player = Player::start(self, scenario, store)?;
        let played = play_steps(&mut player, scenario);
        let (tally, store, generation) = (player.tally, player.store, player.generation);
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
            steps: played.steps,
        };
        let redactions = Redactions::new()
            .replace(store.to_string_lossy(), "devices")
            .replace(scratch.to_string_lossy(), "scratch")
            .replace(library.to_string_lossy(), "library");
        Ok(ScenarioRun {
            transcript,
            mismatches: played.mismatches,
            error: played.error.map(|text| redactions.text(&text)),
            redactions,
            library,
            library_sha256: self.sha256.clone(),
            tally,
        })
    }
}

/// What playing a scenario's steps gave.
struct Played {
    steps: Vec<StepTranscript>,
    mismatches: Vec<Mismatch>,
    /// Why the scenario stopped before its end, if it did.
    error: Option<String>,
}

/// Plays every step of `scenario` in turn, checking each step's expectations, until the end,
/// a step that cannot run, or a signal.
fn play_steps(player: &mut Player<'_>, scenario: &Scenario) -> Played {
    let mut played = Played {
        steps: Vec::with_capacity(scenario.steps.len()),
        mismatches: Vec::new(),
        error: None,
    };
    for (index, step) in scenario.steps.iter().enumerate() {
        let number = index + 1;
        if let Some(signal) = crate::worker::interrupted() {
            // The calls after a signal end as harness failures: the rest proves nothing.
            played.error = Some(format!(
                "interrupted by {} before step {number}",
                crate::worker::signal_name(signal)
            ));
            break;
        }
        match player.play(number, step) {
            Ok((mut transcript, facts)) => {
                let failed = check_step(number, step, &facts);
                transcript.failed_expectations = failed.iter().map(Mismatch::describe).collect();
                played.mismatches.extend(failed);
                played.steps.push(transcript);
                if let Some(signal) = crate::worker::interrupted() {
                    played.error = Some(format!(
                        "interrupted by {} during step {number}: its calls were cut short",
                        crate::worker::signal_name(signal)
                    ));
                    break;
                }
            }
            Err(err) => {
                played.error = Some(error_chain(&err));
                played.steps.push(StepTranscript {
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
    played
}
