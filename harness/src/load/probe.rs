//! Probing a library as Symphony first meets it: inspect the bytes, check the hash, load it,
//! create a provider with the binding config, ask for its validation rule. The result is a
//! typed [`LoadReport`] (the `load` command renders it; its JSON is the report serialised).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{
    ExpectedHash, LibraryFile, LoadError, LoadFailure, LoadInfo, LoadOptions, Placement,
    PreloadError, PreloadFactory, LOAD_TIMEOUT_HINT,
};
use crate::engine::{rule, CallError, CallOutput, Outcome};
use crate::inspect::{HostToolchain, Inspection, VerdictLevel};
use crate::model::{BindingConfig, ValidationRule};

/// How the library's hash was checked.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HashCheckDone {
    /// Against the binding's `libHash`: equal.
    Matched,
    /// Not checked: `libHash: any`.
    Skipped,
    /// Left to the host (Symphony's own host hashes on every creation).
    Host,
}

/// The outcome of each call the probe made, by call name.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ProbeCalls {
    /// `create_provider`: always `ok` in a report (a failed creation is an error instead).
    pub create_provider: Outcome,
    /// `get_validation_rule`: `ok` or the outcome class.
    pub get_validation_rule: Outcome,
}

/// What the library printed during each call the probe made, by call name.
#[derive(Serialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeOutput {
    /// During `create_provider`.
    pub create_provider: CallOutput,
    /// During `get_validation_rule`.
    pub get_validation_rule: CallOutput,
}

/// Everything a probe learnt about one library.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// The library as given.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// How the hash was checked.
    pub hash_check: HashCheckDone,
    /// What the inspector read and judged.
    pub inspection: Inspection,
    /// The `config_json` `create_provider` received.
    pub config_json: String,
    /// How each call ended.
    pub calls: ProbeCalls,
    /// What the library printed during each call.
    pub output: ProbeOutput,
    /// The rule `get_validation_rule` returned.
    pub validation_rule: Option<ValidationRule>,
    /// What Symphony makes of that rule, line by line.
    pub symphony_reads: Option<Vec<String>>,
    /// How `get_validation_rule` failed, in words.
    pub error: Option<String>,
    /// Warnings for the user (hash check skipped, forced load).
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// How `get_validation_rule` failed.
    #[serde(skip)]
    pub rule_error: Option<CallError>,
}

/// The warning for a binding that skips the hash check, as `load` and `reconcile` print it.
const HASH_SKIPPED: &str = "hash check skipped (`libHash: any`): Symphony logs the same warning; \
     make sure the library is what you expect; production bindings pin the hash \
     (`symphony-harness binding`)";

/// Why a probe stopped before it could report.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The loader refused the library, in this process.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The loader refused the library, in the process that loaded it.
    #[error(transparent)]
    Failure(#[from] LoadFailure),
    /// Loading killed or hung the process that tried.
    #[error(
        "loading `{}` {}",
        path.display(),
        if matches!(source, CallError::Timeout { .. }) {
            "did not finish within the load deadline"
        } else {
            "killed the process that tried"
        }
    )]
    LoadDied {
        /// The library.
        path: PathBuf,
        /// How that process ended.
        #[source]
        source: CallError,
    },
    /// `create_provider` failed (returned NULL, or its process died): Symphony gets no
    /// provider.
    #[error("`create_provider` failed ({outcome}): {0}", outcome = .0.outcome())]
    Create(CallError),
}

impl ProbeError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ProbeError::LoadDied {
                source: CallError::Timeout { .. },
                ..
            } => Some(LOAD_TIMEOUT_HINT.to_string()),
            ProbeError::Create(call) | ProbeError::LoadDied { source: call, .. } => {
                Some(call.outcome().hint().to_string())
            }
            ProbeError::Load(err) => err.hint(),
            ProbeError::Failure(failure) => failure.hint.clone(),
        }
    }
}

/// What a probe needs besides the library: the binding it is created with.
#[derive(Debug, Clone, Default)]
pub struct ProbeRequest {
    /// The `libHash` to check (`any` skips the check); `None`: the file's own hash, as read.
    pub hash: Option<ExpectedHash>,
    /// The binding's `libFile`.
    pub lib_file: String,
    /// The binding's `name`.
    pub name: String,
    /// The provider's own config keys, passed along with `libFile`, `libHash` and `name`.
    pub extra: BindingConfig,
    /// Load even a library the inspector judges incompatible.
    pub force: bool,
}

/// Opens `path`, checks its hash and judges it as the loader does ([`LibraryFile::accept`]:
/// no code of it runs here), and gives what the inspector read.
fn inspect_for_loading(
    path: &Path,
    hash: Option<&ExpectedHash>,
    force: bool,
) -> Result<(ExpectedHash, Inspection), LoadError> {
    let file = LibraryFile::open(path)?;
    let size = file.size();
    let expected_hash = hash
        .cloned()
        .unwrap_or_else(|| ExpectedHash::Sha256(file.sha256().to_string()));
    let accepted = file.accept(&LoadOptions {
        expected_hash: expected_hash.clone(),
        force,
        placement: Placement::Worker,
    })?;
    let inspection = Inspection {
        size,
        sha256: accepted.sha256().to_string(),
        fingerprint: accepted.fingerprint().clone(),
        host: HostToolchain::current(),
        verdict: accepted.verdict().clone(),
    };
    Ok((expected_hash, inspection))
}

/// Probes `path` with `request`, loading and calling it through `factory` (a worker or this
/// process).
pub fn probe(
    path: &Path,
    request: &ProbeRequest,
    factory: &mut dyn PreloadFactory,
) -> Result<LoadReport, ProbeError> {
    let (expected_hash, inspection) =
        inspect_for_loading(path, request.hash.as_ref(), request.force)?;
    let mut config = BindingConfig::new(
        &request.lib_file,
        expected_hash.as_lib_hash(),
        &request.name,
    );
    for (key, value) in request.extra.iter() {
        config.insert(key, value);
    }
    let info: LoadInfo = factory.preload(&config).map_err(|err| match err {
        PreloadError::Load(failure) => ProbeError::Failure(failure),
        PreloadError::Call(source) => ProbeError::LoadDied {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let mut warnings = Vec::new();
    if expected_hash == ExpectedHash::Any {
        warnings.push(HASH_SKIPPED.to_string());
    }
    if inspection.verdict.level == VerdictLevel::Incompatible {
        warnings.push("loading an incompatible library because of `--force`".to_string());
    }
    let mut provider = factory.create(&config).map_err(ProbeError::Create)?;
    let created_output = factory.take_output();
    let rule = provider.get_validation_rule();
    let output = ProbeOutput {
        create_provider: created_output,
        get_validation_rule: provider.take_output(),
    };
    let hash_check = if info.hash_checked {
        HashCheckDone::Matched
    } else if expected_hash == ExpectedHash::Any {
        HashCheckDone::Skipped
    } else {
        HashCheckDone::Host
    };
    Ok(LoadReport {
        path: path.to_path_buf(),
        sha256: inspection.sha256.clone(),
        hash_check,
        config_json: config.to_json(),
        calls: ProbeCalls {
            create_provider: Outcome::Ok,
            get_validation_rule: rule
                .as_ref()
                .map_or_else(CallError::outcome, |_| Outcome::Ok),
        },
        output,
        symphony_reads: rule.as_ref().ok().map(rule::explain),
        error: rule.as_ref().err().map(ToString::to_string),
        validation_rule: rule.as_ref().ok().cloned(),
        rule_error: rule.err(),
        inspection,
        warnings,
    })
}

/// A library a deployment's bindings name that cannot be loaded: it fails the same way in
/// every round, and Symphony would retry it on every poll.
#[derive(Debug, thiserror::Error)]
#[error("the binding for role `{role}` on target `{target}` names `libFile` `{lib_file}`, which cannot be loaded")]
pub struct BindingLoadError {
    /// The target.
    pub target: String,
    /// The step role.
    pub role: String,
    /// The binding's `libFile`.
    pub lib_file: String,
    /// Why it cannot be loaded.
    #[source]
    pub failure: PreloadError,
}

/// A binding whose library loaded ahead of the first round.
#[derive(Debug, Clone)]
pub struct PreloadedBinding {
    /// The target.
    pub target: String,
    /// The step role.
    pub role: String,
    /// The binding config.
    pub config: BindingConfig,
    /// What the load reported.
    pub info: LoadInfo,
    /// What `load` would warn about: a skipped hash check, a risky library.
    pub warnings: Vec<String>,
}

/// Loads, ahead of the first round, every library that `deployment`'s `get` phase needs
/// (each target's binding for each role its components have), as the first round would;
/// `resolve` finds each `libFile` here, as the factory does, for the warnings.
pub fn preload_deployment(
    deployment: &crate::model::DeploymentSpec,
    factory: &mut dyn PreloadFactory,
    resolve: &mut super::LibFileResolver,
) -> Result<Vec<PreloadedBinding>, Box<BindingLoadError>> {
    let mut loaded: Vec<PreloadedBinding> = Vec::new();
    let Ok(desired) = crate::engine::planning::desired(deployment) else {
        // The rounds report what Symphony makes of a deployment it cannot plan.
        return Ok(loaded);
    };
    for step in &desired.get_plan {
        let Some(spec) = deployment
            .targets
            .get(&step.target)
            .and_then(|target| target.spec.as_ref())
        else {
            continue;
        };
        // A missing binding is Symphony's own failure, reported by the round.
        let Ok(config) = crate::engine::binding::find_binding(spec, &step.role) else {
            continue;
        };
        if loaded.iter().any(|b| &b.config == config) {
            continue;
        }
        let info = factory.preload(config).map_err(|failure| {
            Box::new(BindingLoadError {
                target: step.target.clone(),
                role: step.role.clone(),
                lib_file: config.get("libFile").unwrap_or_default().to_string(),
                failure,
            })
        })?;
        let lib_file = config.get("libFile").unwrap_or_default();
        loaded.push(PreloadedBinding {
            target: step.target.clone(),
            role: step.role.clone(),
            config: config.clone(),
            info,
            warnings: binding_warnings(config, &resolve(lib_file)),
        });
    }
    Ok(loaded)
}

/// What `load` warns about for a binding: `libHash: any`, and a library the inspector rates
/// risky (read from `path`, where the binding's library is found here).
fn binding_warnings(config: &BindingConfig, path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    if config.get("libHash") == Some("any") {
        warnings.push(HASH_SKIPPED.to_string());
    }
    if let Ok(file) = LibraryFile::open(path) {
        if let Ok(inspection) = Inspection::new(file.bytes(), file.sha256().to_string()) {
            if inspection.verdict.level == VerdictLevel::Risky {
                warnings.push(format!(
                    "the library is risky: {}",
                    inspection.verdict.reasons.join("; ")
                ));
            }
        }
    }
    warnings
}

impl crate::errors::Explain for ProbeError {
    fn exit_code(&self) -> i32 {
        match self {
            ProbeError::Create(call) => crate::errors::Explain::exit_code(call),
            // Symphony would get no provider: its process died loading or creating it.
            ProbeError::LoadDied { .. } => crate::exit_code::LOAD_FAILED,
            _ => crate::exit_code::ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        ProbeError::hint(self)
    }
}
