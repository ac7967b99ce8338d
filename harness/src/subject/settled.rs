//! [`Subject`]: a provider settled once: read, hashed, fingerprinted and probed as `load`
//! does, its component type settled; it opens the scenario sessions and provider factories
//! the commands play on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::spec::{generated_properties, DEFAULT_COMPONENT_TYPE};
use super::spec::{Source, SubjectSpec};
use crate::engine::rule;
use crate::errors::error_chain;
use crate::inspect::Fingerprint;
use crate::load::probe::{probe, LoadReport, ProbeError, ProbeOutput, ProbeRequest};
use crate::load::{resolve, ExpectedHash, LibraryFile, LoadError, PreloadFactory, TypeFactory};
use crate::model::{BindingConfig, ValidationRule};
use crate::scenario::format::SymphonyRelease;
use crate::scenario::{RunError, Session};
use crate::worker::{provider_factory, Backend};

/// Why a subject could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum SubjectError {
    /// The library cannot be read.
    #[error("cannot read provider library `{}`", path.display())]
    Unreadable {
        /// The library.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<LoadError>,
    },
    /// [`Source::ThisCrate`] reached settling unbuilt: the test API builds it first.
    #[error("the library of the crate whose tests run is not built yet")]
    Unbuilt,
}

/// What the probe learnt that checks and histories read: the provider was created with this
/// config, and what `get_validation_rule` gave.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The `config_json` the provider was created with.
    pub config_json: String,
    /// What the library printed during the probe's calls.
    pub output: ProbeOutput,
    /// The rule `get_validation_rule` returned.
    pub validation_rule: Option<ValidationRule>,
    /// What Symphony makes of that rule, line by line.
    pub symphony_reads: Option<Vec<String>>,
    /// How `get_validation_rule` failed, in words.
    pub error: Option<String>,
    /// How `get_validation_rule` ended (`ok`, `error`, `panic`, …).
    pub rule_outcome: crate::engine::Outcome,
}

impl From<LoadReport> for Probed {
    fn from(report: LoadReport) -> Probed {
        Probed {
            config_json: report.config_json,
            output: report.output,
            validation_rule: report.validation_rule,
            symphony_reads: report.symphony_reads,
            error: report.error,
            rule_outcome: report.calls.get_validation_rule,
        }
    }
}

/// Why Symphony could not create the provider, kept typed: the exit code a command gives for
/// it (as `load` gives it: not a provider or incompatible 4, NULL or a failed load 5, the
/// harness's own failure 1), the loader's message and its hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFailure {
    /// The documented exit code of this failure ([`crate::exit_code`]).
    pub exit_code: i32,
    /// How the creation ended, when a call ended it (`null-provider`, `panic`, `timeout`, …).
    pub outcome: Option<crate::engine::Outcome>,
    /// Whether it ended while the library loaded (its own initialisers ran), before
    /// `create_provider` was called.
    pub loading: bool,
    /// What went wrong, the causes chained (`: `).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl ProbeFailure {
    /// The failure of a probe that stopped with `err`.
    pub fn of(err: &ProbeError) -> ProbeFailure {
        use crate::errors::Explain;
        let (exit_code, outcome) = match err {
            ProbeError::Load(load) => (load.exit_code(), None),
            ProbeError::Failure(failure) => (failure.exit_code(), None),
            ProbeError::LoadDied { source, .. } | ProbeError::Create(source) => {
                let outcome = source.outcome();
                let code = if outcome == crate::engine::Outcome::Harness {
                    crate::exit_code::ERROR
                } else {
                    crate::exit_code::LOAD_FAILED
                };
                (code, Some(outcome))
            }
        };
        ProbeFailure {
            exit_code,
            outcome,
            loading: matches!(err, ProbeError::LoadDied { .. }),
            message: error_chain(err),
            hint: err.hint(),
        }
    }

    /// A failure the harness met before it could ask the library anything (its worker did
    /// not start).
    pub fn harness(message: String) -> ProbeFailure {
        ProbeFailure {
            exit_code: crate::exit_code::ERROR,
            outcome: Some(crate::engine::Outcome::Harness),
            loading: false,
            message,
            hint: None,
        }
    }

    /// The message and, when there is one, the hint: `…; hint: …`.
    pub fn with_hint(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{}; hint: {hint}", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for ProbeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The probe's result: what it learnt, or why Symphony could not create the provider.
pub type Probe = Result<Probed, ProbeFailure>;

/// A provider under test, settled.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The library (for a compiled-in type, the name that stands for it).
    pub library: PathBuf,
    /// Its SHA-256 (empty for a compiled-in type).
    pub sha256: String,
    /// What its bytes say (`None`: not an ELF shared object, or a compiled-in type).
    pub fingerprint: Option<Fingerprint>,
    /// The `libHash` its bindings give: a SHA-256, or `any`.
    pub hash: String,
    /// The provider's own binding config keys.
    pub config: BTreeMap<String, String>,
    /// Binding config keys that get a fresh empty folder for every scenario played.
    pub config_temp_dirs: Vec<String>,
    /// The component type (the binding's role).
    pub component_type: String,
    /// The properties of synthesized components.
    pub properties: BTreeMap<String, Value>,
    /// The Symphony release.
    pub symphony: SymphonyRelease,
    /// Whether the library has the simulated provider's device channel.
    pub simulated: bool,
    /// How its providers run.
    pub backend: Backend,
    /// The probe: loaded, created with the binding config, `get_validation_rule` called.
    pub probe: Probe,
    /// The compiled-in type's factory (`None`: a library).
    pub(crate) compiled: Option<TypeFactory>,
}

impl Subject {
    /// Settles `spec`: reads and fingerprints the library, probes it as `load` does, and
    /// settles the component type (the spec's, else the rule's `requiredType`, else
    /// [`DEFAULT_COMPONENT_TYPE`]). A provider Symphony could not create is still a subject
    /// (its [`Subject::probe`] says why); a file that cannot be read is not.
    pub fn settle(spec: &SubjectSpec) -> Result<Subject, SubjectError> {
        match &spec.source {
            Source::Library(path) => settle_library(path, spec),
            Source::Compiled { name, factory } => Ok(settle_compiled(name, factory, spec)),
            Source::ThisCrate => Err(SubjectError::Unbuilt),
        }
    }

    /// Whether the provider is a type compiled into this process (no library: the checks
    /// that read or load one skip).
    pub fn in_process(&self) -> bool {
        self.compiled.is_some()
    }

    /// The rule the probe got, if it got one.
    pub fn rule(&self) -> Option<&ValidationRule> {
        self.probe.as_ref().ok()?.validation_rule.as_ref()
    }

    /// The binding config a provider of this subject is created with: `libFile`, `libHash`,
    /// `name` (`binding`), then the subject's own keys.
    pub fn binding_config(&self, binding: &str) -> BindingConfig {
        let mut config = BindingConfig::new(&self.library.to_string_lossy(), &self.hash, binding);
        for (key, value) in &self.config {
            config.insert(key, value);
        }
        config
    }

    /// A new provider factory: the library's, as the backend says (its own worker
    /// processes), or the compiled-in type's.
    pub fn factory(&self) -> Result<Box<dyn PreloadFactory>, String> {
        match &self.compiled {
            Some(factory) => Ok(Box::new(factory.clone())),
            None => provider_factory(&self.backend, resolve::as_given())
                .map_err(|err| error_chain(&err)),
        }
    }

    /// A session that plays scenarios on this subject, with providers of its own. A
    /// `sim.store` folder the subject's own binding config names (the user's `--config`) is
    /// one the simulator may use.
    pub fn session(&self) -> Result<Session, RunError> {
        let mut session = match &self.compiled {
            Some(factory) => Session::prepared(&self.library, Box::new(factory.clone())),
            None => Session::open(&self.library, self.backend.clone())?,
        };
        if let Some(store) = self.config.get("sim.store").filter(|s| *s != "memory") {
            session.allow_store_dir(store);
        }
        Ok(session)
    }
}

fn settle_library(path: &Path, spec: &SubjectSpec) -> Result<Subject, SubjectError> {
    let file = LibraryFile::open(path).map_err(|source| SubjectError::Unreadable {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    let fingerprint = file.fingerprint().ok();
    let sha256 = file.sha256().to_string();
    let hash = spec.hash.clone().unwrap_or_else(|| sha256.clone());
    let probe = probe_library(path, &hash, spec).map(Probed::from);
    let mut subject = unsettled(path, spec, hash, probe, None);
    subject.simulated = fingerprint
        .as_ref()
        .is_some_and(|f| f.device_channel.is_some());
    subject.sha256 = sha256;
    subject.fingerprint = fingerprint;
    Ok(subject)
}

fn settle_compiled(name: &Path, factory: &TypeFactory, spec: &SubjectSpec) -> Subject {
    let hash = spec.hash.clone().unwrap_or_else(|| "any".to_string());
    let probe = probe_compiled(name, &hash, factory, spec);
    unsettled(name, spec, hash, probe, Some(factory.clone()))
}

/// The subject `spec` and `probe` make, its component type settled from the probe's rule.
fn unsettled(
    library: &Path,
    spec: &SubjectSpec,
    hash: String,
    probe: Probe,
    compiled: Option<TypeFactory>,
) -> Subject {
    let rule_type = probe
        .as_ref()
        .ok()
        .and_then(|p| p.validation_rule.as_ref())
        .map(|rule| rule.required_type.clone())
        .filter(|t| !t.is_empty());
    Subject {
        library: library.to_path_buf(),
        sha256: String::new(),
        fingerprint: None,
        hash,
        config: spec.config.clone(),
        config_temp_dirs: spec.config_temp_dirs.clone(),
        component_type: spec
            .component_type
            .clone()
            .or(rule_type)
            .unwrap_or_else(|| DEFAULT_COMPONENT_TYPE.to_string()),
        properties: spec.properties.clone().unwrap_or_else(generated_properties),
        symphony: spec.symphony,
        simulated: false,
        backend: spec.backend.clone(),
        probe,
        compiled,
    }
}

/// Loads the library in a worker and calls `create_provider` and `get_validation_rule`.
fn probe_library(
    library: &Path,
    hash: &str,
    spec: &SubjectSpec,
) -> Result<LoadReport, ProbeFailure> {
    let mut factory = provider_factory(&spec.backend, resolve::as_given())
        .map_err(|err| ProbeFailure::harness(error_chain(&err)))?;
    let mut extra = BindingConfig::default();
    for (key, value) in &spec.config {
        extra.insert(key, value);
    }
    let request = ProbeRequest {
        hash: Some(if hash == "any" {
            ExpectedHash::Any
        } else {
            ExpectedHash::Sha256(hash.to_string())
        }),
        lib_file: library.to_string_lossy().into_owned(),
        name: "check".to_string(),
        extra,
        force: false,
    };
    probe(library, &request, factory.as_mut()).map_err(|err| ProbeFailure::of(&err))
}

/// Creates a provider from the compiled-in type, as the probe of a library does (without the
/// loading), and asks for its rule.
fn probe_compiled(name: &Path, hash: &str, factory: &TypeFactory, spec: &SubjectSpec) -> Probe {
    let mut config = BindingConfig::new(&name.to_string_lossy(), hash, "check");
    for (key, value) in &spec.config {
        config.insert(key, value);
    }
    let mut factory = factory.clone();
    let mut provider =
        crate::engine::ProviderFactory::create(&mut factory, &config).map_err(|err| {
            ProbeFailure {
                exit_code: crate::errors::Explain::exit_code(&err),
                outcome: Some(err.outcome()),
                loading: false,
                message: format!(
                    "the provider could not be created ({}): {err}",
                    err.outcome()
                ),
                hint: None,
            }
        })?;
    let rule = provider.get_validation_rule();
    Ok(Probed {
        config_json: config.to_json(),
        output: ProbeOutput::default(),
        symphony_reads: rule.as_ref().ok().map(rule::explain),
        error: rule.as_ref().err().map(ToString::to_string),
        rule_outcome: rule
            .as_ref()
            .map_or_else(crate::engine::CallError::outcome, |_| {
                crate::engine::Outcome::Ok
            }),
        validation_rule: rule.ok(),
    })
}

impl crate::errors::Explain for SubjectError {
    fn exit_code(&self) -> i32 {
        match self {
            SubjectError::Unreadable { source, .. } => crate::errors::Explain::exit_code(&**source),
            SubjectError::Unbuilt => crate::exit_code::ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            SubjectError::Unreadable { source, .. } => source.hint(),
            SubjectError::Unbuilt => None,
        }
    }
}
