//! Reproduction bundles: everything needed to play a failed scenario again, in one folder.
//!
//! A bundle holds `scenario.json` (the scenario, self-contained: objects inline),
//! `bundle.json` ([`BundleInfo`]: the seed, the library's path, SHA-256 and inspection
//! fingerprint, the harness version, what failed, and the SHA-256 of the other two files) and
//! `transcript.json`. `replay` plays `scenario.json` again with the same library, refusing a
//! library whose SHA-256 changed, and a bundle whose files were edited or damaged since.

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
pub const BUNDLE_FORMAT: &str = "symphony-harness/bundle/v2";

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
    /// The SHA-256 of `scenario.json` as written.
    pub scenario_sha256: String,
    /// The SHA-256 of `transcript.json` as written.
    pub transcript_sha256: String,
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
    /// A file of the bundle is not what was written: edited, damaged or missing.
    #[error(
        "`{}` is not the file the bundle was written with ({why}); a replay of an edited \
         bundle proves nothing",
        path.display()
    )]
    Edited {
        /// The file.
        path: PathBuf,
        /// What differs: its SHA-256, its absence, a value.
        why: String,
    },
}

impl crate::errors::Explain for BundleError {
    fn hint(&self) -> Option<String> {
        match self {
            BundleError::Edited { path, .. } => Some(format!(
                "to play an edited scenario, `symphony-harness run {}`; to replay, restore the \
                 bundle as `run` wrote it",
                path.with_file_name("scenario.json").display()
            )),
            BundleError::Info { .. } => Some(
                "bundles of an older harness cannot be replayed: `symphony-harness run` their \
                 `scenario.json`"
                    .into(),
            ),
            BundleError::Scenario(err) => err.hint(),
            _ => None,
        }
    }
}

/// Writes `value` as pretty JSON to `path`; the SHA-256 of the bytes written.
fn write(path: &Path, value: &impl Serialize) -> Result<String, BundleError> {
    let text = serde_json::to_string_pretty(value).map_err(|err| BundleError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(err),
    })? + "\n";
    std::fs::write(path, &text).map_err(|source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(sha256_of(text.as_bytes()))
}

fn sha256_of(bytes: &[u8]) -> String {
    // Reading from memory cannot fail.
    crate::load::sha256_hex(bytes).unwrap_or_default()
}

/// Whether the file at `path` holds the bytes whose SHA-256 is `recorded`.
fn unchanged(path: &Path, recorded: &str) -> Result<(), BundleError> {
    let found = match std::fs::read(path) {
        Ok(bytes) => sha256_of(&bytes),
        Err(err) => {
            return Err(BundleError::Edited {
                path: path.to_path_buf(),
                why: format!("it cannot be read: {err}"),
            })
        }
    };
    if found == recorded {
        return Ok(());
    }
    Err(BundleError::Edited {
        path: path.to_path_buf(),
        why: format!("its SHA-256 was {recorded} when written, it is {found} now"),
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
    let scenario_sha256 = write(&folder.join("scenario.json"), &file)?;
    let transcript_sha256 = write(&folder.join("transcript.json"), &run.transcript_json())?;
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
        scenario_sha256,
        transcript_sha256,
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
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    let format: Format = serde_json::from_str(&text).map_err(|err| BundleError::Info {
        path: info_path.clone(),
        message: err.to_string(),
    })?;
    if format.format != BUNDLE_FORMAT {
        return Err(BundleError::Info {
            path: info_path,
            message: format!(
                "its format is `{}`, this harness reads `{BUNDLE_FORMAT}`",
                format.format
            ),
        });
    }
    let info: BundleInfo = serde_json::from_str(&text).map_err(|err| BundleError::Info {
        path: info_path.clone(),
        message: err.to_string(),
    })?;
    let scenario_file = folder.join("scenario.json");
    let transcript_file = folder.join("transcript.json");
    unchanged(&scenario_file, &info.scenario_sha256)?;
    unchanged(&transcript_file, &info.transcript_sha256)?;
    let mut scenario = read_scenario(&scenario_file).map_err(Box::new)?;
    if scenario.scenario.seed != info.seed {
        return Err(BundleError::Edited {
            path: info_path,
            why: format!(
                "its seed is {}, the scenario's is {}",
                info.seed, scenario.scenario.seed
            ),
        });
    }
    scenario.scenario.name = info.scenario.clone();
    let text = std::fs::read_to_string(&transcript_file).map_err(|source| BundleError::Io {
        path: transcript_file.clone(),
        source,
    })?;
    let transcript = Some(
        serde_json::from_str(&text).map_err(|err| BundleError::Edited {
            path: transcript_file.clone(),
            why: format!("it is not JSON: {err}"),
        })?,
    );
    Ok(Bundle {
        folder: folder.to_path_buf(),
        info,
        scenario,
        transcript,
    })
}

impl Bundle {
    /// A note when another version of the harness wrote the bundle: its transcript may differ
    /// for that reason alone.
    pub fn version_note(&self) -> Option<String> {
        let this = env!("CARGO_PKG_VERSION");
        (self.info.harness_version != this).then(|| {
            format!(
                "the bundle was written by symphony-harness {}, this is {this}: a transcript \
                 that differs may differ for that reason alone",
                self.info.harness_version
            )
        })
    }

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
