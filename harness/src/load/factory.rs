//! A [`ProviderFactory`] that creates providers in this process, as Symphony's host does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::file::FileKey;
use super::{
    capture, ExpectedHash, HostArguments, InProcessProvider, LoadError, LoadFailure, LoadInfo,
    LoadOptions, LoadedLibrary, MarshalledConfig, Placement, PreloadError, PreloadFactory,
};
use crate::engine::{CallError, CallOutput, Provider, ProviderFactory};
use crate::model::BindingConfig;

/// Maps a binding's `libFile` (a path inside Symphony's container) to a path here.
pub type LibFileResolver = Box<dyn FnMut(&str) -> PathBuf + Send>;

/// Creates in-process providers from binding configs: reads `libFile` and `libHash` from the
/// config, checks the hash and calls `create_provider`, for every creation, as Symphony does.
///
/// A library is loaded once per file content: Symphony re-`dlopen`s the same path and keeps
/// running the first image even after the file was replaced; this factory notices a rebuilt
/// file and loads the new bytes. It looks at the file when it first loads it and again at the
/// start of a reconcile round ([`ProviderFactory::round_started`]) once
/// [`InProcessFactory::recheck_after`] has passed since it last looked (a `stat` per round
/// would be a tenth of a round's time), not on every creation.
pub struct InProcessFactory {
    resolve: LibFileResolver,
    force: bool,
    loaded: HashMap<PathBuf, Loaded>,
    /// The least time between two looks at a loaded library's file.
    recheck: Duration,
    /// When the files were last marked for a look.
    rechecked_at: Option<Instant>,
    /// The last config marshalled: Symphony creates every provider of a binding from the
    /// same one.
    marshalled: Option<MarshalledConfig>,
    /// Shared by the providers this factory creates.
    arguments: Arc<Mutex<HostArguments>>,
    /// What the library printed during the last `create_provider`.
    created_output: CallOutput,
    /// Capture what providers print ([`ProviderFactory::output_wanted`]; on unless told).
    capture: bool,
    /// The deadline of each `dlopen` ([`InProcessFactory::load_timeout`]); `None`: none.
    load_timeout: Option<Duration>,
}

/// The default [`InProcessFactory::recheck_after`].
pub const DEFAULT_RECHECK: Duration = Duration::from_millis(100);

/// A library this factory loaded, and the file it came from.
struct Loaded {
    key: FileKey,
    library: Arc<LoadedLibrary>,
    /// The file was checked since the round started: it is taken as unchanged.
    checked: bool,
}

impl std::fmt::Debug for InProcessFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessFactory")
            .field("force", &self.force)
            .field("loaded", &self.loaded.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl InProcessFactory {
    /// A factory that takes `libFile` paths as they are.
    pub fn new() -> InProcessFactory {
        InProcessFactory::with_resolver(Box::new(|lib_file: &str| PathBuf::from(lib_file)))
    }

    /// A factory that maps each `libFile` through `resolve` first.
    pub fn with_resolver(resolve: LibFileResolver) -> InProcessFactory {
        InProcessFactory {
            resolve,
            force: false,
            loaded: HashMap::new(),
            recheck: DEFAULT_RECHECK,
            rechecked_at: None,
            marshalled: None,
            arguments: Arc::default(),
            created_output: CallOutput::default(),
            capture: true,
            load_timeout: None,
        }
    }

    /// Gives each load (`dlopen`, where the library's initialisers run) at most `limit`; one
    /// that overruns it fails with [`LoadError::LoadTimedOut`] and leaves this process unable
    /// to load again ([`super::stuck_load`]). Without it a load may take for ever.
    pub fn load_timeout(mut self, limit: Duration) -> InProcessFactory {
        self.load_timeout = Some(limit);
        self
    }

    /// Looks at a loaded library's file again (to notice a rebuild) at the start of a round
    /// only once `interval` has passed since the last look; zero looks every round.
    pub fn recheck_after(mut self, interval: Duration) -> InProcessFactory {
        self.recheck = interval;
        self
    }

    /// Load libraries the inspector judges incompatible, or risky for this process (a custom
    /// global allocator, another rustc: `inspect::in_process_hazards`), too. Without it such a
    /// library is refused with [`LoadError::RiskyInProcess`].
    pub fn force(mut self, force: bool) -> InProcessFactory {
        self.force = force;
        self
    }

    fn library(&mut self, path: PathBuf) -> Result<Arc<LoadedLibrary>, LoadError> {
        if let Some(loaded) = self.loaded.get(&path) {
            if loaded.checked {
                return Ok(Arc::clone(&loaded.library));
            }
        }
        let key = FileKey::of(&path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        if let Some(loaded) = self.loaded.get_mut(&path) {
            if loaded.key == key {
                loaded.checked = true;
                return Ok(Arc::clone(&loaded.library));
            }
        }
        let options = LoadOptions {
            expected_hash: ExpectedHash::Any,
            force: self.force,
            placement: Placement::InProcess,
        };
        let library = LoadedLibrary::open_path_within(&path, &options, self.load_timeout)?;
        self.loaded.insert(
            path,
            Loaded {
                key,
                library: Arc::clone(&library),
                checked: true,
            },
        );
        Ok(library)
    }
}

impl Default for InProcessFactory {
    fn default() -> Self {
        InProcessFactory::new()
    }
}

fn no_provider(err: impl std::fmt::Display) -> CallError {
    CallError::NullProvider {
        reason: err.to_string(),
    }
}

impl InProcessFactory {
    /// The library `config` names, loaded, with its hash checked against `libHash`.
    fn checked_library(
        &mut self,
        config: &BindingConfig,
    ) -> Result<(Arc<LoadedLibrary>, bool), LoadError> {
        // Since Symphony #812 a missing `libFile`/`libHash` is no Go error: the host's hash
        // check and load fail on the empty string instead.
        let path = (self.resolve)(config.get("libFile").unwrap_or(""));
        let library = self.library(path)?;
        match ExpectedHash::parse(config.get("libHash").unwrap_or("")) {
            ExpectedHash::Any => {
                tracing::debug!(path = %library.path().display(), "libHash is `any`: hash check skipped");
                Ok((library, false))
            }
            ExpectedHash::Sha256(expected) if expected != library.sha256() => {
                Err(LoadError::HashMismatch {
                    path: library.path().to_path_buf(),
                    expected,
                    found: library.sha256().to_string(),
                })
            }
            ExpectedHash::Sha256(_) => Ok((library, true)),
        }
    }
}

impl ProviderFactory for InProcessFactory {
    fn round_started(&mut self) {
        let now = Instant::now();
        let due = self
            .rechecked_at
            .is_none_or(|at| now.saturating_duration_since(at) >= self.recheck);
        if due {
            self.rechecked_at = Some(now);
            for loaded in self.loaded.values_mut() {
                loaded.checked = false;
            }
        }
    }

    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        self.created_output = CallOutput::default();
        let (library, _) = self.checked_library(config).map_err(no_provider)?;
        let marshalled = match self.marshalled.take() {
            Some(known) if known.is_of(config) => known,
            _ => MarshalledConfig::new(config).map_err(no_provider)?,
        };
        let provider = if self.capture {
            let (provider, output) =
                capture::around(|| InProcessProvider::create_from(&library, &marshalled));
            self.created_output = output;
            provider
        } else {
            InProcessProvider::create_from(&library, &marshalled)
        };
        self.marshalled = Some(marshalled);
        let provider = provider.map_err(no_provider)?;
        Ok(Box::new(
            provider
                .share_arguments(Arc::clone(&self.arguments))
                .capture_output(self.capture),
        ))
    }

    fn output_wanted(&mut self, wanted: bool) {
        self.capture = wanted;
    }

    fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.created_output)
    }
}

impl PreloadFactory for InProcessFactory {
    fn preload(&mut self, config: &BindingConfig) -> Result<LoadInfo, PreloadError> {
        let (library, hash_checked) = self
            .checked_library(config)
            .map_err(|err| PreloadError::Load(LoadFailure::from_load_error(&err)))?;
        Ok(LoadInfo {
            sha256: library.sha256().to_string(),
            hash_checked,
        })
    }
}
