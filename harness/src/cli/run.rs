//! `symphony-harness run`: scenario files played against their provider, a verdict for each,
//! and `symphony-harness replay`: a failure's reproduction bundle played again.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use symphony_harness::exit_code;
use symphony_harness::jobs::{default_jobs, Next, Partition};
use symphony_harness::report::run as report;
use symphony_harness::report::snapshot as snapshot_report;
use symphony_harness::report::watch as watch_report;
use symphony_harness::scenario::bundle::read_bundle;
use symphony_harness::scenario::suite::expand_paths;
use symphony_harness::scenario::{
    changes, read_scenario, run_suite, RunSettings, Scenario, ScenarioResult, SuiteOptions,
};
use symphony_harness::sim;
use symphony_harness::transcript::snapshot::{orphans, Policy, Snapshots};
use symphony_harness::watch::{watch_loop, FileChange, FileState, Rerun, Role, Watch};
use symphony_harness::worker;

use symphony_harness::report::style::HINT as STYLE_HINT;

use super::args::{Deadlines, ReportArgs, RunFormat, StrictArgs, WatchSettle};
use super::explain::{Refused, Summed};
use super::output;
use super::watch;

const RUN_EXAMPLES: &str = concat!(
    "\
Examples:
  # every scenarios/*.json
  symphony-harness run
  symphony-harness run scenarios/drift-repaired.json --format json | jq .failed
  symphony-harness run --jobs 4 --partition 1/3 \\
      --format junit --output junit.xml
  symphony-harness run --check-determinism
  # each transcript held to snapshots/<scenario>.snap; then accept the changes
  symphony-harness run --snapshots snapshots
  symphony-harness run --snapshots snapshots --accept
  # again after each edit or cargo build
  symphony-harness run scenarios/ --watch

Reference:\n",
    super::docs_url!("docs/commands/run.md"),
    "\nThe scenario format:\n",
    super::docs_url!("docs/scenarios.md")
);

const REPLAY_EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness replay target/symphony-harness/bundles/drift-repaired

Reference:\n",
    super::docs_url!("docs/commands/run.md")
);

/// Play scenario files against their provider and check what each one expects
///
/// A scenario file (JSON; its format is at the second link below) names a provider (a library, or the bundled
/// simulated one), Symphony's objects and a history: reconcile rounds, dry runs, removals,
/// changes to the desired components, changes on the device behind the provider's back,
/// faults armed for the next calls, worker restarts; each step with what must hold after it.
/// Rounds run Symphony's reconcile exactly as `reconcile` does.
///
/// Prints a PASS/FAIL line per scenario, each failure with its file, step, line, round,
/// expected and actual, and a summary. A failed scenario leaves a reproduction bundle
/// (scenario, seed, library hash and fingerprint, transcript) that `replay` plays again.
/// `--format json` carries every scenario's transcript: the normalised record of each call,
/// decision and round, byte-identical between runs of the same scenario.
#[derive(Args, Debug)]
#[command(after_help = RUN_EXAMPLES, after_long_help = super::with_exit_status(RUN_EXAMPLES))]
pub struct RunArgs {
    /// Scenario files, or folders of them (their `*.json`) [default: scenarios]
    #[arg(value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,

    /// Scenarios played at once, each with its own workers and devices [default: the CPUs]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Running")]
    jobs: Option<u16>,

    /// Play only shard K of N (scenarios in name order, every N-th from the K-th), to split a
    /// suite across CI machines
    #[arg(long, value_name = "K/N", help_heading = "Running")]
    partition: Option<Partition>,

    /// Play each scenario twice and fail it when the two transcripts differ
    #[arg(long, help_heading = "Running")]
    check_determinism: bool,

    /// Where a failed scenario's reproduction bundle is written (a folder per scenario)
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/symphony-harness/bundles",
        help_heading = "Running"
    )]
    bundles: PathBuf,

    /// Write no reproduction bundles
    #[arg(long, help_heading = "Running")]
    no_bundles: bool,

    /// Hold each scenario's transcript to its snapshot, DIR/<scenario>.snap (insta's format)
    ///
    /// A transcript that differs from its snapshot, or has none, fails its scenario (exit 9,
    /// as any failed scenario), with a diff; it is written beside the snapshot as
    /// `<scenario>.snap.new` for review. Accept it with --accept (or `INSTA_UPDATE=always`),
    /// with `cargo insta review` (`cargo install cargo-insta --locked`), or by moving the
    /// `.snap.new` file over the snapshot. insta's `INSTA_UPDATE` (`auto`, `always`, `new`,
    /// `unseen`, `no`, `force`) and `INSTA_FORCE_PASS` work as in `cargo test`; on CI (`CI`
    /// set) nothing is written. The test API's snapshots (`Scenarios::snapshots`) are the
    /// same files.
    #[arg(long, value_name = "DIR", help_heading = "Snapshots")]
    snapshots: Option<PathBuf>,

    /// Write each new or changed transcript over its snapshot (`INSTA_UPDATE=always`); a
    /// scenario that fails otherwise still gets only a `.snap.new`
    #[arg(long, requires = "snapshots", help_heading = "Snapshots")]
    accept: bool,

    #[command(flatten)]
    providers: Providers,

    #[command(flatten)]
    input: StrictArgs,

    #[command(flatten)]
    output: ReportArgs,

    /// Keep watching: play the scenarios again when one of their files changes, and print
    /// only what changed
    ///
    /// After the first verdict, watches each SCENARIO file, the `*.json` files of each
    /// SCENARIO folder (edited, added or removed) and the library each scenario loads (its
    /// `provider.library`, or the simulated provider; cargo writes a new build and renames it
    /// into place, so their folders are watched). Once a changed file has stayed the same for
    /// a moment, every scenario is read and played again, and only the scenarios whose
    /// verdict changed are printed (`drift-repaired: pass -> FAIL`, with its failure), or
    /// `no change: 12 passed`. A scenario file that cannot be read, or a library that is
    /// missing or half-written, is reported, and watching goes on. Text for people only: not
    /// with `--format json|junit` or `--output`.
    ///
    /// Ctrl-C stops watching; the exit status is then the last verdict's (0 when every
    /// scenario passed, 9 when one failed). SIGTERM and SIGHUP end it as any command (143,
    /// 129).
    #[arg(long, help_heading = "Watch")]
    watch: bool,

    #[command(flatten)]
    watch_settle: WatchSettle,
}

/// Play a failure's reproduction bundle again and say whether it reproduced
///
/// A bundle is the folder `run` writes for a failed scenario: `scenario.json`,
/// `bundle.json` (seed, library SHA-256 and fingerprint, harness version, what failed) and
/// `transcript.json`. The scenario is played with the same library; a library whose bytes
/// changed is refused, with both hashes (to try a fixed library, `run` the bundle's
/// `scenario.json`).
///
/// Exit status 9 (`scenario-failed`) when the failure reproduced, 0 when the scenario now
/// passes.
#[derive(Args, Debug)]
#[command(after_help = REPLAY_EXAMPLES, after_long_help = super::with_exit_status(REPLAY_EXAMPLES))]
pub struct ReplayArgs {
    /// The bundle folder
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,

    #[command(flatten)]
    providers: Providers,

    #[command(flatten)]
    output: ReportArgs,
}

/// The simulated provider for the scenarios that name no library: `given`, else the bundled
/// one ([`sim::find`]). Looked for only when some scenario needs it (a scenario naming its
/// library runs without it, even where the bundled one is not available).
fn simulator_for(scenarios: &[Scenario], given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let needed = scenarios.iter().any(|s| s.provider.library.is_none());
    if given.is_none() && !needed {
        // Unused: every scenario names its own library.
        return Ok(PathBuf::new());
    }
    Ok(sim::find(given)?.path)
}

/// A fresh folder for this run's simulated devices (in memory where it can), removed when
/// dropped.
fn scratch() -> anyhow::Result<tempfile::TempDir> {
    symphony_harness::scenario::scratch_folder("symphony-harness-run-")
        .context("cannot make a scratch folder for the simulated devices")
}

fn settings(simulator: &Path, flags: &Providers, scratch: &Path) -> RunSettings {
    RunSettings {
        backend: flags.deadlines.backend(),
        simulator: simulator.to_path_buf(),
        scratch: scratch.to_path_buf(),
        store_dirs: flags.sim_store_dir.clone(),
    }
}

/// How `run` and `replay` run the scenarios' providers.
#[derive(Args, Debug)]
pub struct Providers {
    /// The simulated provider library scenarios without a `provider.library` use [default: the
    /// bundled one: `symphony-harness sim path`]
    #[arg(long, value_name = "LIB", help_heading = "Providers")]
    simulator: Option<PathBuf>,

    /// Let scenarios keep the simulated provider's devices (`sim.store`) under DIR; without
    /// it a `sim.store` outside the run's own scratch folder is refused; repeatable
    #[arg(long, value_name = "DIR", help_heading = "Providers")]
    sim_store_dir: Vec<PathBuf>,

    #[command(flatten)]
    deadlines: Deadlines,
}

/// Reads every scenario; any that cannot be read is reported (each on its own, then the sum)
/// and none is played.
fn read_all(files: &[PathBuf], strict: &StrictArgs) -> anyhow::Result<Vec<Scenario>> {
    let mut scenarios = Vec::new();
    let mut bad = Vec::new();
    for file in files {
        match read_scenario(file) {
            Ok(loaded) => match strict.check(&loaded.notes) {
                Ok(()) => scenarios.push(loaded.scenario),
                Err(err) => bad.push(err),
            },
            Err(err) => bad.push(anyhow::Error::new(err)),
        }
    }
    if !bad.is_empty() {
        let summary = format!(
            "{} scenario file(s) cannot be used; nothing was played",
            bad.len()
        );
        return Err(Summed::error(summary, bad));
    }
    Ok(scenarios)
}

/// Writes the report of `results` where `args` says.
fn write_report(args: &ReportArgs, results: &[ScenarioResult]) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    match args.format {
        RunFormat::Human => report::human_summary(&mut buffer, results)?,
        RunFormat::Json => report::json(&mut buffer, results)?,
        RunFormat::Junit => report::junit(&mut buffer, results)?,
    }
    match &args.output {
        Some(path) => std::fs::write(path, &buffer)
            .with_context(|| format!("cannot write the report to `{}`", path.display())),
        None => output::reader_gone_is_ok(output::stdout_bytes(&buffer)).map_err(Into::into),
    }
}

/// The exit code of a suite: the first scenario whose library kept it from being played
/// gives the code every command gives for that (1, 4 or 5); else 9 when a scenario failed.
fn suite_exit_code(results: &[ScenarioResult]) -> i32 {
    let library_failure = results.iter().find_map(|result| result.library_failure);
    match library_failure {
        Some(code) => code,
        None if results.iter().all(ScenarioResult::passed) => exit_code::SUCCESS,
        None => exit_code::SCENARIO_FAILED,
    }
}

/// The scenario files and folders the command line names (`scenarios` when none).
fn given_paths(args: &RunArgs) -> anyhow::Result<Vec<PathBuf>> {
    if !args.scenarios.is_empty() {
        return Ok(args.scenarios.clone());
    }
    let default = PathBuf::from("scenarios");
    if !default.is_dir() {
        bail!(
            "no SCENARIO given and there is no `scenarios` folder here\nhint: name scenario \
             files or folders, or run from a folder that holds `scenarios/` (the format: {})",
            super::docs_url!("docs/scenarios.md")
        );
    }
    Ok(vec![default])
}

/// The scenario files of `given` (folders' `*.json`), those of `partition` only.
fn listed_files(given: &[PathBuf], partition: Option<Partition>) -> anyhow::Result<Vec<PathBuf>> {
    let files = expand_paths(given).context("cannot list the scenario files")?;
    if files.is_empty() {
        bail!(
            "no scenario file in {}: nothing to play\nhint: scenario files end in `.json` (the \
             format: {})",
            given
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", "),
            super::docs_url!("docs/scenarios.md")
        );
    }
    Ok(files
        .into_iter()
        .enumerate()
        .filter(|(position, _)| partition.is_none_or(|p| p.holds(*position)))
        .map(|(_, file)| file)
        .collect())
}

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    if args.watch {
        if let Some(why) = watch::refused(&args.output) {
            return Err(Refused::usage(why));
        }
    }
    let given = given_paths(args)?;
    // Watched from before the files are read, so an edit meanwhile is not missed.
    let mut watching = if args.watch {
        let mut watcher = args.watch_settle.watch()?;
        watch_given(&mut watcher, &given, &[])?;
        Some((watcher, Watched::default()))
    } else {
        None
    };
    let files = listed_files(&given, args.partition)?;
    if let Some((_, watched)) = &mut watching {
        watched.scenarios_read(&files);
    }
    let scenarios = read_all(&files, &args.input)?;
    if let (Some(_), Some(why)) = (&args.snapshots, shared_snapshot(&scenarios)) {
        return Err(Refused::usage(why));
    }
    let simulator = simulator_for(&scenarios, args.providers.simulator.as_deref())?;
    if let Some((watcher, watched)) = &mut watching {
        watched.libraries_used(&libraries_of(&scenarios, &simulator));
        watch_given(watcher, &given, &watched.libraries)?;
    }
    let scratch = scratch()?;
    let options = suite_options(args)?;
    let results = play_with_progress(
        &scenarios,
        &settings(&simulator, &args.providers, scratch.path()),
        &options,
        if args.output.human_on_stdout() {
            Lines::Stdout
        } else {
            Lines::Stderr
        },
    );
    write_report(&args.output, &results)?;
    snapshot_notes(args, &given, &scenarios, &results)?;
    match watching {
        // A signal during the first run ends the command as it ends any other.
        Some((mut watcher, watched)) if worker::interrupted().is_none() => {
            let mut paths = given.clone();
            paths.extend(watched.libraries.iter().cloned());
            watch::start(&paths);
            let mut rerun = RunRerun {
                args,
                given: &given,
                watched,
                results,
                scratch: scratch.path(),
                runs: 0,
            };
            watch_loop(&mut watcher, &mut rerun, &watch::stop)?;
            Ok(watch::stopped(suite_exit_code(&rerun.results)))
        }
        _ => Ok(suite_exit_code(&results)),
    }
}

fn suite_options(args: &RunArgs) -> anyhow::Result<SuiteOptions> {
    let snapshots = match &args.snapshots {
        Some(dir) => {
            let policy = Policy::from_env()?;
            Some(Snapshots {
                dir: dir.clone(),
                policy: if args.accept {
                    policy.accepting()
                } else {
                    policy
                },
            })
        }
        None => None,
    };
    Ok(SuiteOptions {
        jobs: args.jobs.map_or_else(default_jobs, usize::from),
        check_determinism: args.check_determinism,
        bundles: (!args.no_bundles).then(|| args.bundles.clone()),
        strict: args.input.strict,
        snapshots,
    })
}

/// `--snapshots`: two scenarios of one name (files of two folders) would hold their
/// transcripts to the same snapshot; what to say then.
fn shared_snapshot(scenarios: &[Scenario]) -> Option<String> {
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for scenario in scenarios {
        if let Some(first) = seen.insert(&scenario.name, &scenario.path) {
            return Some(format!(
                "`{}` and `{}` are both scenario `{}`: their transcripts would share one \
                 snapshot\nhint: rename one of the files, or run each folder with a --snapshots \
                 folder of its own",
                first.display(),
                scenario.path.display(),
                scenario.name
            ));
        }
    }
    None
}

/// `--snapshots`: how to accept the transcripts that failed their snapshots (with the human
/// report, else on stderr), and a warning for each snapshot of no scenario, when every
/// scenario of the given folders was played.
fn snapshot_notes(
    args: &RunArgs,
    given: &[PathBuf],
    scenarios: &[Scenario],
    results: &[ScenarioResult],
) -> anyhow::Result<()> {
    let Some(dir) = &args.snapshots else {
        return Ok(());
    };
    let accept = "run the same command with `--accept` (or `INSTA_UPDATE=always`)";
    if let Some(hint) = snapshot_report::hint(results, accept) {
        let hint = format!(
            "\n{}{hint}{}",
            STYLE_HINT.render(),
            STYLE_HINT.render_reset()
        );
        if args.output.human_on_stdout() {
            output::reader_gone_is_ok(output::stdout(&hint))?;
        } else {
            output::stderr(&hint);
        }
    }
    let whole_folders = args.partition.is_none() && given.iter().all(|path| path.is_dir());
    if whole_folders && worker::interrupted().is_none() {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        let stale = orphans(dir, &names)
            .with_context(|| format!("cannot list the snapshots in `{}`", dir.display()))?;
        for file in stale {
            output::warning(&format!(
                "`{}` is the snapshot of no scenario played here: delete it if its scenario is \
                 gone (`rm {}`)",
                file.display(),
                symphony_harness::report::text::shell_word(&file.to_string_lossy())
            ));
        }
    }
    Ok(())
}

/// The library each scenario loads: its own, else the simulated provider.
fn libraries_of(scenarios: &[Scenario], simulator: &Path) -> Vec<PathBuf> {
    let mut libraries: Vec<PathBuf> = scenarios
        .iter()
        .map(|s| {
            s.provider
                .library
                .clone()
                .unwrap_or_else(|| simulator.to_path_buf())
        })
        .filter(|library| !library.as_os_str().is_empty())
        .collect();
    libraries.sort();
    libraries.dedup();
    libraries
}

/// Watches the scenario files and folders of `given`, and `libraries`, and nothing else.
fn watch_given(
    watcher: &mut Watch,
    given: &[PathBuf],
    libraries: &[PathBuf],
) -> anyhow::Result<()> {
    watcher.clear();
    for path in given {
        if path.is_dir() {
            watcher.folder(path, "json")?;
        } else {
            watcher.file(path)?;
        }
    }
    for library in libraries {
        watcher.file(library)?;
    }
    Ok(())
}

/// `--watch`: what each watched file held when the last verdict was made.
#[derive(Debug, Default)]
struct Watched {
    states: BTreeMap<PathBuf, (Role, FileState)>,
    libraries: Vec<PathBuf>,
}

impl Watched {
    /// Remembers what the scenario `files` hold, before they are read.
    fn scenarios_read(&mut self, files: &[PathBuf]) {
        self.states.retain(|_, (role, _)| *role != Role::Scenario);
        for file in files {
            self.states
                .insert(file.clone(), (Role::Scenario, FileState::of_file(file)));
        }
    }

    /// Remembers what `libraries` hold, before the scenarios load them.
    fn libraries_used(&mut self, libraries: &[PathBuf]) {
        self.states.retain(|_, (role, _)| *role != Role::Library);
        for library in libraries {
            self.states.insert(
                library.clone(),
                (Role::Library, FileState::of_library(library)),
            );
        }
        self.libraries = libraries.to_vec();
    }
}

/// `--watch`: every scenario played again when a watched file changes, and what changed
/// printed.
struct RunRerun<'a> {
    args: &'a RunArgs,
    given: &'a [PathBuf],
    watched: Watched,
    /// The last verdict.
    results: Vec<ScenarioResult>,
    scratch: &'a Path,
    runs: usize,
}

impl RunRerun<'_> {
    /// Lists and reads the scenarios again, and watches what they now load.
    fn read_again(&mut self, watcher: &mut Watch) -> anyhow::Result<(Vec<Scenario>, PathBuf)> {
        let files = listed_files(self.given, self.args.partition)?;
        self.watched.scenarios_read(&files);
        let scenarios = read_all(&files, &self.args.input)?;
        let simulator = simulator_for(&scenarios, self.args.providers.simulator.as_deref())?;
        self.watched
            .libraries_used(&libraries_of(&scenarios, &simulator));
        watch_given(watcher, self.given, &self.watched.libraries)?;
        Ok((scenarios, simulator))
    }
}

impl Rerun for RunRerun<'_> {
    type Error = anyhow::Error;

    fn last_seen(&self, path: &Path) -> (Role, FileState) {
        self.watched
            .states
            .get(path)
            .cloned()
            .unwrap_or((Role::Scenario, FileState::Missing))
    }

    fn changed(&mut self, files: &[FileChange]) -> anyhow::Result<()> {
        let mut text = Vec::new();
        watch_report::header(&mut text, &watch::now(), files)?;
        Ok(output::reader_gone_is_ok(output::stdout_bytes(&text))?)
    }

    fn rerun(&mut self, _: &[FileChange], watcher: &mut Watch) -> anyhow::Result<Next> {
        // Everything is read again: files come and go, and scenarios name libraries.
        let (scenarios, simulator) = match self.read_again(watcher) {
            Ok(read) => read,
            Err(err) => {
                output::error(&err);
                output::stderr("the last verdict stands; watching on\n");
                return Ok(Next::Continue);
            }
        };
        self.runs += 1;
        let folder = self.scratch.join(format!("watch-{}", self.runs));
        let now = play_with_progress(
            &scenarios,
            &settings(&simulator, &self.args.providers, &folder),
            &suite_options(self.args)?,
            Lines::Nowhere,
        );
        // Its devices are of no further use; a folder left behind is the tempdir's.
        let _ = std::fs::remove_dir_all(&folder);
        if worker::interrupted().is_some() {
            // Cut short: it proves nothing, and the last verdict stands.
            return Ok(Next::Stop);
        }
        let mut text = Vec::new();
        watch_report::run_changes(&mut text, &changes(&self.results, &now), &now)?;
        output::reader_gone_is_ok(output::stdout_bytes(&text))?;
        self.results = now;
        Ok(Next::Continue)
    }
}

/// Where the PASS/FAIL line of each scenario goes as it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    /// With the human report.
    Stdout,
    /// Apart from a report written elsewhere.
    Stderr,
    /// Nowhere: `--watch` prints only what changed.
    Nowhere,
}

/// Plays `scenarios`, with a bar on a terminal and a PASS/FAIL line as each one ends where
/// `lines` says.
fn play_with_progress(
    scenarios: &[Scenario],
    settings: &RunSettings,
    options: &SuiteOptions,
    lines: Lines,
) -> Vec<ScenarioResult> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(
            Some(scenarios.len() as u64),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template("{elapsed} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let finished = |result: &ScenarioResult| {
        let line = report::result_line(result);
        bar.suspend(|| match lines {
            Lines::Stdout => {
                let _ = output::reader_gone_is_ok(output::stdout(&format!("{line}\n")));
            }
            Lines::Stderr => output::stderr(&format!("{line}\n")),
            Lines::Nowhere => {}
        });
        bar.inc(1);
    };
    let results = run_suite(scenarios, settings, options, &finished);
    bar.finish_and_clear();
    results
}

pub fn replay(args: &ReplayArgs) -> anyhow::Result<i32> {
    let bundle = read_bundle(&args.bundle)
        .with_context(|| format!("cannot read the bundle `{}`", args.bundle.display()))?;
    let simulator = simulator_for(
        std::slice::from_ref(&bundle.scenario.scenario),
        args.providers.simulator.as_deref(),
    )?;
    bundle.checked_library(&simulator)?;
    if let Some(note) = bundle.version_note() {
        output::warning(&note);
    }
    let scratch = scratch()?;
    let options = SuiteOptions {
        jobs: 1,
        check_determinism: false,
        bundles: None,
        strict: false,
        snapshots: None,
    };
    let results = play_with_progress(
        std::slice::from_ref(&bundle.scenario.scenario),
        &settings(&simulator, &args.providers, scratch.path()),
        &options,
        if args.output.human_on_stdout() {
            Lines::Stdout
        } else {
            Lines::Stderr
        },
    );
    let Some(result) = results.first() else {
        bail!("the bundle's scenario was not played");
    };
    let verdict = bundle.verdict(result);
    write_report(&args.output, &results)?;
    output::stderr(&format!("{verdict}\n"));
    Ok(suite_exit_code(&results))
}
