//! Everything that can stop a library from loading, each with a hint.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::inspect::InspectError;

/// The hint for a load that overran its deadline, in a worker or in this process.
pub const LOAD_TIMEOUT_HINT: &str = "the library's initialisers (its constructors, which \
     `dlopen` runs) did not return within `--load-timeout` (default: `--call-timeout`); \
     Symphony loads with no deadline, so its reconcile would hang there: find what they wait \
     for";

/// Why a library could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The library path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an ELF library.
    #[error("`{}` is not a provider library", path.display())]
    NotElf {
        /// The library path.
        path: PathBuf,
        /// Why the ELF parser refused it.
        #[source]
        source: InspectError,
    },
    /// The SHA-256 differs from the expected `libHash`.
    #[error("hash mismatch for `{}`\n  expected: {expected}\n  found:    {found}", path.display())]
    HashMismatch {
        /// The library path.
        path: PathBuf,
        /// The expected hash, as given.
        expected: String,
        /// The SHA-256 of the file, lowercase hex.
        found: String,
    },
    /// The library does not export `create_provider` (or is not a shared object).
    #[error("`{}` is not a Symphony provider: {}", path.display(), reasons.join("; "))]
    NotAProvider {
        /// The library path.
        path: PathBuf,
        /// What the inspector found.
        reasons: Vec<String>,
    },
    /// The inspector judged the library incompatible with this host.
    #[error("`{}` is incompatible with this host: {}", path.display(), reasons.join("; "))]
    Incompatible {
        /// The library path.
        path: PathBuf,
        /// What the inspector found.
        reasons: Vec<String>,
    },
    /// The library is risky for the process that would load it (a custom global allocator, or
    /// another rustc), and that process is the harness's own.
    #[error(
        "`{}` is not safe to load into the harness's own process: {}",
        path.display(),
        reasons.join("; ")
    )]
    RiskyInProcess {
        /// The library path.
        path: PathBuf,
        /// What the inspector found (`inspect::in_process_hazards`).
        reasons: Vec<String>,
    },
    /// `dlopen` refused the library.
    #[error("`dlopen` failed for `{}`: {message}", path.display())]
    Dlopen {
        /// The library path.
        path: PathBuf,
        /// What the dynamic loader said.
        message: String,
    },
    /// Loading in this process did not finish within its deadline: the library's
    /// initialisers (run by `dlopen`) are still running, on a thread that cannot be stopped.
    #[error("loading `{}` did not finish within {} ms", path.display(), limit.as_millis())]
    LoadTimedOut {
        /// The library path.
        path: PathBuf,
        /// The deadline (`--load-timeout`).
        limit: std::time::Duration,
    },
    /// An earlier load in this process never finished, and holds the dynamic loader's lock.
    #[error(
        "cannot load `{}`: loading `{}` never finished, and it holds the dynamic loader",
        path.display(),
        stuck.display()
    )]
    LoaderStuck {
        /// The library path.
        path: PathBuf,
        /// The library whose load never finished.
        stuck: PathBuf,
    },
    /// No thread could be started to load the library on.
    #[error("cannot start a thread to load `{}`", path.display())]
    LoaderThread {
        /// The library path.
        path: PathBuf,
        /// Why the thread did not start.
        #[source]
        source: std::io::Error,
    },
    /// `dlsym("create_provider")` failed.
    #[error("`{}` has no `create_provider` symbol: {message}", path.display())]
    MissingSymbol {
        /// The library path.
        path: PathBuf,
        /// What the dynamic loader said.
        message: String,
    },
    /// The bytes read could not be copied into a sealed memory file (`memfd`) to load.
    #[error("cannot copy `{}` into a sealed memory file to load it", path.display())]
    Seal {
        /// The library path.
        path: PathBuf,
        /// What `memfd_create`, the write or `fcntl(F_ADD_SEALS)` said.
        #[source]
        source: std::io::Error,
    },
    /// The binding config holds a NUL byte, which a C string cannot carry.
    #[error("the binding config holds a NUL byte and cannot be passed to `create_provider`")]
    ConfigHasNul,
    /// `create_provider` returned NULL.
    #[error("`create_provider` of `{}` returned NULL (Symphony reports this as InitFailed)", path.display())]
    NullProvider {
        /// The library path.
        path: PathBuf,
        /// The `config_json` it was given.
        config_json: String,
    },
}

impl LoadError {
    /// What the user can do about it, on a line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            LoadError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some(
                    "build the provider first (`cargo build --release` in its crate); the \
                     library is `target/release/lib<crate_name>.so`"
                        .into(),
                )
            }
            LoadError::Read { .. } => None,
            LoadError::NotElf { source, .. } => source.hint(),
            LoadError::HashMismatch {
                path,
                expected,
                found,
            } => {
                let case = if expected.to_lowercase() == *found {
                    "Symphony compares hashes case-sensitively: write the hash in lowercase; "
                } else {
                    "the library was rebuilt; "
                };
                Some(format!(
                    "{case}print a fresh binding with\n      \
                     `symphony-harness binding {} --role <ROLE>`",
                    path.display()
                ))
            }
            LoadError::NotAProvider { .. } => Some(
                "a provider exports `#[no_mangle] pub extern \"C\" fn create_provider(config_json: \
                 *const c_char) -> *mut ProviderWrapper`; see `symphony-harness inspect`"
                    .into(),
            ),
            LoadError::Incompatible { .. } => Some(
                "rebuild it against `symphony = \"0.1.5\"` with this rustc; `--force` loads it \
                 anyway (it may crash)"
                    .into(),
            ),
            LoadError::RiskyInProcess { .. } => Some(
                "drop `--in-process`: the worker contains a crash; or pass `--force` to load it \
                 into the harness anyway"
                    .into(),
            ),
            LoadError::Dlopen { .. } => Some(
                "check `ldd` on the library for missing dependencies, and that it was built for \
                 this machine"
                    .into(),
            ),
            LoadError::MissingSymbol { .. } => None,
            LoadError::LoadTimedOut { .. } | LoadError::LoaderStuck { .. } => {
                Some(LOAD_TIMEOUT_HINT.into())
            }
            LoadError::LoaderThread { .. } => None,
            LoadError::Seal { .. } => Some(
                "the harness loads a library from a sealed `memfd` (Linux 3.17+); check that \
                 `memfd_create` is allowed here (seccomp, container profile) and memory is free"
                    .into(),
            ),
            LoadError::ConfigHasNul => Some("remove the NUL byte from the `--config` values".into()),
            LoadError::NullProvider { config_json, .. } => Some(format!(
                "the provider refused its configuration or could not reach its backend; read what \
                 it printed. config_json sent: {config_json}"
            )),
        }
    }
}

/// Why a library could not be loaded, as a class the command line maps to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadFailureClass {
    /// The file could not be read.
    Unreadable,
    /// Not ELF, not a provider, incompatible, or risky for the harness's own process.
    NotLoadable,
    /// Symphony would fail to create the provider: hash mismatch, dlopen, NULL.
    LoadFailed,
}

/// A load failure as plain data: it crosses the worker pipe and reaches the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct LoadFailure {
    /// The class of failure.
    pub class: LoadFailureClass,
    /// The loader's message.
    pub message: String,
    /// The loader's hint.
    pub hint: Option<String>,
}

impl LoadFailure {
    /// Classifies a loader error.
    pub fn from_load_error(err: &LoadError) -> LoadFailure {
        let class = match err {
            LoadError::Read { .. } | LoadError::ConfigHasNul | LoadError::LoaderThread { .. } => {
                LoadFailureClass::Unreadable
            }
            LoadError::NotElf { .. }
            | LoadError::NotAProvider { .. }
            | LoadError::Incompatible { .. }
            | LoadError::RiskyInProcess { .. } => LoadFailureClass::NotLoadable,
            LoadError::HashMismatch { .. }
            | LoadError::LoadTimedOut { .. }
            | LoadError::LoaderStuck { .. }
            | LoadError::Dlopen { .. }
            | LoadError::MissingSymbol { .. }
            | LoadError::Seal { .. }
            | LoadError::NullProvider { .. } => LoadFailureClass::LoadFailed,
        };
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        LoadFailure {
            class,
            message,
            hint: err.hint(),
        }
    }
}

/// What a successful load reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadInfo {
    /// SHA-256 of the bytes loaded (empty when the host hashes per creation, as Symphony's).
    pub sha256: String,
    /// Whether the hash was checked (not `any`).
    pub hash_checked: bool,
}

/// Why a library could not be made ready for calls: the loader refused it, or the process
/// loading it died (a supervised worker).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreloadError {
    /// The loader refused the library.
    #[error("{0}")]
    Load(LoadFailure),
    /// Loading it killed or hung the process that tried.
    #[error("{0}")]
    Call(crate::engine::CallError),
}

/// A provider factory that can load a binding's library ahead of the first call, so a
/// command can report the load on its own (`load`, `check`).
pub trait PreloadFactory: crate::engine::ProviderFactory {
    /// Loads (and hash-checks) the library `config` names.
    fn preload(&mut self, config: &crate::model::BindingConfig) -> Result<LoadInfo, PreloadError>;
}

impl LoadFailureClass {
    /// The exit code of a load failure of this class, the same in every command.
    pub fn exit_code(self) -> i32 {
        match self {
            LoadFailureClass::Unreadable => crate::exit_code::ERROR,
            LoadFailureClass::NotLoadable => crate::exit_code::INCOMPATIBLE,
            LoadFailureClass::LoadFailed => crate::exit_code::LOAD_FAILED,
        }
    }
}

impl crate::errors::Explain for LoadError {
    fn exit_code(&self) -> i32 {
        LoadFailure::from_load_error(self).class.exit_code()
    }

    fn hint(&self) -> Option<String> {
        LoadError::hint(self)
    }
}

impl crate::errors::Explain for LoadFailure {
    fn exit_code(&self) -> i32 {
        self.class.exit_code()
    }

    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}
