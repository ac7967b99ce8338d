//! Calls through the `symphony` crate's own host functions, exactly as Symphony's Go side
//! does through cgo: `create_provider_instance(libFile, libHash, config_json)`, then `get`,
//! `apply` and `get_validation_rule` with JSON strings.
//!
//! Bit for bit what Symphony runs, including its failure behaviour: a provider's `Err` comes
//! back as NULL with the message lost (Go then reports a fixed text), a failed
//! `get_validation_rule` silently becomes the zero rule, and input the host cannot parse
//! aborts the process. Handles are never destroyed, as in Symphony.

use std::collections::{BTreeMap, HashSet};
use std::ffi::{c_char, CString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
use serde::Serialize;
use symphony::ProviderHandle;

use super::{
    capture, deadline, open_regular, sha256_hex, ExpectedHash, LibFileResolver, LibraryFile,
    LoadError, LoadFailure, LoadInfo, Placement, PreloadError, PreloadFactory,
};
use crate::engine::{CallError, CallOutput, Provider, ProviderFactory};
use crate::inspect::{in_process_hazards, Fingerprint, HostToolchain, Verdict, VerdictLevel};
use crate::model::{
    go_json, BindingConfig, CallDeployment, ComponentResult, ComponentSpec, ComponentStep,
    DeploymentStep, ValidationRule,
};

/// What Go reports when `get` returns NULL (`providers/target/rust/rust.go`; the text is
/// misleading, the provider's own message is only in the host's debug log).
pub const GO_GET_FAILED: &str = "failed to marshal reference";
/// What Go reports when `apply` returns NULL (sic: the typo is Symphony's).
pub const GO_APPLY_FAILED: &str = "failed to apply deployment ste";

/// The error of a call that returned NULL through Symphony's host: the provider returned
/// `Err`, and all Symphony says is its own Go text (the provider's message is lost there).
fn as_symphony_reports(go_text: &str) -> CallError {
    CallError::Error {
        message: format!(
            "Symphony reports only its own text `{go_text}` (the provider's message is lost in \
             Symphony's host; what the provider printed is shown with the call)"
        ),
    }
}

/// One provider created by the `symphony` host's `create_provider_instance`. Never destroyed.
#[derive(Debug)]
pub struct SymphonyHost {
    handle: *mut ProviderHandle,
    /// Capture what calls print (made by [`SymphonyHost::create_captured`]).
    capture: bool,
    /// What the last call printed, the host shim's lines apart.
    output: CallOutput,
}

/// What Symphony's Rust host shim (`symphony` 0.1.5 `src/lib.rs`) logs through `tracing`:
/// a line holding one of these and a level word is the host's, not the provider's.
const HOST_MESSAGES: &[&str] = &[
    "expected hash value: ",
    "Validation of shared library's hash value has been disabled!",
    "Path to shared library is not valid UTF-8",
    "Hash value is not valid UTF-8",
    "Hash validation failed: ",
    "Failed to load provider library [",
    "does not contain required symbol: create_provider",
    "Error: create_provider returned null pointer",
    "Error getting components: ",
    "Error applying changes: ",
];

/// `tracing`'s level words, as its `fmt` layer writes them.
const LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// `text` without ANSI colour sequences (`ESC [ … m`).
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// True for a line Symphony's host shim logged (best effort: by its text).
fn is_host_line(line: &str) -> bool {
    let plain = without_colours(line);
    HOST_MESSAGES.iter().any(|message| plain.contains(message))
        && LEVELS.iter().any(|level| plain.contains(level))
}

/// Moves the lines Symphony's host shim logged (to stdout, where its own `tracing` subscriber
/// writes, or to stderr, where the harness's does) from the provider's streams into
/// [`CallOutput::host`], so they are not taken for what the provider said.
pub fn split_host_lines(output: CallOutput) -> CallOutput {
    let mut host = output.host;
    let mut keep = |text: String| -> String {
        let mut own = String::new();
        for line in text.split_inclusive('\n') {
            if is_host_line(line) {
                host.push_str(line);
            } else {
                own.push_str(line);
            }
        }
        own
    };
    let stdout = keep(output.stdout);
    let stderr = keep(output.stderr);
    CallOutput {
        stdout,
        stderr,
        host,
    }
}

fn c_string(what: &str, text: &str) -> Result<CString, CallError> {
    CString::new(text).map_err(|_| CallError::HostWouldAbort {
        reason: format!("the {what} holds a NUL byte"),
    })
}

/// Takes ownership of a host-allocated result string. `None` for NULL.
///
/// # Safety
///
/// `ptr` must be NULL or a pointer returned by one of the host's functions
/// (`CString::into_raw` in the same `symphony` crate linked into this binary), not yet freed.
unsafe fn take_result(ptr: *mut c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: per this function's contract the pointer came from `CString::into_raw` of the
    // host linked into this binary, so `from_raw` frees it with the matching allocator.
    let owned = unsafe { CString::from_raw(ptr) };
    Some(owned.to_string_lossy().into_owned())
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, CallError> {
    go_json::to_string(value).map_err(|err| CallError::HostWouldAbort {
        reason: err.to_string(),
    })
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CallError> {
    serde_json::from_str(text).map_err(|err| CallError::InvalidResult {
        reason: err.to_string(),
    })
}

impl SymphonyHost {
    /// `create_provider_instance(lib_file, lib_hash, config_json)`: hash check (`any` skips
    /// it), `dlopen` of the path, `create_provider`. NULL for any failure, as in Symphony.
    /// Its calls run with the process's own streams.
    pub fn create(lib_file: &str, lib_hash: &str, config_json: &str) -> Result<Self, CallError> {
        Self::open(lib_file, lib_hash, config_json, false).0
    }

    /// [`SymphonyHost::create`], and what the host and the library printed meanwhile; the
    /// host's calls capture what they print too (see [`capture`]), for
    /// [`Provider::take_output`].
    pub fn create_captured(
        lib_file: &str,
        lib_hash: &str,
        config_json: &str,
    ) -> (Result<Self, CallError>, CallOutput) {
        Self::open(lib_file, lib_hash, config_json, true)
    }

    /// `create_provider_instance`, capturing what is printed when `capture`.
    fn open(
        lib_file: &str,
        lib_hash: &str,
        config_json: &str,
        capture: bool,
    ) -> (Result<Self, CallError>, CallOutput) {
        let strings = (|| {
            Ok::<_, CallError>((
                c_string("libFile", lib_file)?,
                c_string("libHash", lib_hash)?,
                c_string("config", config_json)?,
            ))
        })();
        let (path, hash, config) = match strings {
            Ok(strings) => strings,
            Err(err) => return (Err(err), CallOutput::default()),
        };
        let create = || {
            // SAFETY: the three pointers are valid NUL-terminated strings that outlive the
            // call; the host copies what it keeps. Loading runs the library's code, which is
            // what the caller asked for.
            unsafe {
                symphony::create_provider_instance(path.as_ptr(), hash.as_ptr(), config.as_ptr())
            }
        };
        let (handle, output) = if capture {
            let (handle, output) = capture::around(create);
            (handle, split_host_lines(output))
        } else {
            (create(), CallOutput::default())
        };
        if handle.is_null() {
            let err = CallError::NullProvider {
                reason: "create_provider_instance returned NULL (Symphony: InitFailed; the \
                         reason is only in the host's log: hash mismatch, dlopen failure, no \
                         `create_provider`, or NULL from it)"
                    .to_string(),
            };
            return (Err(err), output);
        }
        let host = SymphonyHost {
            handle,
            capture,
            output: CallOutput::default(),
        };
        (Ok(host), output)
    }

    /// Runs one host function with the output captured (kept for [`Provider::take_output`]).
    fn captured<T>(&mut self, call: impl FnOnce(*mut ProviderHandle) -> T) -> T {
        let handle = self.handle;
        if !self.capture {
            return call(handle);
        }
        let (value, output) = capture::around(|| call(handle));
        self.output = split_host_lines(output);
        value
    }

    /// `get_validation_rule(handle)`: the rule's JSON, or `None` for NULL.
    pub fn get_validation_rule_json(&mut self) -> Option<String> {
        self.captured(|handle| {
            // SAFETY: `handle` is a live handle from `create_provider_instance`, never
            // destroyed.
            unsafe { take_result(symphony::get_validation_rule(handle)) }
        })
    }

    /// `get(handle, deployment, references)`: the components' JSON, or `None` for NULL.
    /// Input the host cannot parse aborts the process, as in Symphony.
    pub fn get_json(
        &mut self,
        deployment: &str,
        references: &str,
    ) -> Result<Option<String>, CallError> {
        let deployment = c_string("deployment", deployment)?;
        let references = c_string("references", references)?;
        Ok(self.captured(|handle| {
            // SAFETY: a live handle and two valid NUL-terminated strings that outlive the
            // call.
            unsafe {
                take_result(symphony::get(
                    handle,
                    deployment.as_ptr(),
                    references.as_ptr(),
                ))
            }
        }))
    }

    /// `apply(handle, deployment, step, is_dry_run)`: the result map's JSON, or `None`.
    pub fn apply_json(
        &mut self,
        deployment: &str,
        step: &str,
        dry_run: bool,
    ) -> Result<Option<String>, CallError> {
        let deployment = c_string("deployment", deployment)?;
        let step = c_string("step", step)?;
        Ok(self.captured(|handle| {
            // SAFETY: a live handle and two valid NUL-terminated strings that outlive the
            // call.
            unsafe {
                take_result(symphony::apply(
                    handle,
                    deployment.as_ptr(),
                    step.as_ptr(),
                    i32::from(dry_run),
                ))
            }
        }))
    }
}

/// The call's whole deployment, as the JSON text Go would pass.
fn deployment_json(deployment: &CallDeployment<'_>) -> Result<String, CallError> {
    deployment
        .to_json()
        .map(|json| json.into_owned())
        .map_err(|err| CallError::HostWouldAbort {
            reason: format!("the deployment cannot be written as JSON: {err}"),
        })
}

impl Provider for SymphonyHost {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        self.output = CallOutput::default();
        // Go decodes "" on NULL, fails, and silently keeps the zero rule.
        match self.get_validation_rule_json() {
            Some(text) => decode(&text),
            None => Ok(ValidationRule::zero()),
        }
    }

    fn get(
        &mut self,
        deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        self.output = CallOutput::default();
        match self.get_json(&deployment_json(deployment)?, &to_json(references)?)? {
            Some(text) => decode(&text),
            None => Err(as_symphony_reports(GO_GET_FAILED)),
        }
    }

    fn apply(
        &mut self,
        deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        self.output = CallOutput::default();
        match self.apply_json(&deployment_json(deployment)?, &to_json(step)?, dry_run)? {
            Some(text) => decode(&text),
            None => Err(as_symphony_reports(GO_APPLY_FAILED)),
        }
    }

    fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.output)
    }
}

/// Loads the library at `path` as the host's first `create_provider_instance` would (its hash
/// check, then `dlopen` of the path, `RTLD_LAZY | RTLD_LOCAL`), so that the library's
/// initialisers run here, within `limit`, instead of inside that first creation, which has a
/// call's deadline. The host's own `dlopen` of the path then finds the library loaded, as
/// later creations in Symphony do; it stays loaded (Symphony never unloads one either).
///
/// Loads nothing where the host would not: a file it cannot hash, or whose hash is not
/// `lib_hash` (the creation then fails as Symphony's does); a `dlopen` failure is left to
/// the creation to report too. `Err` only for a load that overran `limit`, or one refused
/// because an earlier load never finished ([`super::stuck_load`]).
pub fn preload_path(path: &Path, lib_hash: &str, limit: Option<Duration>) -> Result<(), LoadError> {
    if let ExpectedHash::Sha256(expected) = ExpectedHash::parse(lib_hash) {
        match open_regular(path).and_then(sha256_hex) {
            Ok(found) if found == expected => {}
            _ => return Ok(()),
        }
    }
    let file = path.to_path_buf();
    deadline::within(path, limit, move || {
        // SAFETY: `dlopen` of the path runs the library's initialisers in this process, as
        // the host's `create_provider_instance` is about to (the caller creates a provider
        // from this library next); its hash is the one the binding names, as the host checks.
        // The handle is never closed, so nothing it maps is ever unmapped.
        if let Ok(library) = unsafe { Library::open(Some(&file), RTLD_LAZY | RTLD_LOCAL) } {
            std::mem::forget(library);
        }
        Ok(())
    })
}

/// Creates [`SymphonyHost`] providers from binding configs, as Symphony's Go side does.
///
/// The providers run in this process, so, unlike Symphony, it first reads the library and
/// refuses one with [`in_process_hazards`] (a custom global allocator, another rustc) unless
/// forced ([`SymphonyHostFactory::force`]). That look is by path, like everything in this
/// mode: the host then hashes and loads the path again itself, as Symphony's does.
pub struct SymphonyHostFactory {
    resolve: LibFileResolver,
    force: bool,
    /// What the last `create_provider_instance` printed.
    created_output: CallOutput,
    /// The deadline of loading a library ([`preload_path`]); `None`: none.
    load_timeout: Option<Duration>,
    /// The libraries [`preload_path`] has loaded.
    preloaded: HashSet<PathBuf>,
}

impl std::fmt::Debug for SymphonyHostFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymphonyHostFactory")
            .field("force", &self.force)
            .finish_non_exhaustive()
    }
}

impl SymphonyHostFactory {
    /// A factory that maps each `libFile` through `resolve` first.
    pub fn with_resolver(resolve: LibFileResolver) -> Self {
        SymphonyHostFactory {
            resolve,
            force: false,
            created_output: CallOutput::default(),
            load_timeout: None,
            preloaded: HashSet::new(),
        }
    }

    /// Gives loading each library (its initialisers, [`preload_path`]) at most `limit`.
    pub fn load_timeout(mut self, limit: Duration) -> Self {
        self.load_timeout = Some(limit);
        self
    }

    /// Loads `path` ahead of its first creation ([`preload_path`]), once.
    fn preload_once(&mut self, path: &Path, lib_hash: &str) -> Result<(), LoadError> {
        if !self.preloaded.contains(path) {
            preload_path(path, lib_hash, self.load_timeout)?;
            self.preloaded.insert(path.to_path_buf());
        }
        Ok(())
    }

    /// Load libraries that are risky for this process too (see [`in_process_hazards`]).
    /// Without it such a library is refused with [`LoadError::RiskyInProcess`].
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Refuses, unless forced, a library the harness's loader refuses in this process: one
    /// the inspector judges incompatible (the old ABI of `symphony` 0.1.1 to 0.1.3, another
    /// architecture) or not a provider, and one with [`in_process_hazards`] (a custom global
    /// allocator, another rustc). A file that cannot be read or is not ELF passes: the host
    /// fails on it as Symphony's does.
    fn refuse_risky(&self, path: &Path) -> Result<(), LoadError> {
        if self.force {
            return Ok(());
        }
        let Ok(file) = LibraryFile::open(path) else {
            return Ok(());
        };
        let Ok(fingerprint) = Fingerprint::from_bytes(file.bytes()) else {
            return Ok(());
        };
        let host = HostToolchain::current();
        let verdict = Verdict::judge(&fingerprint, &host);
        match verdict.level {
            VerdictLevel::NotAProvider => {
                return Err(LoadError::NotAProvider {
                    path: path.to_path_buf(),
                    reasons: verdict.reasons,
                })
            }
            VerdictLevel::Incompatible => {
                return Err(LoadError::Incompatible {
                    path: path.to_path_buf(),
                    reasons: verdict.reasons,
                })
            }
            VerdictLevel::Compatible | VerdictLevel::Risky => {}
        }
        let hazards = in_process_hazards(&fingerprint, &host);
        if hazards.is_empty() {
            Ok(())
        } else {
            Err(LoadError::RiskyInProcess {
                path: path.to_path_buf(),
                reasons: hazards,
            })
        }
    }
}

impl ProviderFactory for SymphonyHostFactory {
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        self.created_output = CallOutput::default();
        // Since Symphony #812 a missing libFile/libHash is not a Go error: the host's hash
        // check fails on the empty string instead.
        let lib_file: PathBuf = (self.resolve)(config.get("libFile").unwrap_or(""));
        self.refuse_risky(&lib_file)
            .map_err(|err| CallError::NullProvider {
                reason: err.to_string(),
            })?;
        let lib_hash = config.get("libHash").unwrap_or("");
        // What the library's initialisers print is the creation's, as in Symphony.
        let (preloaded, loading) = capture::around(|| self.preload_once(&lib_file, lib_hash));
        self.created_output = split_host_lines(loading);
        preloaded.map_err(|err| match err {
            LoadError::LoadTimedOut { limit, .. } => CallError::Timeout {
                after_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
            },
            other => CallError::NullProvider {
                reason: other.to_string(),
            },
        })?;
        let (host, output) =
            SymphonyHost::create_captured(&lib_file.to_string_lossy(), lib_hash, &config.to_json());
        self.created_output.stdout.push_str(&output.stdout);
        self.created_output.stderr.push_str(&output.stderr);
        self.created_output.host.push_str(&output.host);
        Ok(Box::new(host?))
    }

    fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.created_output)
    }
}

impl PreloadFactory for SymphonyHostFactory {
    /// Symphony hashes and loads on every creation; this judges the file as the harness's
    /// loader does and loads it as the first creation would ([`preload_path`]), within the
    /// load deadline.
    fn preload(&mut self, config: &BindingConfig) -> Result<LoadInfo, PreloadError> {
        let path = (self.resolve)(config.get("libFile").unwrap_or(""));
        let failed = |err: LoadError| PreloadError::Load(LoadFailure::from_load_error(&err));
        LibraryFile::judge(&path, self.force, Placement::InProcess).map_err(failed)?;
        self.preload_once(&path, config.get("libHash").unwrap_or(""))
            .map_err(failed)?;
        Ok(LoadInfo {
            sha256: String::new(),
            hash_checked: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_shims_tracing_lines_are_the_hosts_and_the_rest_the_providers() {
        let output = CallOutput {
            // As the shim's own subscriber writes them in a worker (to stdout, coloured).
            stdout: "\u{1b}[2m2026-01-01T00:00:00Z\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m \
                     \u{1b}[2msymphony\u{1b}[0m\u{1b}[2m:\u{1b}[0m Validation of shared \
                     library's hash value has been disabled! Make sure that the shared \
                     library is what you expect it to be!\n\
                     mock: get called\n"
                .into(),
            // As the harness's subscriber writes them in-process (stderr, no target).
            stderr: "2026-01-01T00:00:00Z DEBUG Error getting components: boom\n\
                     provider: Validation of shared library's hash value has been disabled!\n"
                .into(),
            host: String::new(),
        };
        let split = split_host_lines(output);
        assert_eq!(split.stdout, "mock: get called\n");
        assert_eq!(
            split.stderr,
            "provider: Validation of shared library's hash value has been disabled!\n",
            "a line without a level word is the provider's own"
        );
        assert!(split.host.contains("WARN"), "{:?}", split.host);
        assert!(split
            .host
            .contains("DEBUG Error getting components: boom\n"));
        assert_eq!(split.host.lines().count(), 2);
    }
}
