//! Building what the test API runs: the `cdylib` of the crate under test, and the harness's
//! own binary, whose hidden `__worker` subcommand runs provider calls in supervised worker
//! processes.
//!
//! Both are built with `$CARGO build --message-format=json-render-diagnostics` into
//! `<the crate's target dir>/symphony-harness`, a target directory of their own: the outer
//! `cargo test` may hold the lock of the normal one for as long as the tests run. The file
//! built is read from cargo's `compiler-artifact` message, never guessed from names. Cargo
//! decides whether anything is stale; each is built at most once per test process.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::TestingError;

/// The cargo that runs the tests (`$CARGO`), else `cargo` on the `PATH`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// A command line in words, for errors.
fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command`, giving its stdout; a failure carries what cargo said on stderr.
fn output_of(mut command: Command) -> Result<String, TestingError> {
    // The outer `cargo test`'s choice of target directory is not this build's.
    command.env_remove("CARGO_TARGET_DIR");
    stdout_of(command)
}

/// Runs `command` as it is, giving its stdout; a failure carries what it said on stderr.
fn stdout_of(mut command: Command) -> Result<String, TestingError> {
    let line = shown(&command);
    let output = command.output().map_err(|source| TestingError::Cargo {
        command: line.clone(),
        source,
    })?;
    if !output.status.success() {
        return Err(TestingError::Build {
            command: line,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The target directory of the package at `manifest`, as `cargo metadata` reports it (a
/// workspace member's is the workspace's; `CARGO_TARGET_DIR` and `.cargo/config.toml` count).
pub(super) fn target_dir(manifest: &Path) -> Result<PathBuf, TestingError> {
    let mut command = Command::new(cargo());
    command
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(manifest);
    let line = shown(&command);
    // `cargo metadata` honours `CARGO_TARGET_DIR`, which is the user's to set: keep it.
    let stdout = stdout_of(command)?;
    let metadata: Value =
        serde_json::from_str(&stdout).map_err(|err| TestingError::CargoOutput {
            command: line.clone(),
            detail: err.to_string(),
        })?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or(TestingError::CargoOutput {
            command: line,
            detail: "no `target_directory`".to_string(),
        })
}

/// What one `compiler-artifact` message says about a target.
struct Artifact {
    manifest: PathBuf,
    crate_types: Vec<String>,
    name: String,
    filenames: Vec<PathBuf>,
    executable: Option<PathBuf>,
}

/// The `compiler-artifact` messages of cargo's JSON output (one JSON object a line).
fn artifacts(stdout: &str) -> Vec<Artifact> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .map(|message| {
            let strings = |value: &Value| -> Vec<String> {
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            };
            Artifact {
                manifest: PathBuf::from(message["manifest_path"].as_str().unwrap_or("")),
                crate_types: strings(&message["target"]["crate_types"]),
                name: message["target"]["name"].as_str().unwrap_or("").to_string(),
                filenames: strings(&message["filenames"])
                    .into_iter()
                    .map(PathBuf::from)
                    .collect(),
                executable: message["executable"].as_str().map(PathBuf::from),
            }
        })
        .collect()
}

/// Whether two paths name the same file (compared as given when one cannot be resolved).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Builds once per process: what `build` made for `key`, kept; a failure is not kept (the
/// next test tries again and reports its own error). Tests asking at once wait for the one
/// build rather than start cargo each.
fn once(
    key: PathBuf,
    build: impl FnOnce() -> Result<PathBuf, TestingError>,
) -> Result<PathBuf, TestingError> {
    static BUILT: Mutex<Option<HashMap<PathBuf, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(path) = built.get(&key) {
        return Ok(path.clone());
    }
    let path = build()?;
    built.insert(key, path.clone());
    Ok(path)
}

/// The `cdylib` of the package whose manifest is `manifest`, built (or found fresh) by
/// `cargo build --lib` into `<its target dir>/symphony-harness`.
pub(super) fn cdylib(manifest: &Path) -> Result<PathBuf, TestingError> {
    once(manifest.join("lib"), || {
        let target = target_dir(manifest)?.join("symphony-harness");
        let mut command = Command::new(cargo());
        command
            .args(["build", "--lib", "--message-format=json-render-diagnostics"])
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(&target);
        let stdout = output_of(command)?;
        artifacts(&stdout)
            .into_iter()
            .filter(|a| same_file(&a.manifest, manifest))
            .filter(|a| a.crate_types.iter().any(|t| t == "cdylib"))
            .flat_map(|a| a.filenames)
            .find(|file| file.extension().is_some_and(|ext| ext == "so"))
            .ok_or_else(|| TestingError::NoCdylib {
                manifest: manifest.to_path_buf(),
            })
    })
}

/// The `symphony-harness` binary built from the very source of this library (so worker and
/// supervisor speak the same protocol), into `<target_dir>/symphony-harness`.
pub(super) fn worker_program(target_dir: &Path) -> Result<PathBuf, TestingError> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    once(manifest.join("bin"), || {
        let mut command = Command::new(cargo());
        command
            .args([
                "build",
                "--bin",
                "symphony-harness",
                "--message-format=json-render-diagnostics",
            ])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(target_dir.join("symphony-harness"));
        let stdout = output_of(command)?;
        artifacts(&stdout)
            .into_iter()
            .filter(|a| a.name == "symphony-harness")
            .find_map(|a| a.executable)
            .ok_or(TestingError::NoWorker { manifest })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_are_read_from_cargos_messages_and_other_lines_are_ignored() {
        let stdout = concat!(
            "not json\n",
            r#"{"reason":"compiler-message","message":{}}"#,
            "\n",
            r#"{"reason":"compiler-artifact","manifest_path":"/w/p/Cargo.toml","target":{"name":"p","crate_types":["cdylib","rlib"]},"filenames":["/t/libp.so","/t/libp.rlib"],"executable":null,"fresh":true}"#,
            "\n",
            r#"{"reason":"compiler-artifact","manifest_path":"/w/h/Cargo.toml","target":{"name":"symphony-harness","crate_types":["bin"]},"filenames":["/t/symphony-harness"],"executable":"/t/symphony-harness"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        let found = artifacts(stdout);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].crate_types, ["cdylib", "rlib"]);
        assert_eq!(found[0].filenames[0], Path::new("/t/libp.so"));
        assert_eq!(found[0].executable, None);
        assert_eq!(
            found[1].executable.as_deref(),
            Some(Path::new("/t/symphony-harness"))
        );
    }

    #[test]
    fn a_build_is_kept_but_a_failure_is_not() {
        let key = PathBuf::from("/nowhere/a-build-is-kept/Cargo.toml");
        let failed = once(key.clone(), || {
            Err(TestingError::NoCdylib {
                manifest: key.clone(),
            })
        });
        assert!(failed.is_err());
        let built = once(key.clone(), || Ok(PathBuf::from("/t/first.so")));
        assert_eq!(built.unwrap(), Path::new("/t/first.so"));
        let again = once(key, || Ok(PathBuf::from("/t/second.so")));
        assert_eq!(again.unwrap(), Path::new("/t/first.so"));
    }

    #[test]
    fn a_failed_build_names_the_command_and_shows_cargos_words() {
        let mut command = Command::new(cargo());
        command.args(["build", "--manifest-path", "/nowhere/Cargo.toml"]);
        let err = output_of(command).expect_err("no such manifest");
        let TestingError::Build {
            command, stderr, ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(
            command.ends_with("build --manifest-path /nowhere/Cargo.toml"),
            "{command}"
        );
        assert!(stderr.contains("/nowhere/Cargo.toml"), "{stderr}");
    }
}
