//! Building what the test API runs: the `cdylib` of the crate under test, and the harness's
//! own binary, whose hidden `__worker` subcommand runs provider calls in supervised worker
//! processes.
//!
//! Both come from one `$CARGO build` of the crate whose tests run, in the target folder and
//! profile its `cargo test` used (read from where the test binary is: `<target>/[<triple>/]
//! <profile>/deps/<test>-<hash>`), selecting the calling test's target too (`--test NAME`), so
//! Cargo resolves the features that test was built with: everything `cargo test` compiled is
//! fresh, the `cdylib` is there already, and the harness's binary links against the very
//! `symphony-harness` library the test uses. Nothing is built a second time. (The outer
//! `cargo test` holds no lock on its target folder while tests run.) Called from a test that is
//! not an integration test, or in the harness's own workspace, the harness's binary is built on
//! its own instead, into `<target>/symphony-harness`.
//!
//! Cargo's progress is passed through to stderr as it comes, straight to the file descriptor
//! (libtest's capture would hold it back until a failure, before the report); the file built is
//! read from cargo's `compiler-artifact` messages, never guessed from names. Each is built at
//! most once per test process.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::TestingError;

/// The harness's package, as `-p` names it.
const HARNESS: &str = "symphony-harness";

/// How many of cargo's last stderr lines a failed build's error keeps.
const KEPT_LINES: usize = 60;

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

/// Runs a `cargo build --message-format=json-render-diagnostics`, passing what cargo says on
/// stderr through to this process's stderr line by line, and gives its stdout (the JSON
/// messages); a failure carries cargo's last stderr lines.
fn build_streaming(command: Command) -> Result<String, TestingError> {
    // Not through `eprintln!`, which the test harness captures until a test fails.
    build_streaming_to(command, std::io::stderr())
}

/// [`build_streaming`], passing cargo's stderr to `progress`.
fn build_streaming_to(
    mut command: Command,
    mut progress: impl Write + Send + 'static,
) -> Result<String, TestingError> {
    if std::io::stderr().is_terminal() {
        command.arg("--color=always");
    }
    let line = shown(&command);
    // Progress that cannot be shown is no reason to stop the build.
    let _ = writeln!(progress, "symphony-harness: {line}");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TestingError::Cargo {
            command: line.clone(),
            source,
        })?;
    let stderr = child.stderr.take();
    let relay = std::thread::spawn(move || relay_stderr(stderr, progress));
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        // A read that fails leaves what was read: the artifacts are then missing, and said so.
        let _ = out.read_to_string(&mut stdout);
    }
    let status = child.wait().map_err(|source| TestingError::Cargo {
        command: line.clone(),
        source,
    })?;
    let said = relay.join().unwrap_or_default();
    if !status.success() {
        return Err(TestingError::Build {
            command: line,
            status: status.to_string(),
            stderr: said,
        });
    }
    Ok(stdout)
}

/// Copies `stderr` to `progress` as lines come; gives the last [`KEPT_LINES`] lines without
/// styles.
fn relay_stderr(stderr: Option<std::process::ChildStderr>, mut progress: impl Write) -> String {
    let Some(stderr) = stderr else {
        return String::new();
    };
    let mut kept = std::collections::VecDeque::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        // Progress that cannot be shown is no reason to stop the build.
        let _ = writeln!(progress, "{line}");
        if kept.len() == KEPT_LINES {
            kept.pop_front();
        }
        kept.push_back(anstream::adapter::strip_str(&line).to_string());
    }
    Vec::from(kept).join("\n")
}

/// Where the running test binary was built: `<target>/[<triple>/]<profile dir>/deps/<exe>`,
/// the target folder known by cargo's `CACHEDIR.TAG` in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TestBuild {
    target_dir: PathBuf,
    triple: Option<String>,
    /// The profile's folder: `debug` (dev and test), `release` (release and bench), or a
    /// custom profile's name.
    profile_dir: String,
    /// The test target's name as in file names (`-` as `_`), without cargo's hash.
    test_stem: String,
}

impl TestBuild {
    /// The build of the running executable, if it sits where cargo puts test binaries.
    fn of_this_process() -> Option<TestBuild> {
        let exe = std::env::current_exe().ok()?;
        // Linux names a file replaced since the process started `… (deleted)`.
        let exe = match exe
            .to_str()
            .and_then(|path| path.strip_suffix(" (deleted)"))
        {
            Some(path) => PathBuf::from(path),
            None => exe,
        };
        TestBuild::of(&exe)
    }

    fn of(exe: &Path) -> Option<TestBuild> {
        let deps = exe.parent()?;
        if deps.file_name()? != "deps" {
            return None;
        }
        let profile = deps.parent()?;
        let above = profile.parent()?;
        let (target_dir, triple) = if above.join("CACHEDIR.TAG").is_file() {
            (above.to_path_buf(), None)
        } else {
            let root = above.parent()?;
            if !root.join("CACHEDIR.TAG").is_file() {
                return None;
            }
            let triple = above.file_name()?.to_string_lossy().into_owned();
            (root.to_path_buf(), Some(triple))
        };
        let stem = exe.file_stem()?.to_string_lossy();
        let test_stem = match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name,
            _ => &stem,
        };
        Some(TestBuild {
            target_dir,
            triple,
            profile_dir: profile.file_name()?.to_string_lossy().into_owned(),
            test_stem: test_stem.to_string(),
        })
    }

    /// The flags that build into the same folder with the same profile and target.
    fn flags(&self) -> Vec<OsString> {
        let mut flags = vec![
            OsString::from("--target-dir"),
            self.target_dir.clone().into(),
        ];
        flags.push("--profile".into());
        flags.push(
            match self.profile_dir.as_str() {
                "debug" => "dev",
                other => other,
            }
            .into(),
        );
        if let Some(triple) = &self.triple {
            flags.push("--target".into());
            flags.push(triple.into());
        }
        flags
    }
}

/// What `cargo metadata` says about the package at a manifest: its name, its target folder
/// (a workspace member's is the workspace's; `CARGO_TARGET_DIR` and `.cargo/config.toml`
/// count), its integration tests' names, and whether the harness is a member of its workspace.
struct Package {
    name: String,
    target_dir: PathBuf,
    tests: Vec<String>,
    harness_is_member: bool,
}

fn package(manifest: &Path) -> Result<Package, TestingError> {
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
    let bad = |detail: &str| TestingError::CargoOutput {
        command: line.clone(),
        detail: detail.to_string(),
    };
    let metadata: Value = serde_json::from_str(&stdout).map_err(|err| bad(&err.to_string()))?;
    let target_dir = metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| bad("no `target_directory`"))?;
    // Without dependencies, the packages are the workspace's members.
    let members = metadata["packages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let at = |manifest: &Path| {
        members.iter().find(|p| {
            p["manifest_path"]
                .as_str()
                .is_some_and(|path| same_file(Path::new(path), manifest))
        })
    };
    let package = at(manifest).ok_or_else(|| bad("no package with this manifest"))?;
    let harness_is_member = at(&harness_manifest()).is_some();
    let tests = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "test"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    Ok(Package {
        name: package["name"].as_str().unwrap_or_default().to_string(),
        target_dir,
        tests,
        harness_is_member,
    })
}

/// The manifest of the harness this library was built from.
fn harness_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")
}

/// The target folder of the crate at `manifest`: the running test's, else what `cargo
/// metadata` reports.
pub(super) fn target_dir(manifest: &Path) -> Result<PathBuf, TestingError> {
    match TestBuild::of_this_process() {
        Some(build) => Ok(build.target_dir),
        None => Ok(package(manifest)?.target_dir),
    }
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

/// The command that builds in the crate at `manifest` as its running test was built: the
/// same target folder, profile and target, with `-p` the crate, and the test's own target
/// selected so that dev-dependencies (and the features they ask for) are what they were.
/// `None` when the running executable is not one of the crate's integration tests.
fn crate_build(manifest: &Path, package: &Package) -> Option<Command> {
    let build = TestBuild::of_this_process()?;
    let test = package
        .tests
        .iter()
        .find(|name| name.replace('-', "_") == build.test_stem)?;
    let mut command = Command::new(cargo());
    command
        .args(["build", "--message-format=json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(manifest)
        .args(build.flags())
        .args(["-p", &package.name, "--test", test]);
    Some(command)
}

/// The `cdylib` of the package whose manifest is `manifest`, from `cargo build --lib` as its
/// test was built (fresh when `cargo test` built it, as it does for a crate with integration
/// tests).
pub(super) fn cdylib(manifest: &Path) -> Result<PathBuf, TestingError> {
    once(manifest.join("lib"), || {
        let package = package(manifest)?;
        let mut command = crate_build(manifest, &package).unwrap_or_else(|| {
            // Not from an integration test: the crate's tests select its dev-dependencies.
            let mut command = Command::new(cargo());
            command
                .args(["build", "--message-format=json-render-diagnostics"])
                .arg("--manifest-path")
                .arg(manifest)
                .args(["-p", &package.name, "--tests"]);
            command
        });
        command.arg("--lib");
        let stdout = build_streaming(command)?;
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

/// The `symphony-harness` binary for the worker processes, built from the very library the
/// test uses (so worker and supervisor speak the same protocol): as a package of the crate at
/// `manifest` (which has the harness as a dependency), in its target folder and profile.
///
/// In the harness's own workspace (its tests, its examples) it is built on its own instead:
/// selecting a workspace member with `-p` brings its dev-dependencies into the feature
/// resolution, which would rebuild the crate and its tests, test binaries that are running.
pub(super) fn worker_program(manifest: &Path) -> Result<PathBuf, TestingError> {
    let harness = harness_manifest();
    once(manifest.join("bin"), || {
        let package = package(manifest)?;
        let crate_build = match package.harness_is_member {
            true => None,
            false => crate_build(manifest, &package),
        };
        let command = match crate_build {
            Some(mut command) => {
                command.args(["-p", HARNESS, "--bin", HARNESS]);
                command
            }
            None => harness_on_its_own(&harness, &package.target_dir),
        };
        let stdout = build_streaming(command)?;
        artifacts(&stdout)
            .into_iter()
            .filter(|a| a.name == HARNESS)
            .find_map(|a| a.executable)
            .ok_or(TestingError::NoWorker { manifest: harness })
    })
}

/// The harness's binary built from its own manifest into `<target_dir>/symphony-harness`, for
/// a test that cannot select itself with `--test` (a unit test of a library, a doctest), or
/// a crate of the harness's own workspace.
fn harness_on_its_own(harness: &Path, target_dir: &Path) -> Command {
    let mut command = Command::new(cargo());
    command
        .args([
            "build",
            "--bin",
            HARNESS,
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(harness)
        .arg("--target-dir")
        .arg(target_dir.join(HARNESS))
        // The outer `cargo test`'s choice of target folder is not this build's.
        .env_remove("CARGO_TARGET_DIR");
    command
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
    fn a_failed_build_names_the_command_and_keeps_cargos_words() {
        let mut command = Command::new(cargo());
        command.args(["build", "--manifest-path", "/nowhere/Cargo.toml"]);
        let err = build_streaming_to(command, std::io::sink()).expect_err("no such manifest");
        let TestingError::Build {
            command, stderr, ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(
            command.contains("build --manifest-path /nowhere/Cargo.toml"),
            "{command}"
        );
        assert!(stderr.contains("/nowhere/Cargo.toml"), "{stderr}");
    }

    #[test]
    fn the_test_binarys_place_gives_target_folder_profile_and_triple() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        for folder in [
            "debug/deps",
            "x86_64-unknown-linux-gnu/release/deps",
            "ci/deps",
        ] {
            std::fs::create_dir_all(target.join(folder)).unwrap();
        }
        std::fs::write(target.join("CACHEDIR.TAG"), "").unwrap();

        let plain = TestBuild::of(&target.join("debug/deps/conformance-0123456789abcdef")).unwrap();
        assert_eq!(plain.target_dir, target);
        assert_eq!(plain.triple, None);
        assert_eq!(plain.test_stem, "conformance");
        let flags: Vec<String> = plain
            .flags()
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        assert_eq!(flags[2..], ["--profile", "dev"]);

        let cross = TestBuild::of(
            &target.join("x86_64-unknown-linux-gnu/release/deps/my_tests-00ff00ff00ff00ff"),
        )
        .unwrap();
        assert_eq!(cross.target_dir, target);
        assert_eq!(cross.triple.as_deref(), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(cross.profile_dir, "release");
        assert_eq!(cross.test_stem, "my_tests");
        let custom = TestBuild::of(&target.join("ci/deps/t-00ff00ff00ff00ff")).unwrap();
        assert!(custom.flags().contains(&OsString::from("ci")));

        // Not where cargo puts tests: no guess.
        assert_eq!(TestBuild::of(&dir.path().join("bin/tool")), None);
        let elsewhere = dir.path().join("a/b/deps");
        std::fs::create_dir_all(&elsewhere).unwrap();
        assert_eq!(TestBuild::of(&elsewhere.join("t-00ff00ff00ff00ff")), None);
    }

    #[test]
    fn this_unit_test_is_no_integration_test_so_no_crate_build_is_made() {
        let manifest = harness_manifest();
        let package = package(&manifest).unwrap();
        assert_eq!(package.name, HARNESS);
        assert!(package.harness_is_member);
        assert!(
            package.tests.iter().any(|t| t == "it"),
            "{:?}",
            package.tests
        );
        // This process is the library's unit-test binary, not the `it` test.
        assert!(crate_build(&manifest, &package).is_none());
    }
}
