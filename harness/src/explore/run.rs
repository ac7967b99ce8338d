//! Running an exploration: cases drawn from a seed, spread over jobs, each played as a
//! scenario through a [`Session`]; the first failing case shrunk by proptest to the smallest
//! history that still fails, written out as a scenario file and a reproduction bundle.
//!
//! Every case has a seed of its own, derived from the run's seed and the case's number, so a
//! run is the same whatever `--jobs` is and `--partition K/N` splits the numbers across
//! machines. The failure reported is the failing case with the lowest number: cases are
//! taken in order, and every case before a failing one is finished before the run ends.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::case::{Case, Shape};
use super::model::{scenario_for, Frame};
use super::persist::{self, Saved};
use crate::check::run::{settle_subject, CheckOptions};
use crate::errors::error_chain;
use crate::scenario::bundle::write_bundle;
use crate::scenario::format::SymphonyRelease;
use crate::scenario::{
    read_scenario, Mismatch, Partition, RunError, Scenario, ScenarioRun, Session, Tally,
};
use crate::worker::Backend;

/// What to explore, and how.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    /// The run's seed: the same seed draws the same cases.
    pub seed: u64,
    /// How many cases (before partitioning).
    pub cases: usize,
    /// How cases are drawn (`device_channel` and `isolated` are set from the provider and
    /// the backend).
    pub shape: Shape,
    /// Rounds within which a reconcile must converge after a change.
    pub converge_within: u32,
    /// Cases played at once, each job with its own provider session.
    pub jobs: usize,
    /// This machine's share of the cases.
    pub partition: Option<Partition>,
    /// The most shrinking steps spent on a failure.
    pub max_shrink_iters: u32,
    /// Where failures are saved, and tried first by the next run (`None`: nowhere).
    pub failures: Option<PathBuf>,
    /// The `libHash` bindings give (`None`: the file's own SHA-256).
    pub hash: Option<String>,
    /// The provider's own binding config keys.
    pub config: std::collections::BTreeMap<String, String>,
    /// The component type (`None`: the rule's `requiredType`, else `example_type`).
    pub component_type: Option<String>,
    /// The Symphony release.
    pub symphony: SymphonyRelease,
    /// Binding config keys that get a fresh empty folder for every history played (a
    /// provider keeping its device in a folder starts each history from a clean device, as
    /// the simulated provider does).
    pub config_temp_dirs: Vec<String>,
    /// How providers run.
    pub backend: Backend,
    /// A folder of this run: devices and scenario files live below it while cases play.
    pub scratch: PathBuf,
}

impl Default for ExploreOptions {
    fn default() -> ExploreOptions {
        ExploreOptions {
            seed: 0,
            cases: 256,
            shape: Shape::default(),
            converge_within: 2,
            jobs: 1,
            partition: None,
            max_shrink_iters: 1024,
            failures: None,
            hash: None,
            config: Default::default(),
            component_type: None,
            symphony: SymphonyRelease::default(),
            config_temp_dirs: Vec::new(),
            backend: Backend::default(),
            scratch: std::env::temp_dir(),
        }
    }
}

/// Why an exploration could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// The library cannot be read.
    #[error("cannot read the provider library: {0}")]
    Unreadable(String),
    /// Symphony could not create the provider: there is nothing to explore.
    #[error("Symphony could not create the provider, so nothing can be explored: {0}")]
    Probe(String),
    /// No session could be opened.
    #[error("cannot prepare the provider")]
    Session(#[source] RunError),
    /// A failure could not be written.
    #[error("cannot save the failure under `{}`", path.display())]
    Save {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// How far a run is, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Cases finished.
    pub done: usize,
    /// Cases of this machine's share.
    pub planned: usize,
    /// Whether a failure was found (shrinking it comes next).
    pub failed: bool,
}

/// A persisted failure tried again first.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Retried {
    /// Its folder.
    pub folder: PathBuf,
    /// Whether it still fails.
    pub still_fails: bool,
    /// The first broken invariant (or why it could not be played), if it still fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// How long playing it took (JUnit's `time`; not in the JSON document).
    #[serde(skip)]
    pub duration: std::time::Duration,
}

/// The failure an exploration found, shrunk.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ExploreFailure {
    /// The case's number (0-based) in the run.
    pub case: usize,
    /// The run's seed (`explore --seed` repeats it).
    pub seed: u64,
    /// Where it came from: the search, or a saved failure tried first.
    pub found_by: &'static str,
    /// Operations in the case as first drawn.
    pub drawn_operations: usize,
    /// Operations in the shrunk history (those that became steps).
    pub operations: usize,
    /// The shrunk history, one line per step.
    pub history: Vec<String>,
    /// The broken invariants, as `run` reports them.
    pub mismatches: Vec<Mismatch>,
    /// Why the history could not be played to its end, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The scenario file written (the shrunk history, with the broken invariants as its
    /// only expectations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_file: Option<PathBuf>,
    /// The reproduction bundle written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<PathBuf>,
    /// Whether the written scenario, played again, broke the same invariants.
    pub reproduced: bool,
}

/// What an exploration found.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ExploreReport {
    /// The library explored.
    pub library: PathBuf,
    /// Its SHA-256.
    pub library_sha256: String,
    /// The run's seed.
    pub seed: u64,
    /// Cases asked for (before partitioning).
    pub cases: usize,
    /// Cases of this machine's share.
    pub planned: usize,
    /// Cases played to their end.
    pub played: usize,
    /// This machine's share, if split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// What the cases exercised (shrinking not counted).
    pub coverage: Tally,
    /// Operations drawn, by kind (those dropped as no longer applying not counted).
    pub operations: std::collections::BTreeMap<String, u64>,
    /// Saved failures tried first.
    pub retried: Vec<Retried>,
    /// The failure found, if one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<ExploreFailure>,
    /// The signal that cut the run short, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// When the run started (JUnit's `timestamp`; not in the JSON document).
    #[serde(skip)]
    pub started: std::time::SystemTime,
    /// How long it ran, saved failures and shrinking included (not in the JSON document).
    #[serde(skip)]
    pub duration: std::time::Duration,
}

impl ExploreReport {
    /// True when nothing failed and the run was not cut short.
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.interrupted.is_none()
    }
}

/// The seed of case `case` of a run seeded `seed`.
fn case_rng(seed: u64, case: usize) -> TestRng {
    let mut hasher = Sha256::new();
    hasher.update(b"symphony-harness explore");
    hasher.update(seed.to_le_bytes());
    hasher.update((case as u64).to_le_bytes());
    let bytes = hasher.finalize();
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// What one job keeps: its session, and a counter naming each play's scenario.
struct Player<'a> {
    session: RefCell<Session>,
    frame: &'a Frame,
    scratch: &'a Path,
    temp_dirs: &'a [String],
    plays: Cell<u64>,
    job: usize,
}

impl Player<'_> {
    /// Plays `case` under a fresh name (so a fresh device), then removes its devices.
    fn play(&self, case: &Case) -> Result<ScenarioRun, RunError> {
        let n = self.plays.get();
        self.plays.set(n + 1);
        let name = format!("job{}-play{n}", self.job);
        let (mut scenario, _) = scenario_for(self.frame, case, &name);
        fresh_dirs(&mut scenario, self.temp_dirs, self.scratch);
        let run = self.session.borrow_mut().play(&scenario, self.scratch);
        let _ = std::fs::remove_dir_all(self.scratch.join(&name));
        run
    }
}

/// Points each of `keys` in the scenario's provider config at a fresh empty folder below
/// `scratch/<scenario name>` (removed with the scenario's devices).
fn fresh_dirs(scenario: &mut Scenario, keys: &[String], scratch: &Path) {
    for key in keys {
        let dir = scratch.join(&scenario.name).join(format!("config-{key}"));
        // A folder that cannot be made shows as the provider's own error on its first call.
        let _ = std::fs::create_dir_all(&dir);
        scenario
            .provider
            .config
            .insert(key.clone(), dir.to_string_lossy().into_owned());
    }
}

/// Whether a play broke an invariant, and the first broken one.
fn broken(run: &Result<ScenarioRun, RunError>) -> Option<String> {
    match run {
        Err(err) => Some(format!("could not play: {}", error_chain(err))),
        Ok(run) => run
            .mismatches
            .first()
            .map(Mismatch::describe)
            .or_else(|| run.error.clone()),
    }
}

/// Explores `library`, reporting progress after each case.
pub fn explore(
    library: &Path,
    options: &ExploreOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ExploreReport, ExploreError> {
    let (started, clock) = (std::time::SystemTime::now(), std::time::Instant::now());
    let check_options = CheckOptions {
        hash: options.hash.clone(),
        config: options.config.clone(),
        component_type: options.component_type.clone(),
        properties: None,
        symphony: options.symphony,
        only: Vec::new(),
        skip: Vec::new(),
        backend: options.backend.clone(),
        scratch: options.scratch.clone(),
    };
    let (subject, probe) =
        settle_subject(library, &check_options).map_err(ExploreError::Unreadable)?;
    probe.map_err(ExploreError::Probe)?;
    let mut shape = options.shape.clone();
    shape.device_channel = subject.simulated;
    shape.isolated = !options.backend.in_process;
    let frame = Frame {
        subject,
        converge_within: options.converge_within.max(1),
    };
    let open = || Session::open(library, options.backend.clone()).map_err(ExploreError::Session);
    let planned: Vec<usize> = (0..options.cases)
        .filter(|case| options.partition.is_none_or(|p| p.holds(*case)))
        .collect();
    let mut report = ExploreReport {
        library: library.to_path_buf(),
        library_sha256: frame.subject.sha256.clone(),
        seed: options.seed,
        cases: options.cases,
        planned: planned.len(),
        played: 0,
        partition: options
            .partition
            .map(|p| format!("{}/{}", p.index, p.count)),
        coverage: Tally::default(),
        operations: Default::default(),
        retried: Vec::new(),
        failure: None,
        interrupted: None,
        started,
        duration: std::time::Duration::ZERO,
    };

    // Saved failures first: each history, against the provider as it is now. This thread's
    // session (for them, and for writing a failure out) is opened only when needed.
    let saved = match &options.failures {
        Some(folder) => persist::saved(folder, library),
        None => Vec::new(),
    };
    let mut own_session = None;
    let mut saved_failure = None;
    if !saved.is_empty() {
        let player = Player {
            session: RefCell::new(open()?),
            frame: &frame,
            scratch: &options.scratch,
            temp_dirs: &options.config_temp_dirs,
            plays: Cell::new(0),
            job: 0,
        };
        for Saved { folder, case } in saved {
            let retry_clock = std::time::Instant::now();
            let why = broken(&player.play(&case));
            report.retried.push(Retried {
                folder,
                still_fails: why.is_some(),
                broken: why.clone(),
                duration: retry_clock.elapsed(),
            });
            if why.is_some() && saved_failure.is_none() {
                saved_failure = Some(FoundCase {
                    number: 0,
                    drawn: case.ops.len(),
                    shrunk: case,
                    found_by: "saved",
                });
            }
        }
        own_session = Some(player.session.into_inner());
    }
    if let (Some(found), Some(session)) = (saved_failure, own_session.as_mut()) {
        report.failure = Some(finish(&frame, options, session, found)?);
        report.duration = clock.elapsed();
        return Ok(report);
    }

    let next = AtomicUsize::new(0);
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let done = AtomicUsize::new(0);
    let found: Mutex<Vec<FoundCase>> = Mutex::new(Vec::new());
    let totals: Mutex<Totals> = Mutex::new(Totals::default());
    let failed_to_open: Mutex<Option<ExploreError>> = Mutex::new(None);
    let jobs = options.jobs.clamp(1, planned.len().max(1));
    let job = |index: usize| {
        // Each job has its own session (its own workers) and draws with its own strategy.
        let session = match open() {
            Ok(session) => session,
            Err(err) => {
                *failed_to_open.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
                return;
            }
        };
        let strategy = shape.cases();
        let mut session = session;
        session.record_transcripts(false);
        let player = Player {
            session: RefCell::new(session),
            frame: &frame,
            scratch: &options.scratch,
            temp_dirs: &options.config_temp_dirs,
            plays: Cell::new(0),
            job: index + 1,
        };
        loop {
            if crate::worker::interrupted().is_some() {
                break;
            }
            let position = next.fetch_add(1, Ordering::SeqCst);
            let Some(&case_number) = planned.get(position) else {
                break;
            };
            if case_number > lowest_failure.load(Ordering::SeqCst) {
                break;
            }
            let outcome = play_case(&player, &strategy, options, case_number);
            totals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(&outcome);
            if let Some(found_case) = outcome.found {
                lowest_failure.fetch_min(case_number, Ordering::SeqCst);
                found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(found_case);
            }
            progress(Progress {
                done: done.fetch_add(1, Ordering::SeqCst) + 1,
                planned: planned.len(),
                failed: lowest_failure.load(Ordering::SeqCst) != usize::MAX,
            });
        }
    };
    std::thread::scope(|scope| {
        for index in 0..jobs {
            scope.spawn(move || job(index));
        }
    });
    if let Some(err) = failed_to_open
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(err);
    }
    let totals = totals.into_inner().unwrap_or_else(|p| p.into_inner());
    report.coverage = totals.tally;
    report.operations = totals.operations;
    report.played = totals.played;
    report.interrupted = crate::worker::interrupted().map(crate::worker::signal_name);
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.sort_by_key(|f| f.number);
    if let Some(first_found) = found.into_iter().next() {
        let mut session = match own_session {
            Some(session) => session,
            None => open()?,
        };
        report.failure = Some(finish(&frame, options, &mut session, first_found)?);
    }
    report.duration = clock.elapsed();
    Ok(report)
}

/// What the jobs counted together.
#[derive(Default)]
struct Totals {
    tally: Tally,
    operations: std::collections::BTreeMap<String, u64>,
    played: usize,
}

impl Totals {
    fn add(&mut self, outcome: &CaseOutcome) {
        self.tally.add(&outcome.tally);
        for (kind, count) in &outcome.operations {
            *self.operations.entry(kind.clone()).or_default() += count;
        }
        self.played += usize::from(outcome.completed);
    }
}

/// A failing case, shrunk.
struct FoundCase {
    number: usize,
    drawn: usize,
    shrunk: Case,
    found_by: &'static str,
}

/// What playing one case gave.
struct CaseOutcome {
    /// What its first play exercised.
    tally: Tally,
    /// Its operations by kind.
    operations: std::collections::BTreeMap<String, u64>,
    /// Whether its first play ran to its end.
    completed: bool,
    /// Its operations as drawn.
    drawn: usize,
    /// The failure, shrunk, if it failed.
    found: Option<FoundCase>,
}

/// Draws case `number` and plays it; on failure, shrinks it.
fn play_case(
    player: &Player<'_>,
    strategy: &proptest::strategy::BoxedStrategy<Case>,
    options: &ExploreOptions,
    number: usize,
) -> CaseOutcome {
    let config = Config {
        cases: 1,
        failure_persistence: None,
        max_shrink_iters: options.max_shrink_iters,
        max_local_rejects: 1,
        max_global_rejects: 1,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, case_rng(options.seed, number));
    // The first play is the search; the ones after it are shrinking.
    let first: RefCell<Option<CaseOutcome>> = RefCell::new(None);
    let result = runner.run(strategy, |case| {
        let run = player.play(&case);
        if first.borrow().is_none() {
            let mut operations = std::collections::BTreeMap::new();
            for op in &case.ops {
                *operations.entry(op.kind().name().to_string()).or_default() += 1;
            }
            *first.borrow_mut() = Some(CaseOutcome {
                tally: run.as_ref().map(|r| r.tally).unwrap_or_default(),
                operations,
                completed: run.as_ref().is_ok_and(|r| r.error.is_none()),
                drawn: case.ops.len(),
                found: None,
            });
        }
        match broken(&run) {
            // A signal cuts calls short: that proves nothing about the provider.
            Some(_) if crate::worker::interrupted().is_some() => Ok(()),
            Some(why) => Err(TestCaseError::fail(why)),
            None => Ok(()),
        }
    });
    let mut outcome = first.into_inner().unwrap_or(CaseOutcome {
        tally: Tally::default(),
        operations: Default::default(),
        completed: false,
        drawn: 0,
        found: None,
    });
    if let Err(TestError::Fail(_, shrunk)) = result {
        outcome.found = Some(FoundCase {
            number,
            drawn: outcome.drawn,
            shrunk,
            found_by: "search",
        });
    }
    outcome
}

/// Writes the shrunk failure out: the scenario file with only the broken invariants as
/// expectations, played again to confirm it reproduces, and a bundle.
fn finish(
    frame: &Frame,
    options: &ExploreOptions,
    session: &mut Session,
    found: FoundCase,
) -> Result<ExploreFailure, ExploreError> {
    let name = format!("explore-{}-case{}", options.seed, found.number);
    let (mut full, operations) = scenario_for(frame, &found.shrunk, &name);
    fresh_dirs(&mut full, &options.config_temp_dirs, &options.scratch);
    let run = session.play(&full, &options.scratch);
    // Each play starts from a fresh device.
    let _ = std::fs::remove_dir_all(options.scratch.join(&name));
    let (mismatches, error) = match &run {
        Ok(run) => (run.mismatches.clone(), run.error.clone()),
        Err(err) => (
            Vec::new(),
            Some(format!("could not play: {}", error_chain(err))),
        ),
    };
    let history: Vec<String> = full
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            format!(
                "{}. {}",
                index + 1,
                step.note
                    .clone()
                    .unwrap_or_else(|| crate::scenario::run::describe_action(step))
            )
        })
        .collect();
    let mut failure = ExploreFailure {
        case: found.number,
        seed: options.seed,
        found_by: found.found_by,
        drawn_operations: found.drawn,
        operations,
        history,
        mismatches: mismatches.clone(),
        error,
        scenario_file: None,
        bundle: None,
        reproduced: false,
    };
    // The scenario file is written first and played as `run` would read it: what is
    // reported is what the file does, with its line numbers.
    let save = |source: std::io::Error, path: &Path| ExploreError::Save {
        path: path.to_path_buf(),
        source,
    };
    let folder = options
        .failures
        .clone()
        .unwrap_or_else(|| options.scratch.join("written"));
    let bundle = folder.join(&name);
    std::fs::create_dir_all(&bundle).map_err(|e| save(e, &bundle))?;
    let file = bundle.join("scenario.json");
    let mut minimal = only_broken(&full, &mismatches, options.seed);
    // A folder the file names must outlive this run: each fresh folder goes in the bundle.
    for key in &options.config_temp_dirs {
        let dir = bundle.join(format!("config-{key}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| save(e, &dir))?;
        minimal
            .provider
            .config
            .insert(key.clone(), dir.to_string_lossy().into_owned());
    }
    let text =
        serde_json::to_string_pretty(&minimal.to_file_json()).map_err(|e| save(e.into(), &file))?;
    std::fs::write(&file, text + "\n").map_err(|e| save(e, &file))?;
    // Named after the failure, not the file: its devices and bundle are under that name.
    let written = read_scenario(&file).map(|loaded| Scenario {
        name: name.clone(),
        ..loaded.scenario
    });
    let replayed = match &written {
        Ok(written) => {
            let replayed = session.play(written, &options.scratch);
            let _ = std::fs::remove_dir_all(options.scratch.join(&written.name));
            Some(replayed)
        }
        Err(_) => None,
    };
    failure.reproduced = match (&replayed, mismatches.is_empty()) {
        (Some(Ok(again)), false) => {
            again.mismatches.len() == mismatches.len()
                && again
                    .mismatches
                    .iter()
                    .zip(&mismatches)
                    .all(|(a, b)| a.step == b.step && a.what == b.what)
        }
        (Some(Ok(again)), true) => again.error.is_some(),
        (Some(Err(_)), _) => failure.error.is_some(),
        (None, _) => false,
    };
    if let (true, Some(Ok(again))) = (failure.reproduced, &replayed) {
        // The same mismatches, now with the file's line numbers.
        failure.mismatches = again.mismatches.clone();
    }
    if options.failures.is_none() {
        let _ = std::fs::remove_dir_all(&bundle);
        return Ok(failure);
    }
    if let (Ok(written), Some(Ok(replayed))) = (&written, &replayed) {
        write_bundle(&folder, written, replayed)
            .map_err(|err| save(std::io::Error::other(error_chain(&err)), &bundle))?;
        failure.bundle = Some(bundle.clone());
    }
    failure.scenario_file = Some(file);
    persist::save(
        &bundle,
        &frame.subject.library,
        &found.shrunk,
        options.seed,
        found.number,
    )
    .map_err(|e| save(e, &bundle))?;
    Ok(failure)
}

/// `scenario` with only the expectations in `mismatches` kept, on their steps, described as
/// found with `seed`.
fn only_broken(scenario: &Scenario, mismatches: &[Mismatch], seed: u64) -> Scenario {
    let mut minimal = scenario.clone();
    for (index, step) in minimal.steps.iter_mut().enumerate() {
        let keep: Vec<String> = mismatches
            .iter()
            .filter(|m| m.step == index + 1)
            .filter_map(|m| m.what.strip_prefix("expect."))
            .map(|what| what.split('.').next().unwrap_or(what).to_string())
            .collect();
        let mut expect = serde_json::to_value(&step.expect).unwrap_or_default();
        if let Some(map) = expect.as_object_mut() {
            map.retain(|key, _| keep.contains(key));
        }
        step.expect = serde_json::from_value(expect).unwrap_or_default();
    }
    minimal.description = format!(
        "found by `symphony-harness explore --seed {seed}`: {}",
        mismatches
            .first()
            .map_or("the history could not be played".to_string(), |m| format!(
                "{} is broken",
                m.what
            ))
    );
    minimal
}
