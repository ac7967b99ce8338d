//! [`Session`]: a provider ready to play scenarios, and playing one scenario on it.

use std::path::{Path, PathBuf};

use super::channel::{open_channel, LoadedOrChannel};
use super::RunError;
use crate::errors::error_chain;
use crate::load::resolve;
use crate::load::{DeviceChannel, LibraryFile, PreloadFactory};
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
    /// Folders besides a run's scratch folder where the simulator may keep its devices.
    pub(super) store_dirs: Vec<PathBuf>,
    /// Why the loader refuses the library's bytes (not ELF, not a provider, incompatible),
    /// with its hint, if it does.
    pub(super) refusal: Option<String>,
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
        let refusal = file.refusal().map(|err| match err.hint() {
            Some(hint) => format!("{}; hint: {hint}", error_chain(&err)),
            None => error_chain(&err),
        });
        // The bytes already read and hashed are the ones the device channel maps.
        let channel = if simulated {
            match open_channel(file) {
                Ok(channel) => Some(channel),
                Err(LoadedOrChannel::Load(source)) => {
                    return Err(RunError::Library {
                        path: library.to_path_buf(),
                        source: Box::new(source),
                    })
                }
                Err(LoadedOrChannel::Channel(source)) => {
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
            store_dirs: Vec::new(),
            refusal,
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
            store_dirs: Vec::new(),
            refusal: None,
        }
    }

    /// Whether plays record a transcript (the default). Without, [`ScenarioRun::transcript`]
    /// is `null` and devices are read only after steps whose expectations need them: what
    /// `explore` does for the thousands of histories nobody reads.
    pub fn record_transcripts(&mut self, record: bool) {
        self.transcripts = record;
    }

    /// Lets the simulator keep its devices under `dir` (`sim.store`), besides each run's own
    /// scratch folder.
    pub fn allow_store_dir(&mut self, dir: impl Into<PathBuf>) {
        self.store_dirs.push(dir.into());
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
}
