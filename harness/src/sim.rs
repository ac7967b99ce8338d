//! The bundled simulated provider: where every command finds it, and the copy of it embedded
//! in this binary.
//!
//! Owns the lookup every command without a library uses ([`find`]): a path the user gave; else
//! `libsymphony_sim_provider.so` next to the executable, as `cargo build` leaves it; else the
//! copy `build.rs` embedded in the binary, written once to the cache folder by
//! [`materialize`]. Does not load the simulator (`load` does) or know its config keys
//! (`sim-provider/src/config.rs` does).
//!
//! The cache folder is `$SYMPHONY_HARNESS_CACHE`, else `$XDG_CACHE_HOME/symphony-harness`, else
//! `~/.cache/symphony-harness`; the library goes to `sim/<sha256>/libsymphony_sim_provider.so`.
//! A file already there is hashed before it is trusted, and a new one is written to a
//! temporary file and renamed into place, so concurrent first uses are safe. Why embed: an
//! installed binary (`cargo install`) has nothing next to it (`docs/install.md`).

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::load::{open_regular, sha256_hex};

/// The simulated provider's file name.
pub const LIBRARY_FILE: &str = "libsymphony_sim_provider.so";

/// The environment variable naming the cache folder.
pub const CACHE_VAR: &str = "SYMPHONY_HARNESS_CACHE";

/// The bytes `build.rs` left; empty when it embedded none.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libsymphony_sim_provider.so"));

/// Why none was embedded (`build.rs` sets it; empty when one was).
const NOT_EMBEDDED: &str = env!("SYMPHONY_HARNESS_SIM_NOT_EMBEDDED");

/// The simulated provider embedded in this binary, if it was built with one.
pub fn embedded() -> Option<&'static [u8]> {
    (!EMBEDDED.is_empty()).then_some(EMBEDDED)
}

/// The SHA-256 (lowercase hex) of the embedded simulated provider, computed on first use.
pub fn embedded_sha256() -> Option<&'static str> {
    static SHA256: OnceLock<String> = OnceLock::new();
    let bytes = embedded()?;
    // Hashing memory cannot fail.
    Some(SHA256.get_or_init(|| sha256_hex(bytes).unwrap_or_default()))
}

/// Where a simulator came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The user named it.
    Given,
    /// `libsymphony_sim_provider.so` next to the executable (a cargo build).
    NextToExecutable,
    /// The copy embedded in this binary, written to the cache folder.
    Embedded,
}

/// A simulated provider library on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulator {
    /// Its path.
    pub path: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// Why no simulated provider is available.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Nothing next to the executable and nothing embedded.
    #[error(
        "no simulated provider: no `{LIBRARY_FILE}` next to this executable (in `{}`), and \
         none embedded in it ({reason})",
        dir.display()
    )]
    Unavailable {
        /// The executable's folder.
        dir: PathBuf,
        /// Why the binary has none embedded.
        reason: String,
    },
    /// No cache folder can be named.
    #[error(
        "no cache folder for the simulated provider: none of `{CACHE_VAR}`, `XDG_CACHE_HOME` \
         or `HOME` is set"
    )]
    NoCacheDir,
    /// The cache could not be written.
    #[error("cannot write the simulated provider to `{}`", path.display())]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: io::Error,
    },
}

impl SimError {
    /// What the user can do about it, on a line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            SimError::Unavailable { .. } => Some(
                "name a provider library (LIB, or `--simulator` for `run` and `replay`); or \
                 build the simulator next to this binary with `cargo build -p \
                 symphony-sim-provider`; or install the harness without \
                 `SYMPHONY_HARNESS_NO_EMBEDDED_SIM`, which embeds it"
                    .into(),
            ),
            SimError::NoCacheDir | SimError::Write { .. } => {
                Some(format!("point `{CACHE_VAR}` at a folder you can write"))
            }
        }
    }
}

/// The simulated provider a command uses when the user names no library: `given`; else the
/// one next to the executable; else the embedded one, materialized.
pub fn find(given: Option<&Path>) -> Result<Simulator, SimError> {
    if let Some(path) = given {
        return Ok(Simulator {
            path: path.to_path_buf(),
            source: Source::Given,
        });
    }
    if let Some(path) = next_to_executable() {
        return Ok(Simulator {
            path,
            source: Source::NextToExecutable,
        });
    }
    materialize().map(|path| Simulator {
        path,
        source: Source::Embedded,
    })
}

/// `libsymphony_sim_provider.so` beside the executable, as `cargo build` leaves it: the binary
/// sits in `target/<profile>/`, as does the cdylib; test binaries sit in
/// `target/<profile>/deps/`.
pub fn next_to_executable() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join(LIBRARY_FILE), dir.join("..").join(LIBRARY_FILE)]
        .into_iter()
        .find(|candidate| candidate.is_file())
}

/// Writes the embedded simulated provider to the cache folder, unless a file with its
/// SHA-256 is there already, and returns its path.
pub fn materialize() -> Result<PathBuf, SimError> {
    let Some(bytes) = embedded() else {
        let dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        return Err(SimError::Unavailable {
            dir,
            reason: NOT_EMBEDDED.to_string(),
        });
    };
    let root = cache_dir(|name| std::env::var_os(name)).ok_or(SimError::NoCacheDir)?;
    let cached = materialize_in(&root, bytes)?;
    match &cached.state {
        Cached::Reused => {}
        Cached::Written => tracing::info!(
            "wrote the embedded simulated provider to `{}`",
            cached.path.display()
        ),
        Cached::Replaced { found } => tracing::warn!(
            "`{}` held other bytes ({found}), not the embedded simulated provider; rewrote it",
            cached.path.display()
        ),
    }
    Ok(cached.path)
}

/// The cache folder, from the environment as `var` reads it: `$SYMPHONY_HARNESS_CACHE`, else
/// `$XDG_CACHE_HOME/symphony-harness`, else `$HOME/.cache/symphony-harness`. Empty values
/// count as unset, and so does a relative `XDG_CACHE_HOME` (the XDG spec ignores it).
pub fn cache_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| {
        var(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(CACHE_VAR) {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        return Some(dir.join("symphony-harness"));
    }
    var("HOME").map(|home| home.join(".cache").join("symphony-harness"))
}

/// A library in the cache folder, and what [`materialize_in`] did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedLibrary {
    /// `<cache>/sim/<sha256>/libsymphony_sim_provider.so`.
    pub path: PathBuf,
    /// What was there before.
    pub state: Cached,
}

/// What [`materialize_in`] found in the cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The file was there with the right bytes: nothing written.
    Reused,
    /// There was no file: it was written.
    Written,
    /// The file held other bytes (or could not be read): it was written again.
    Replaced {
        /// What was found: the other bytes' SHA-256, or why they could not be read.
        found: String,
    },
}

/// Writes `bytes` to `<cache>/sim/<sha256>/libsymphony_sim_provider.so`, unless that file
/// already holds them. A new file is written beside it under a temporary name and renamed
/// over it, so a reader never sees a partial library and concurrent writers both succeed.
pub fn materialize_in(cache: &Path, bytes: &[u8]) -> Result<CachedLibrary, SimError> {
    // Hashing memory cannot fail.
    let sha256 = sha256_hex(bytes).unwrap_or_default();
    let dir = cache.join("sim").join(&sha256);
    let path = dir.join(LIBRARY_FILE);
    let state = match open_regular(&path).and_then(sha256_hex) {
        Ok(found) if found == sha256 => {
            return Ok(CachedLibrary {
                path,
                state: Cached::Reused,
            })
        }
        Ok(found) => Cached::Replaced {
            found: format!("SHA-256 {found}"),
        },
        Err(err) if err.kind() == io::ErrorKind::NotFound => Cached::Written,
        Err(err) => Cached::Replaced {
            found: err.to_string(),
        },
    };
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_error(&dir))?;
    let mut file = tempfile::Builder::new()
        .prefix(".libsymphony_sim_provider.")
        .suffix(".so.tmp")
        .tempfile_in(&dir)
        .map_err(write_error(&dir))?;
    file.write_all(bytes)
        .and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            file.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o755))
        })
        .and_then(|()| file.as_file().sync_all())
        .map_err(write_error(file.path()))?;
    file.persist(&path)
        .map_err(|err| write_error(&path)(err.error))?;
    Ok(CachedLibrary { path, state })
}

impl crate::errors::Explain for SimError {
    fn hint(&self) -> Option<String> {
        SimError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn cache_dir_prefers_the_harness_variable_then_xdg_then_home() {
        type Vars<'a> = &'a [(&'a str, &'a str)];
        let cases: [(&str, Vars, Option<&str>); 6] = [
            (
                "harness variable wins",
                &[(CACHE_VAR, "/c"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/h")],
                Some("/c"),
            ),
            (
                "xdg next",
                &[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")],
                Some("/x/symphony-harness"),
            ),
            (
                "home last",
                &[("HOME", "/h")],
                Some("/h/.cache/symphony-harness"),
            ),
            (
                "empty values are unset",
                &[(CACHE_VAR, ""), ("XDG_CACHE_HOME", ""), ("HOME", "/h")],
                Some("/h/.cache/symphony-harness"),
            ),
            (
                "relative xdg is ignored",
                &[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")],
                Some("/h/.cache/symphony-harness"),
            ),
            ("nothing set", &[], None),
        ];
        for (name, vars, expected) in cases {
            assert_eq!(cache_dir(env(vars)), expected.map(PathBuf::from), "{name}");
        }
    }

    #[test]
    fn materialize_writes_once_under_the_sha256_then_reuses() {
        let cache = tempfile::tempdir().unwrap();
        let bytes = b"not really a library";
        let sha = sha256_hex(&bytes[..]).unwrap();

        let first = materialize_in(cache.path(), bytes).unwrap();
        assert_eq!(first.state, Cached::Written);
        assert_eq!(
            first.path,
            cache.path().join("sim").join(&sha).join(LIBRARY_FILE)
        );
        assert_eq!(std::fs::read(&first.path).unwrap(), bytes);

        let second = materialize_in(cache.path(), bytes).unwrap();
        assert_eq!(second.state, Cached::Reused);
        assert_eq!(second.path, first.path);
        // Only the library is left: no temporary file.
        let names: Vec<_> = std::fs::read_dir(first.path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [LIBRARY_FILE]);
    }

    #[test]
    fn materialize_rewrites_a_tampered_file() {
        let cache = tempfile::tempdir().unwrap();
        let bytes = b"the real bytes";
        let path = materialize_in(cache.path(), bytes).unwrap().path;
        std::fs::write(&path, b"other bytes").unwrap();

        let again = materialize_in(cache.path(), bytes).unwrap();
        let other = sha256_hex(&b"other bytes"[..]).unwrap();
        assert_eq!(
            again.state,
            Cached::Replaced {
                found: format!("SHA-256 {other}")
            }
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn a_directory_in_the_way_is_a_write_error_naming_the_library_path() {
        let cache = tempfile::tempdir().unwrap();
        let bytes = b"library";
        let sha = sha256_hex(&bytes[..]).unwrap();
        let path = cache.path().join("sim").join(&sha).join(LIBRARY_FILE);
        std::fs::create_dir_all(path.join("inside")).unwrap();

        // A non-empty directory cannot be renamed over: the error names the path.
        let err = materialize_in(cache.path(), bytes).unwrap_err();
        assert!(
            matches!(&err, SimError::Write { path: p, .. } if *p == path),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(err.hint().unwrap().contains(CACHE_VAR));
    }

    #[test]
    fn an_unwritable_cache_is_a_write_error_naming_the_folder() {
        let cache = tempfile::tempdir().unwrap();
        // A file where the `sim` folder should be.
        std::fs::write(cache.path().join("sim"), b"").unwrap();
        let err = materialize_in(cache.path(), b"library").unwrap_err();
        assert!(matches!(err, SimError::Write { .. }), "{err:?}");
        assert!(err.to_string().contains("sim"), "{err}");
    }

    #[test]
    fn the_embedded_simulator_is_a_library_or_the_build_says_why_not() {
        match embedded() {
            Some(bytes) => assert_eq!(&bytes[..4], b"\x7fELF"),
            None => assert!(!NOT_EMBEDDED.is_empty()),
        }
    }
}
