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

use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{TestCaseError, TestError};
use serde::Serialize;

use super::case::{Case, Shape};
use super::given::case_runner;
use super::model::{scenario_for, Frame};
use super::persist::{self, Saved};
use crate::errors::error_chain;
use crate::jobs::{for_each_in_order, Next, Partition};
use crate::scenario::bundle::write_bundle;
use crate::scenario::{read_scenario, Mismatch, RunError, Scenario, ScenarioRun, Session, Tally};
use crate::subject::{ProbeFailure, Subject};

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
    /// A folder of this run: devices and scenario files live below it while cases play.
    pub scratch: PathBuf,
    /// The command that repeats this run: the library, its binding flags and every flag that
    /// changes the cases (the command line builds it); `None`: `symphony-harness explore
    /// --seed N` ([`ExploreOptions::repeat`]).
    pub command: Option<String>,
}

impl ExploreOptions {
    /// The command that repeats this run.
    pub fn repeat(&self) -> String {
        self.command
            .clone()
            .unwrap_or_else(|| format!("symphony-harness explore --seed {}", self.seed))
    }
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
            scratch: std::env::temp_dir(),
            command: None,
        }
    }
}

/// Why an exploration could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// Symphony could not create the provider: there is nothing to explore.
    #[error("Symphony could not create the provider, so nothing can be explored: {0}")]
    Probe(ProbeFailure),
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
    /// The command that repeats this run ([`ExploreOptions::repeat`]).
    pub repeat: String,
    /// When the run started (JUnit's `timestamp`; not in the JSON document).
    #[serde(skip)]
    pub started: std::time::SystemTime,
    /// How long it ran, saved failures and shrinking included (not in the JSON document).
    #[serde(skip)]
    pub duration: std::time::Duration,
    /// How long the search took: the cases played, without saved failures and shrinking.
    #[serde(skip)]
    pub searched: std::time::Duration,
}

impl ExploreReport {
    /// True when nothing failed and the run was not cut short.
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.interrupted.is_none()
    }

    /// Cases played per second of search (`None` before any case was played).
    pub fn cases_per_second(&self) -> Option<f64> {
        let seconds = self.searched.as_secs_f64();
        (self.played > 0 && seconds > 0.0).then(|| self.played as f64 / seconds)
    }
}

/// What one job keeps: its session, and a counter naming each play's scenario.
struct Player<'a> {
    session: RefCell<Session>,
    frame: &'a Frame,
    scratch: &'a Path,
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
        self.frame.subject.fresh_dirs(&mut scenario, self.scratch);
        let run = self.session.borrow_mut().play(&scenario, self.scratch);
        let _ = std::fs::remove_dir_all(self.scratch.join(&name));
        run
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

/// Explores `subject`, reporting progress after each case.
pub fn explore(
    subject: &Subject,
    options: &ExploreOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ExploreReport, ExploreError> {
    let (started, clock) = (std::time::SystemTime::now(), std::time::Instant::now());
    if let Err(why) = &subject.probe {
        return Err(ExploreError::Probe(why.clone()));
    }
    let mut shape = options.shape.clone();
    shape.device_channel = subject.simulated;
    shape.isolated = !(subject.in_process() || subject.backend.in_process);
    let frame = Frame {
        subject: subject.clone(),
        converge_within: options.converge_within.max(1),
    };
    let planned: Vec<usize> = (0..options.cases)
        .filter(|case| options.partition.is_none_or(|p| p.holds(*case)))
        .collect();
    let mut report = ExploreReport {
        library: subject.library.clone(),
        library_sha256: subject.sha256.clone(),
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
        repeat: options.repeat(),
        started,
        duration: std::time::Duration::ZERO,
        searched: std::time::Duration::ZERO,
    };
    // Saved failures first: each history, against the provider as it is now. This thread's
    // session (for them, and for writing a failure out) is opened only when needed.
    let saved = retry_saved(&frame, options)?;
    report.retried = saved.retried;
    let mut own_session = saved.session;
    if let (Some(found), Some(session)) = (saved.first_failure, own_session.as_mut()) {
        report.failure = Some(finish(&frame, options, session, found)?);
        report.duration = clock.elapsed();
        return Ok(report);
    }
    let searching = std::time::Instant::now();
    let search = search(&frame, &shape, options, &planned, progress)?;
    report.searched = searching.elapsed();
    report.coverage = search.totals.tally;
    report.operations = search.totals.operations;
    report.played = search.totals.played;
    report.interrupted = crate::worker::interrupted().map(crate::worker::signal_name);
    if let Some(first_found) = search.first_failure {
        let mut session = match own_session {
            Some(session) => session,
            None => frame.subject.session().map_err(ExploreError::Session)?,
        };
        report.failure = Some(finish(&frame, options, &mut session, first_found)?);
    }
    report.duration = clock.elapsed();
    Ok(report)
}

/// What trying the saved failures gave.
struct RetriedAll {
    /// What became of each.
    retried: Vec<Retried>,
    /// The first that still fails.
    first_failure: Option<FoundCase>,
    /// The session they were played in (`None`: there were none).
    session: Option<Session>,
}

/// Saved failures tried first, in a session of this thread's.
fn retry_saved(frame: &Frame, options: &ExploreOptions) -> Result<RetriedAll, ExploreError> {
    let saved = match &options.failures {
        Some(folder) => persist::saved(folder, &frame.subject.library),
        None => Vec::new(),
    };
    if saved.is_empty() {
        return Ok(RetriedAll {
            retried: Vec::new(),
            first_failure: None,
            session: None,
        });
    }
    let player = Player {
        session: RefCell::new(frame.subject.session().map_err(ExploreError::Session)?),
        frame,
        scratch: &options.scratch,
        plays: Cell::new(0),
        job: 0,
    };
    let mut retried = Vec::new();
    let mut first = None;
    for Saved { folder, case } in saved {
        let clock = std::time::Instant::now();
        let why = broken(&player.play(&case));
        retried.push(Retried {
            folder,
            still_fails: why.is_some(),
            broken: why.clone(),
            duration: clock.elapsed(),
        });
        if why.is_some() && first.is_none() {
            first = Some(FoundCase {
                number: 0,
                drawn: case.ops.len(),
                shrunk: case,
                found_by: "saved",
            });
        }
    }
    Ok(RetriedAll {
        retried,
        first_failure: first,
        session: Some(player.session.into_inner()),
    })
}

/// What the search found: what its cases counted, and the lowest-numbered failure.
struct Search {
    totals: Totals,
    first_failure: Option<FoundCase>,
}

/// Plays the `planned` cases on `options.jobs` threads, each with a session of its own; a
/// thread stops at a case numbered above the lowest failure found so far, so every case
/// before the reported failure is finished.
fn search(
    frame: &Frame,
    shape: &Shape,
    options: &ExploreOptions,
    planned: &[usize],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Search, ExploreError> {
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let done = AtomicUsize::new(0);
    let found: Mutex<Vec<FoundCase>> = Mutex::new(Vec::new());
    let totals: Mutex<Totals> = Mutex::new(Totals::default());
    let failed_to_open: Mutex<Option<ExploreError>> = Mutex::new(None);
    let open = |thread: usize| {
        // Each job has its own session (its own workers) and draws with its own strategy.
        match frame.subject.session() {
            Ok(mut session) => {
                session.record_transcripts(false);
                let player = Player {
                    session: RefCell::new(session),
                    frame,
                    scratch: &options.scratch,
                    plays: Cell::new(0),
                    job: thread + 1,
                };
                Some((player, shape.cases()))
            }
            Err(err) => {
                *failed_to_open.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(ExploreError::Session(err));
                None
            }
        }
    };
    let job = |(player, strategy): &mut (Player<'_>, BoxedStrategy<Case>), position: usize| {
        let case_number = planned[position];
        if case_number > lowest_failure.load(Ordering::SeqCst) {
            return Next::Stop;
        }
        let outcome = play_case(player, strategy, options, case_number);
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
        Next::Continue
    };
    for_each_in_order(planned.len(), options.jobs, open, job);
    if let Some(err) = failed_to_open
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(err);
    }
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.sort_by_key(|f| f.number);
    Ok(Search {
        totals: totals.into_inner().unwrap_or_else(|p| p.into_inner()),
        first_failure: found.into_iter().next(),
    })
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
    strategy: &BoxedStrategy<Case>,
    options: &ExploreOptions,
    number: usize,
) -> CaseOutcome {
    let mut runner = case_runner(options.seed, number, options.max_shrink_iters);
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
    frame.subject.fresh_dirs(&mut full, &options.scratch);
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
    let mut failure = ExploreFailure {
        case: found.number,
        seed: options.seed,
        found_by: found.found_by,
        drawn_operations: found.drawn,
        operations,
        history: history(&full),
        mismatches: mismatches.clone(),
        error,
        scenario_file: None,
        bundle: None,
        reproduced: false,
    };
    let folder = options
        .failures
        .clone()
        .unwrap_or_else(|| options.scratch.join("written"));
    let bundle = folder.join(&name);
    // The scenario file is written first and played as `run` would read it: what is
    // reported is what the file does, with its line numbers.
    let file = write_minimal(frame, options, &full, &mismatches, &bundle)?;
    let (written, replayed) = replay_written(session, options, &file, &name);
    failure.reproduced = reproduces(&replayed, &mismatches, failure.error.is_some());
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
            .map_err(|err| save_error(std::io::Error::other(error_chain(&err)), &bundle))?;
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
    .map_err(|e| save_error(e, &bundle))?;
    Ok(failure)
}

/// Why a failure could not be saved at `path`.
fn save_error(source: std::io::Error, path: &Path) -> ExploreError {
    ExploreError::Save {
        path: path.to_path_buf(),
        source,
    }
}

/// The steps of `scenario`, a line each: `1. reconcile`.
fn history(scenario: &Scenario) -> Vec<String> {
    scenario
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
        .collect()
}

/// Writes `bundle/scenario.json`: `full` with only the broken expectations, its fresh
/// folders kept in the bundle (a folder the file names must outlive this run).
fn write_minimal(
    frame: &Frame,
    options: &ExploreOptions,
    full: &Scenario,
    mismatches: &[Mismatch],
    bundle: &Path,
) -> Result<PathBuf, ExploreError> {
    std::fs::create_dir_all(bundle).map_err(|e| save_error(e, bundle))?;
    let file = bundle.join("scenario.json");
    let mut minimal = only_broken(full, mismatches, &options.repeat());
    for key in &frame.subject.config_temp_dirs {
        let dir = bundle.join(format!("config-{key}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| save_error(e, &dir))?;
        minimal
            .provider
            .config
            .insert(key.clone(), dir.to_string_lossy().into_owned());
    }
    let text = serde_json::to_string_pretty(&minimal.to_file_json())
        .map_err(|e| save_error(e.into(), &file))?;
    std::fs::write(&file, text + "\n").map_err(|e| save_error(e, &file))?;
    Ok(file)
}

/// The written scenario file read back as `run` reads it (named after the failure: its
/// devices and bundle are under that name), and what playing it gave.
fn replay_written(
    session: &mut Session,
    options: &ExploreOptions,
    file: &Path,
    name: &str,
) -> (
    Result<Scenario, crate::scenario::ScenarioError>,
    Option<Result<ScenarioRun, RunError>>,
) {
    let written = read_scenario(file).map(|loaded| Scenario {
        name: name.to_string(),
        ..loaded.scenario
    });
    let replayed = written.as_ref().ok().map(|written| {
        let replayed = session.play(written, &options.scratch);
        let _ = std::fs::remove_dir_all(options.scratch.join(&written.name));
        replayed
    });
    (written, replayed)
}

/// Whether the written scenario broke the same invariants (or stopped, when the history
/// did).
fn reproduces(
    replayed: &Option<Result<ScenarioRun, RunError>>,
    mismatches: &[Mismatch],
    stopped: bool,
) -> bool {
    match (replayed, mismatches.is_empty()) {
        (Some(Ok(again)), false) => {
            again.mismatches.len() == mismatches.len()
                && again
                    .mismatches
                    .iter()
                    .zip(mismatches)
                    .all(|(a, b)| a.step == b.step && a.what == b.what)
        }
        (Some(Ok(again)), true) => again.error.is_some(),
        (Some(Err(_)), _) => stopped,
        (None, _) => false,
    }
}

/// `scenario` with only the expectations in `mismatches` kept, on their steps, described as
/// found by the command `repeat`.
fn only_broken(scenario: &Scenario, mismatches: &[Mismatch], repeat: &str) -> Scenario {
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
        "found by `{repeat}`: {}",
        mismatches
            .first()
            .map_or("the history could not be played".to_string(), |m| format!(
                "{} is broken",
                m.what
            ))
    );
    minimal
}

impl crate::errors::Explain for ExploreError {
    /// A provider Symphony could not create gives the code `load` gives for it (4: not a
    /// provider or incompatible; 5: NULL, a failed load or a crash creating it).
    fn exit_code(&self) -> i32 {
        match self {
            ExploreError::Probe(failure) => failure.exit_code,
            ExploreError::Session(_) | ExploreError::Save { .. } => crate::exit_code::ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ExploreError::Probe(failure) => failure.hint.clone(),
            ExploreError::Session(_) | ExploreError::Save { .. } => None,
        }
    }
}
