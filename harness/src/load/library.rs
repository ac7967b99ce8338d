//! `dlopen` of the hashed file descriptor, and `create_provider`.

use std::ffi::{c_char, CString};
use std::fs::File;
use std::mem::ManuallyDrop;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
use symphony::ProviderWrapper;

use super::deadline;
use super::file::{sealed_copy, HashCheck, LibraryFile};
use super::{ExpectedHash, LoadError};
use crate::inspect::{in_process_hazards, Fingerprint, HostToolchain, Verdict, VerdictLevel};
use crate::model::BindingConfig;

/// The signature of a 0.1.4+ provider's entry point (`symphony` 0.1.4/0.1.5 host,
/// `create_provider_instance`).
type CreateProviderFn = unsafe extern "C" fn(config_json: *const c_char) -> *mut ProviderWrapper;

/// A library loaded into this process. Never unloaded.
pub struct LoadedLibrary {
    path: PathBuf,
    sha256: String,
    hash_check: HashCheck,
    fingerprint: Fingerprint,
    verdict: Verdict,
    forced: Vec<String>,
    /// The sealed memory file the image was loaded from. Never closed, even when this value
    /// is dropped: glibc matches already loaded objects by name first, and the image stays loaded
    /// for the life of the process, so its `/proc/self/fd/N` name must never be reused for
    /// another file.
    _file: ManuallyDrop<File>,
    /// Never closed: providers and their vtables point into the image, and Symphony never
    /// unloads a library either.
    library: ManuallyDrop<Library>,
    create_provider: CreateProviderFn,
}

impl std::fmt::Debug for LoadedLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedLibrary")
            .field("path", &self.path)
            .field("sha256", &self.sha256)
            .field("verdict", &self.verdict.level)
            .finish_non_exhaustive()
    }
}

/// Where a loaded library's code runs, which decides what the loader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A supervised worker process: a crash or a corrupted heap there is contained and
    /// classified, so a risky library loads.
    Worker,
    /// The harness's own process (`--in-process`, tests): a library with
    /// [`in_process_hazards`] is refused unless forced.
    InProcess,
}

/// How to load a library.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The binding's `libHash`.
    pub expected_hash: ExpectedHash,
    /// Load even when the inspector says incompatible, or risky for this process.
    pub force: bool,
    /// Where the library's code will run.
    pub placement: Placement,
}

/// A library file whose inspection allows loading it: the proof [`LoadedLibrary::open`] takes.
///
/// # Why loading it is a safe function
///
/// `dlopen` runs the file's initialisers in this process, and `create_provider` and the
/// provider calls trust that the file is a provider of the host's ABI: whether that is sound
/// depends on the file's contents, so no caller may load an arbitrary file. The only way to
/// get this value is [`LibraryFile::accept`], which checks the hash against `libHash`, reads
/// the fingerprint from the bytes (no code run) and refuses a file that is not a provider, an
/// incompatible one, and, for [`Placement::InProcess`], one with [`in_process_hazards`]. A
/// caller that forced past a refusal gets the value too, with the reasons it overrode in
/// [`AcceptedLibrary::forced`]: it accepted the risk knowingly. The bytes judged are the bytes
/// that will be mapped (a sealed memory file, see [`LibraryFile`]), so no change on disk can
/// slip past the judgement. A worker process also gets it for the sealed file its supervisor
/// judged this way ([`LoadedLibrary::open_handoff`]): the seals keep those bytes as judged.
///
/// What no inspection can tell remains the provider's own behaviour: a provider that is
/// buggy or malicious in its own code can still crash or corrupt the process; that is why
/// calls run in a worker by default.
#[derive(Debug)]
pub struct AcceptedLibrary {
    file: LibraryFile,
    /// A `memfd` holding the file's bytes, sealed against every change (`F_SEAL_WRITE`,
    /// `F_SEAL_SHRINK`, `F_SEAL_GROW`, `F_SEAL_SEAL`): what is `dlopen`ed.
    sealed: File,
    hash_check: HashCheck,
    fingerprint: Fingerprint,
    verdict: Verdict,
    forced: Vec<String>,
}

impl AcceptedLibrary {
    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The SHA-256 of the bytes that will be loaded.
    pub fn sha256(&self) -> &str {
        self.file.sha256()
    }

    /// What the inspector read from those bytes.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The inspector's verdict on them.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// The refusals `force` overrode, each with its reason; empty when nothing was forced.
    pub fn forced(&self) -> &[String] {
        &self.forced
    }

    /// Whether the hash was checked or skipped (`any`).
    pub fn hash_check(&self) -> HashCheck {
        self.hash_check
    }

    /// The size of the bytes that will be loaded.
    pub fn size(&self) -> u64 {
        self.file.size()
    }

    /// The sealed memory file holding them.
    pub(super) fn sealed(&self) -> &File {
        &self.sealed
    }

    /// The sealed memory file, kept instead of loaded (see `load::image`).
    pub(super) fn into_sealed(self) -> File {
        self.sealed
    }

    /// An image another process accepted: `file` without its bytes, which `sealed` holds,
    /// sealed for good (see `load::image`, which checks the seals first).
    pub(super) fn judged_elsewhere(
        file: LibraryFile,
        sealed: File,
        hash_check: HashCheck,
        fingerprint: Fingerprint,
        verdict: Verdict,
        forced: Vec<String>,
    ) -> AcceptedLibrary {
        AcceptedLibrary {
            file,
            sealed,
            hash_check,
            fingerprint,
            verdict,
            forced,
        }
    }
}

impl LibraryFile {
    /// Judges this file for loading as Symphony would, in order: hash check, inspection
    /// (refusing a file that is not a provider, an incompatible one unless `force`, and one
    /// with [`in_process_hazards`] for [`Placement::InProcess`] unless `force`); then copies
    /// the judged bytes into a sealed memory file, the one that will be loaded. Runs none of
    /// the library's code.
    pub fn accept(self, options: &LoadOptions) -> Result<AcceptedLibrary, LoadError> {
        let hash_check = self.verify(&options.expected_hash)?;
        let fingerprint = self.fingerprint().map_err(|source| LoadError::NotElf {
            path: self.path.clone(),
            source,
        })?;
        let host = HostToolchain::current();
        let verdict = Verdict::judge(&fingerprint, &host);
        let mut forced = Vec::new();
        match verdict.level {
            VerdictLevel::NotAProvider => {
                return Err(LoadError::NotAProvider {
                    path: self.path.clone(),
                    reasons: verdict.reasons,
                })
            }
            VerdictLevel::Incompatible if !options.force => {
                return Err(LoadError::Incompatible {
                    path: self.path.clone(),
                    reasons: verdict.reasons,
                })
            }
            VerdictLevel::Incompatible => forced.extend(
                verdict
                    .reasons
                    .iter()
                    .map(|reason| format!("incompatible: {reason}")),
            ),
            VerdictLevel::Compatible | VerdictLevel::Risky => {}
        }
        if options.placement == Placement::InProcess {
            let hazards = in_process_hazards(&fingerprint, &host);
            if !hazards.is_empty() && !options.force {
                return Err(LoadError::RiskyInProcess {
                    path: self.path.clone(),
                    reasons: hazards,
                });
            }
            forced.extend(
                hazards
                    .into_iter()
                    .map(|hazard| format!("risky in process: {hazard}")),
            );
        }
        let sealed = sealed_copy(&self.path, self.bytes()).map_err(|source| LoadError::Seal {
            path: self.path.clone(),
            source,
        })?;
        Ok(AcceptedLibrary {
            file: self,
            sealed,
            hash_check,
            fingerprint,
            verdict,
            forced,
        })
    }

    /// Why the loader refuses these bytes whatever the binding's hash and wherever they would
    /// load, as [`LibraryFile::accept`] judges them without `force`: not ELF, not a provider,
    /// or incompatible with this host. `None`: it would go on to load them. Runs none of the
    /// library's code.
    pub fn refusal(&self) -> Option<LoadError> {
        let fingerprint = match self.fingerprint() {
            Ok(fingerprint) => fingerprint,
            Err(source) => {
                return Some(LoadError::NotElf {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let verdict = Verdict::judge(&fingerprint, &HostToolchain::current());
        let path = self.path.clone();
        match verdict.level {
            VerdictLevel::NotAProvider => Some(LoadError::NotAProvider {
                path,
                reasons: verdict.reasons,
            }),
            VerdictLevel::Incompatible => Some(LoadError::Incompatible {
                path,
                reasons: verdict.reasons,
            }),
            VerdictLevel::Compatible | VerdictLevel::Risky => None,
        }
    }

    /// Judges the file at `path` as [`LibraryFile::accept`] does, without keeping it: for a
    /// host that loads the file itself (Symphony's own host functions hash and `dlopen` the
    /// path on every creation), so it refuses what the harness's loader refuses. The hash is
    /// not checked here: that host checks it on every creation.
    pub fn judge(path: &Path, force: bool, placement: Placement) -> Result<(), LoadError> {
        LibraryFile::open(path)?
            .accept(&LoadOptions {
                expected_hash: ExpectedHash::Any,
                force,
                placement,
            })
            .map(drop)
    }

    /// [`LibraryFile::accept`], then [`LoadedLibrary::open`]; refused at once after a load in
    /// this process overran its deadline ([`stuck_load`](super::stuck_load)).
    pub fn load(self, options: &LoadOptions) -> Result<Arc<LoadedLibrary>, LoadError> {
        self.load_within(options, None)
    }

    /// [`LibraryFile::load`], with the `dlopen` (the library's initialisers) on a loader
    /// thread waited for at most `limit`: an overrun is [`LoadError::LoadTimedOut`], and
    /// leaves this process unable to load again (see [`super::deadline`]).
    pub fn load_within(
        self,
        options: &LoadOptions,
        limit: Option<Duration>,
    ) -> Result<Arc<LoadedLibrary>, LoadError> {
        let accepted = self.accept(options)?;
        let path = accepted.path().to_path_buf();
        deadline::within(&path, limit, move || LoadedLibrary::open(accepted))
    }
}

impl LoadedLibrary {
    /// Loads an accepted library: `dlopen` of its sealed bytes, then
    /// `dlsym("create_provider")`. Runs the library's initialisers in this process; see
    /// [`AcceptedLibrary`] for why that is sound to offer as a safe function.
    pub fn open(accepted: AcceptedLibrary) -> Result<Arc<LoadedLibrary>, LoadError> {
        let AcceptedLibrary {
            file,
            sealed,
            hash_check,
            fingerprint,
            verdict,
            forced,
        } = accepted;
        let fd_path = format!("/proc/self/fd/{}", sealed.as_raw_fd());
        // SAFETY: `dlopen` maps the library and runs its ELF initialisers in this process.
        // That is the point of loading a provider, and the caller asked for it. The file was
        // accepted (`AcceptedLibrary`): a shared object for this architecture that exports
        // `create_provider`, with nothing known to break this process, or forced past those
        // checks by the caller. `fd_path` names the sealed memory file that `sealed` keeps
        // open, which holds the very bytes that were hashed and inspected and can no longer
        // change.
        let library =
            unsafe { Library::open(Some(&fd_path), RTLD_LAZY | RTLD_LOCAL) }.map_err(|err| {
                LoadError::Dlopen {
                    path: file.path.clone(),
                    message: loader_text(&err, &fd_path, &file.path),
                }
            })?;

        // SAFETY: the symbol is declared with the signature of the 0.1.4+ provider ABI, which
        // the inspector confirmed (no `init_provider` export), unless the caller forced an
        // incompatible library, in which case calling it is what the caller accepted. The
        // function pointer is copied out; it stays valid because the library is never closed.
        let create_provider: CreateProviderFn = unsafe {
            library
                .get::<CreateProviderFn>(b"create_provider\0")
                .map(|symbol| *symbol)
        }
        .map_err(|err| LoadError::MissingSymbol {
            path: file.path.clone(),
            message: loader_text(&err, &fd_path, &file.path),
        })?;

        let sha256 = file.sha256().to_string();
        Ok(Arc::new(LoadedLibrary {
            path: file.path,
            sha256,
            hash_check,
            fingerprint,
            verdict,
            forced,
            _file: ManuallyDrop::new(sealed),
            library: ManuallyDrop::new(library),
            create_provider,
        }))
    }
}

impl LoadedLibrary {
    /// Opens, checks and loads `path` in one go: [`LibraryFile::open`], then
    /// [`LibraryFile::load`].
    pub fn open_path(path: &Path, options: &LoadOptions) -> Result<Arc<LoadedLibrary>, LoadError> {
        LibraryFile::open(path)?.load(options)
    }

    /// [`LoadedLibrary::open_path`] with [`LibraryFile::load_within`]'s deadline.
    pub fn open_path_within(
        path: &Path,
        options: &LoadOptions,
        limit: Option<Duration>,
    ) -> Result<Arc<LoadedLibrary>, LoadError> {
        LibraryFile::open(path)?.load_within(options, limit)
    }

    /// The path it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SHA-256 of the bytes loaded.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether the hash was checked or skipped (`any`).
    pub fn hash_check(&self) -> HashCheck {
        self.hash_check
    }

    /// What the inspector read from the bytes loaded.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The inspector's verdict on them.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// The refusals `force` overrode to load it; empty when nothing was forced.
    pub fn forced(&self) -> &[String] {
        &self.forced
    }

    /// Looks up another exported function of the library, such as the simulated provider's
    /// device channel (`load::device`). The error is what the dynamic loader said.
    ///
    /// # Safety
    ///
    /// `F` must be a function pointer type with exactly the signature and ABI the symbol has;
    /// calling through a wrong type is undefined behaviour.
    pub(super) unsafe fn function<F: Copy>(&self, name: &str) -> Result<F, String> {
        let symbol = format!("{name}\0");
        // SAFETY: the caller guarantees `F` is the symbol's true type. The pointer is copied
        // out of the `Symbol`; it stays valid because the library is never closed.
        unsafe { self.library.get::<F>(symbol.as_bytes()) }
            .map(|found| *found)
            .map_err(|err| err.to_string())
    }

    /// Calls the library's `create_provider` with `config` and takes ownership of the
    /// `ProviderWrapper` it returns ([`super::InProcessProvider::create`] wraps its provider).
    pub(super) fn call_create_provider(
        &self,
        config: &MarshalledConfig,
    ) -> Result<Box<ProviderWrapper>, LoadError> {
        // SAFETY: `create_provider` has the 0.1.4+ signature (see `load`). `config.json` is a
        // valid NUL-terminated string that outlives the call, and, as in Symphony, the
        // provider must copy it rather than keep the pointer.
        let wrapper = unsafe { (self.create_provider)(config.json.as_ptr()) };
        if wrapper.is_null() {
            return Err(LoadError::NullProvider {
                path: self.path.clone(),
                config_json: config.json.to_string_lossy().into_owned(),
            });
        }
        // SAFETY: a non-NULL result is a `Box<ProviderWrapper>` leaked by the provider with
        // `Box::into_raw`, as the `symphony` ABI requires; we take ownership exactly once.
        // Both sides must use the system allocator and the same `ProviderWrapper` layout,
        // which is what the inspector's verdict is about.
        Ok(unsafe { Box::from_raw(wrapper) })
    }
}

/// A binding config marshalled as Symphony passes it to `create_provider`: Go's JSON, as a
/// C string.
#[derive(Debug, Clone, PartialEq)]
pub struct MarshalledConfig {
    config: BindingConfig,
    json: CString,
}

impl MarshalledConfig {
    /// Marshals `config`; a NUL byte in it cannot be passed as a C string.
    pub fn new(config: &BindingConfig) -> Result<MarshalledConfig, LoadError> {
        Ok(MarshalledConfig {
            json: CString::new(config.to_json()).map_err(|_| LoadError::ConfigHasNul)?,
            config: config.clone(),
        })
    }

    /// True when this is `config` marshalled.
    pub fn is_of(&self, config: &BindingConfig) -> bool {
        self.config == *config
    }
}

/// What the dynamic loader itself said (`dlerror()`), not libloading's summary ("dlopen
/// failed"), with the descriptor name it was given replaced by the library's path.
fn loader_text(err: &libloading::Error, fd_path: &str, path: &Path) -> String {
    let text = match std::error::Error::source(err) {
        Some(source) => source.to_string(),
        None => err.to_string(),
    };
    text.replace(fd_path, &path.display().to_string())
}

#[cfg(test)]
mod loader_text_tests {
    use super::*;

    #[test]
    fn a_dlopen_failure_keeps_the_loaders_own_words_and_the_real_path() {
        let missing = "/proc/self/fd/999999";
        // SAFETY: the path names no file, so `dlopen` maps nothing and runs no code.
        let err = unsafe { Library::open(Some(missing), RTLD_LAZY | RTLD_LOCAL) }
            .expect_err("nothing to open");
        let text = loader_text(&err, missing, Path::new("target/libp.so"));
        assert_ne!(text, "dlopen failed");
        assert!(
            text.contains("target/libp.so") && text.contains("cannot open shared object file"),
            "{text}"
        );
    }
}
