//! Reproduction bundles: everything needed to play a failed scenario again, in one folder.
//!
//! A bundle holds `scenario.json` (the scenario, self-contained: objects inline),
//! `bundle.json` ([`BundleInfo`]: the seed, the library's path, SHA-256 and inspection
//! fingerprint, the harness version, what failed) and `transcript.json`. `replay` plays
//! `scenario.json` again with the same library, refusing a library whose SHA-256 changed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::expect::Mismatch;
use super::format::Scenario;
use super::parse::{read_scenario, Loaded, ScenarioError};
use super::result::ScenarioResult;
use super::run::ScenarioRun;
use crate::load::LibraryFile;

/// The `format` of `bundle.json`.
pub const BUNDLE_FORMAT: &str = "symphony-harness/bundle/v1";

/// `bundle.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BundleInfo {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The harness version that wrote it.
    pub harness_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file it came from.
    pub source: PathBuf,
    /// The seed.
    pub seed: u64,
    /// The library that ran.
    pub library: PathBuf,
    /// Its SHA-256.
    pub library_sha256: String,
    /// What `inspect` read from it (absent when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Value>,
    /// The expectations that did not hold.
    pub mismatches: Vec<Mismatch>,
    /// Why the scenario stopped before its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a bundle cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file of the bundle cannot be written or read.
    #[error("bundle file `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `bundle.json` is not a bundle description.
    #[error("`{}` is not a bundle description: {message}", path.display())]
    Info {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The library is not the one the bundle recorded.
    #[error(
        "`{}` changed since the bundle was written: its SHA-256 was {recorded}, it is {found} \
         now; a replay runs the same bytes or nothing",
        library.display()
    )]
    LibraryChanged {
        /// The library.
        library: PathBuf,
        /// The SHA-256 in `bundle.json`.
        recorded: String,
        /// The SHA-256 now.
        found: String,
    },
    /// The library cannot be read.
    #[error("cannot read the library `{}` to check it", library.display())]
    Library {
        /// The library.
        library: PathBuf,
        /// Why.
        #[source]
        source: Box<crate::load::LoadError>,
    },
    /// `scenario.json` cannot be read.
    #[error(transparent)]
    Scenario(#[from] Box<ScenarioError>),
}

fn write(path: &Path, value: &impl Serialize) -> Result<(), BundleError> {
    let text = serde_json::to_string_pretty(value).map_err(|err| BundleError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(err),
    })?;
    std::fs::write(path, text + "\n").map_err(|source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the bundle of `scenario`'s failed `run` into `dir/<scenario name>/` (replacing an
/// older one) and returns that folder.
pub fn write_bundle(
    dir: &Path,
    scenario: &Scenario,
    run: &ScenarioRun,
) -> Result<PathBuf, BundleError> {
    let folder = bundle_dir(dir, &scenario.name);
    std::fs::create_dir_all(&folder).map_err(|source| BundleError::Io {
        path: folder.clone(),
        source,
    })?;
    let fingerprint = LibraryFile::open(&run.library)
        .ok()
        .and_then(|file| file.fingerprint().ok())
        .and_then(|fingerprint| serde_json::to_value(fingerprint).ok());
    let library = run
        .library
        .canonicalize()
        .unwrap_or_else(|_| run.library.clone());
    let mut file = scenario.to_file_json();
    if scenario.provider.library.is_some() {
        file["provider"]["library"] = Value::String(library.to_string_lossy().into_owned());
    }
    write(&folder.join("scenario.json"), &file)?;
    write(&folder.join("transcript.json"), &run.transcript_json())?;
    let info = BundleInfo {
        format: BUNDLE_FORMAT.to_string(),
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        source: scenario.path.clone(),
        seed: scenario.seed,
        library,
        library_sha256: run.library_sha256.clone(),
        fingerprint,
        mismatches: run.mismatches.clone(),
        error: run.error.clone(),
    };
    write(&folder.join("bundle.json"), &info)?;
    Ok(folder)
}

/// A bundle read back.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Its folder.
    pub folder: PathBuf,
    /// `bundle.json`.
    pub info: BundleInfo,
    /// `scenario.json`, named after the original scenario.
    pub scenario: Loaded,
    /// `transcript.json`, if readable.
    pub transcript: Option<Value>,
}

/// Reads the bundle in `folder`.
pub fn read_bundle(folder: &Path) -> Result<Bundle, BundleError> {
    let info_path = folder.join("bundle.json");
    let text = std::fs::read_to_string(&info_path).map_err(|source| BundleError::Io {
        path: info_path.clone(),
        source,
    })?;
    let info: BundleInfo = serde_json::from_str(&text).map_err(|err| BundleError::Info {
        path: info_path.clone(),
        message: err.to_string(),
    })?;
    if info.format != BUNDLE_FORMAT {
        return Err(BundleError::Info {
            path: info_path,
            message: format!(
                "its format is `{}`, this harness reads `{BUNDLE_FORMAT}`",
                info.format
            ),
        });
    }
    let mut scenario = read_scenario(&folder.join("scenario.json")).map_err(Box::new)?;
    scenario.scenario.name = info.scenario.clone();
    let transcript = std::fs::read_to_string(folder.join("transcript.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    Ok(Bundle {
        folder: folder.to_path_buf(),
        info,
        scenario,
        transcript,
    })
}

impl Bundle {
    /// The library a replay runs: the scenario's own, else `simulator`; refused when its
    /// bytes are not the ones the bundle recorded.
    pub fn checked_library(&self, simulator: &Path) -> Result<PathBuf, BundleError> {
        let library = self
            .scenario
            .scenario
            .provider
            .library
            .clone()
            .unwrap_or_else(|| simulator.to_path_buf());
        let file = LibraryFile::open(&library).map_err(|source| BundleError::Library {
            library: library.clone(),
            source: Box::new(source),
        })?;
        if file.sha256() != self.info.library_sha256 {
            return Err(BundleError::LibraryChanged {
                library,
                recorded: self.info.library_sha256.clone(),
                found: file.sha256().to_string(),
            });
        }
        Ok(library)
    }
}

/// What replaying a bundle showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayVerdict {
    /// The scenario passes now.
    NotReproduced,
    /// The same failures; `same_transcript` when the transcript is the bundle's too (but for
    /// the line numbers the failed expectations name).
    Reproduced {
        /// Whether the transcript is the one the bundle recorded.
        same_transcript: bool,
    },
    /// It fails, but not as the bundle recorded: what the bundle recorded, a line each.
    Differently {
        /// The bundle's failures.
        recorded: Vec<String>,
    },
}

impl std::fmt::Display for ReplayVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayVerdict::NotReproduced => {
                f.write_str("did not reproduce: the scenario passes now")
            }
            ReplayVerdict::Reproduced {
                same_transcript: true,
            } => f.write_str("reproduced: the same failures, and the same transcript"),
            ReplayVerdict::Reproduced {
                same_transcript: false,
            } => f.write_str(
                "reproduced: the same failures (the transcript differs from the bundle's)",
            ),
            ReplayVerdict::Differently { recorded } => write!(
                f,
                "reproduced differently: the bundle recorded\n  {}",
                recorded.join("\n  ")
            ),
        }
    }
}

impl Bundle {
    /// How a replay's `result` compares with what the bundle recorded.
    pub fn verdict(&self, result: &ScenarioResult) -> ReplayVerdict {
        if result.passed() {
            return ReplayVerdict::NotReproduced;
        }
        let recorded = &self.info.mismatches;
        let run = result.run.as_ref().ok();
        let same_failures = run.is_some_and(|run| {
            run.error == self.info.error
                && run.mismatches.len() == recorded.len()
                && run
                    .mismatches
                    .iter()
                    .zip(recorded)
                    .all(|(a, b)| a.same_as(b))
        });
        if same_failures {
            // The failed expectations name lines of the file, which differ in the bundle's copy.
            let same_transcript = run.is_some_and(|run| {
                self.transcript.as_ref().is_some_and(|recorded| {
                    without_lines(run.transcript_json()) == without_lines(recorded.clone())
                })
            });
            return ReplayVerdict::Reproduced { same_transcript };
        }
        ReplayVerdict::Differently {
            recorded: recorded
                .iter()
                .map(Mismatch::describe)
                .chain(
                    self.info
                        .error
                        .iter()
                        .map(|e| format!("stopped before its end: {e}")),
                )
                .collect(),
        }
    }
}

/// A transcript without its steps' `failedExpectations` (they name lines of the scenario
/// file).
fn without_lines(mut transcript: Value) -> Value {
    if let Some(steps) = transcript.get_mut("steps").and_then(|s| s.as_array_mut()) {
        for step in steps {
            if let Some(step) = step.as_object_mut() {
                step.remove("failedExpectations");
            }
        }
    }
    transcript
}

/// Where a scenario's bundle goes under `dir`.
pub fn bundle_dir(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
