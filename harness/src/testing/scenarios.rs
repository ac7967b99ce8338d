//! [`Scenarios`]: the scenario files of a folder (`symphony-harness run`) from a test, each
//! transcript held to a snapshot in the author's own folder (insta's format, as `run
//! --snapshots` holds them: [`crate::transcript::snapshot`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{built, cargo, plain, this_crate_manifest, TestingError};
use crate::errors::Explain as _;
use crate::jobs::default_jobs;
use crate::report::run as report;
use crate::report::snapshot as snapshot_report;
use crate::scenario::snapshot::hold_snapshot;
use crate::scenario::{
    read_scenario, run_suite, scenario_files, RunSettings, Scenario, ScenarioResult, SuiteOptions,
};
use crate::subject::Source;
use crate::transcript::snapshot::{orphans, Policy, Snapshots};
use crate::transcript::Redactions;
use crate::worker::Backend;

/// The scenario files of a folder, played as `symphony-harness run` plays them, each
/// transcript compared with a snapshot: [`Scenarios::assert_pass`] panics with every failed
/// expectation and every snapshot that differs.
///
/// ```no_run
/// use symphony_harness::testing::Scenarios;
///
/// Scenarios::in_dir("tests/scenarios")
///     .library_of_this_crate()
///     .config_temp_dir("root")
///     .snapshots("tests/snapshots")
///     .assert_pass();
/// ```
#[derive(Debug, Clone)]
pub struct Scenarios {
    dir: PathBuf,
    /// The provider of the scenarios that name no `provider.library` (`None`: each must
    /// name its own).
    library: Option<Source>,
    snapshots: Option<PathBuf>,
    config: BTreeMap<String, String>,
    temp_dirs: Vec<String>,
    worker: Option<PathBuf>,
}

/// `path`, from the crate's folder when relative (where `cargo test` runs tests).
fn from_crate(path: &Path) -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) if path.is_relative() => PathBuf::from(dir).join(path),
        _ => path.to_path_buf(),
    }
}

impl Scenarios {
    /// The `*.json` scenario files of `dir` (not its subfolders), in name order; a relative
    /// `dir` starts from the crate's folder.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios").library_of_this_crate().assert_pass();
    /// ```
    pub fn in_dir(dir: impl Into<PathBuf>) -> Scenarios {
        Scenarios {
            dir: from_crate(&dir.into()),
            library: None,
            snapshots: None,
            config: BTreeMap::new(),
            temp_dirs: Vec::new(),
            worker: None,
        }
    }

    /// Plays the scenarios that name no `provider.library` against `path`.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library("target/release/libmy_provider.so")
    ///     .assert_pass();
    /// ```
    pub fn library(mut self, path: impl Into<PathBuf>) -> Scenarios {
        self.library = Some(Source::Library(path.into()));
        self
    }

    /// Plays the scenarios that name no `provider.library` against this crate's `cdylib`,
    /// built as [`super::Conformance::this_crate`] builds it.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios").library_of_this_crate().assert_pass();
    /// ```
    pub fn library_of_this_crate(mut self) -> Scenarios {
        self.library = Some(Source::ThisCrate);
        self
    }

    /// Compares each scenario's transcript with `<dir>/<scenario name>.snap` (a relative
    /// `dir` starts from the crate's folder), in insta's format: the files `symphony-harness
    /// run --snapshots` reads and writes. A new or changed transcript fails the test, with
    /// its diff, and is written beside it as `.snap.new`; `cargo insta review` accepts it,
    /// or `INSTA_UPDATE=always cargo test`, or moving the `.snap.new` file over the snapshot.
    /// insta's `INSTA_UPDATE` and `INSTA_FORCE_PASS` work as for insta's own assertions (on
    /// CI, nothing is written). A snapshot with no scenario fails too. Without this,
    /// transcripts are not compared.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .snapshots("tests/snapshots")
    ///     .assert_pass();
    /// ```
    pub fn snapshots(mut self, dir: impl Into<PathBuf>) -> Scenarios {
        self.snapshots = Some(from_crate(&dir.into()));
        self
    }

    /// Adds a binding config key to every scenario's provider (as its `provider.config`
    /// would; the scenario's own keys win).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .config("endpoint", "http://localhost:8080")
    ///     .assert_pass();
    /// ```
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Scenarios {
        self.config.insert(key.into(), value.into());
        self
    }

    /// Sets binding config `key` of every scenario to a new empty folder of its own, removed
    /// after the run: a file-backed device starts empty in each scenario. Transcripts show
    /// the folder as `[<key>]`.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .config_temp_dir("root")
    ///     .assert_pass();
    /// ```
    pub fn config_temp_dir(mut self, key: impl Into<String>) -> Scenarios {
        self.temp_dirs.push(key.into());
        self
    }

    /// The `symphony-harness` binary the worker processes run (see
    /// [`super::Conformance::worker`]).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .worker("/usr/local/bin/symphony-harness")
    ///     .assert_pass();
    /// ```
    pub fn worker(mut self, program: impl Into<PathBuf>) -> Scenarios {
        self.worker = Some(program.into());
        self
    }

    /// Plays every scenario (several at once, each with its own workers): every result,
    /// whatever it says; an error when they could not be played (no scenario file, one that
    /// cannot be read, a build that failed). Snapshots are compared by
    /// [`Scenarios::assert_pass`] only.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// let report = Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .run()
    ///     .expect("the scenarios run");
    /// assert!(report.passed(), "{}", report.human());
    /// ```
    pub fn run(&self) -> Result<ScenariosReport, TestingError> {
        let files = scenario_files(&self.dir).map_err(|source| TestingError::Folder {
            path: self.dir.clone(),
            source,
        })?;
        if files.is_empty() {
            return Err(TestingError::NoScenarios {
                dir: self.dir.clone(),
            });
        }
        let library = match self.library.as_ref().map(built).transpose()? {
            Some(Source::Library(path)) => Some(path),
            _ => None,
        };
        let scratch = tempfile::Builder::new()
            .prefix("symphony-harness-run-")
            .tempdir()
            .map_err(TestingError::Scratch)?;
        let mut scenarios = Vec::with_capacity(files.len());
        // Each scenario's own folders, as `[<key>]` in its transcript.
        let mut temp_dirs = Vec::with_capacity(files.len());
        for (index, file) in files.iter().enumerate() {
            let mut scenario = read_scenario(file)?.scenario;
            if scenario.provider.library.is_none() {
                scenario.provider.library = Some(
                    library
                        .clone()
                        .ok_or_else(|| TestingError::NoLibrary { path: file.clone() })?,
                );
            }
            for (key, value) in &self.config {
                scenario
                    .provider
                    .config
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
            }
            let mut redactions = Redactions::new();
            for key in &self.temp_dirs {
                let folder = scratch.path().join("config").join(format!("{index}-{key}"));
                std::fs::create_dir_all(&folder).map_err(TestingError::Scratch)?;
                let folder = folder.to_string_lossy().into_owned();
                redactions = redactions.replace(folder.clone(), key);
                scenario.provider.config.insert(key.clone(), folder);
            }
            scenarios.push(scenario);
            temp_dirs.push(redactions);
        }
        let manifest = this_crate_manifest().ok();
        let worker_program = match (&self.worker, &manifest) {
            (Some(program), _) => program.clone(),
            (None, Some(manifest)) => cargo::worker_program(manifest)?,
            (None, None) => return Err(TestingError::NoCrate),
        };
        // A failure leaves a bundle `symphony-harness replay` plays again.
        let bundles = match &manifest {
            Some(manifest) => Some(cargo::target_dir(manifest)?.join("symphony-harness/bundles")),
            None => None,
        };
        let settings = RunSettings {
            backend: Backend {
                worker_program: Some(worker_program),
                ..Backend::default()
            },
            // Unused: every scenario names its library now.
            simulator: PathBuf::new(),
            scratch: scratch.path().join("devices"),
            store_dirs: Vec::new(),
        };
        let options = SuiteOptions {
            jobs: default_jobs(),
            check_determinism: false,
            bundles,
            strict: false,
            // Compared by `assert_pass`, once the scenarios' own folders are redacted.
            snapshots: None,
        };
        let mut results = run_suite(&scenarios, &settings, &options, &|_| {});
        for (result, redactions) in results.iter_mut().zip(&temp_dirs) {
            if let Ok(run) = &mut result.run {
                run.redactions.extend(redactions);
            }
        }
        Ok(ScenariosReport { results, scenarios })
    }

    /// Plays every scenario and panics unless each met its expectations and (with
    /// [`Scenarios::snapshots`]) matched its snapshot: with the failure lines
    /// `symphony-harness run` prints, each snapshot's diff, and how to accept the new ones.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// Scenarios::in_dir("tests/scenarios")
    ///     .library_of_this_crate()
    ///     .snapshots("tests/snapshots")
    ///     .assert_pass();
    /// ```
    #[track_caller]
    pub fn assert_pass(self) {
        let mut report = match self.run() {
            Ok(report) => report,
            Err(err) => panic!("the scenarios could not be played\n{}", err.explain()),
        };
        let mut orphan_lines = Vec::new();
        if let Some(dir) = &self.snapshots {
            let policy = match Policy::from_env() {
                Ok(policy) => policy,
                Err(err) => panic!("{err}\nhint: {}", err.hint().unwrap_or_default()),
            };
            let snapshots = Snapshots {
                dir: dir.clone(),
                policy,
            };
            for result in &mut report.results {
                hold_snapshot(result, &snapshots);
            }
            let names: Vec<&str> = report.scenarios.iter().map(|s| s.name.as_str()).collect();
            match orphans(dir, &names) {
                Ok(files) => orphan_lines.extend(files.into_iter().map(|file| {
                    format!(
                        "`{}` has no scenario: delete it, or restore its scenario",
                        file.display()
                    )
                })),
                Err(source) => orphan_lines.push(
                    TestingError::Folder {
                        path: dir.clone(),
                        source,
                    }
                    .explain(),
                ),
            }
        }
        if report.passed() && orphan_lines.is_empty() {
            return;
        }
        let mut text = report.human();
        if let Some(hint) = snapshot_report::hint(&report.results, SNAPSHOTS_ACCEPTED) {
            text.push_str(&format!("\n{hint}"));
        }
        if !orphan_lines.is_empty() {
            text.push_str("\nsnapshots:\n");
            for line in &orphan_lines {
                text.push_str(&format!("  {line}\n"));
            }
        }
        panic!("scenarios failed (as `symphony-harness run` reports them):\n{text}");
    }
}

/// How a test accepts every new transcript at once.
const SNAPSHOTS_ACCEPTED: &str = "`INSTA_UPDATE=always cargo test` (then read `git diff`)";

/// What [`Scenarios::run`] played: each scenario's result, in file name order.
///
/// ```no_run
/// # use symphony_harness::testing::Scenarios;
/// let report = Scenarios::in_dir("tests/scenarios").library_of_this_crate().run().unwrap();
/// for result in &report.results {
///     println!("{}: {}", result.name, if result.passed() { "pass" } else { "FAIL" });
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ScenariosReport {
    /// Every scenario's result, as `run` reports it.
    pub results: Vec<ScenarioResult>,
    /// The scenarios as played (library and config filled in).
    pub scenarios: Vec<Scenario>,
}

impl ScenariosReport {
    /// True when every scenario ran to its end and met every expectation.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// let report = Scenarios::in_dir("tests/scenarios").library_of_this_crate().run().unwrap();
    /// assert!(report.passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.results.iter().all(ScenarioResult::passed)
    }

    /// The human report, as `symphony-harness run` prints it: a PASS/FAIL line per scenario,
    /// each failure's detail and reproduction command, and the summary.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Scenarios;
    /// let report = Scenarios::in_dir("tests/scenarios").library_of_this_crate().run().unwrap();
    /// println!("{}", report.human());
    /// ```
    pub fn human(&self) -> String {
        let mut text = Vec::new();
        for result in &self.results {
            text.extend_from_slice(report::result_line(result).as_bytes());
            text.push(b'\n');
        }
        // Writing into memory cannot fail.
        let _ = report::human_summary(&mut text, &self.results);
        plain(&text)
    }
}
