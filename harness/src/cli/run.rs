//! `symphony-harness run`: scenario files played against their provider, a verdict for each,
//! and `symphony-harness replay`: a failure's reproduction bundle played again.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use symphony_harness::exit_code;
use symphony_harness::report::run as report;
use symphony_harness::scenario::bundle::read_bundle;
use symphony_harness::scenario::suite::{error_chain, expand_paths};
use symphony_harness::scenario::{
    read_scenario, run_suite, Partition, RunSettings, Scenario, ScenarioResult, SuiteOptions,
};
use symphony_harness::sim;
use symphony_harness::worker::Backend;

use super::args::StrictArgs;
use super::backend::{parse_call_timeout, CallTimeout};
use super::output;

const RUN_EXAMPLES: &str = "\
Examples:
  symphony-harness run                                   # every scenarios/*.json
  symphony-harness run scenarios/drift-repaired.json --format json | jq .failed
  symphony-harness run --jobs 4 --partition 1/3 --format junit --output junit.xml
  symphony-harness run --check-determinism";

const REPLAY_EXAMPLES: &str = "\
Examples:
  symphony-harness replay target/symphony-harness/bundles/drift-repaired";

/// Play scenario files against their provider and check what each one expects
///
/// A scenario file (JSON; `docs/scenarios.md`) names a provider (a library, or the bundled
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

    /// The simulated provider library scenarios without a `provider.library` use [default: the
    /// bundled one: `symphony-harness sim path`]
    #[arg(long, value_name = "LIB", help_heading = "Providers")]
    simulator: Option<PathBuf>,

    #[command(flatten)]
    deadlines: Deadlines,

    #[command(flatten)]
    input: StrictArgs,

    #[command(flatten)]
    output: ReportArgs,
}

/// Deadlines of provider calls.
#[derive(Args, Debug)]
pub struct Deadlines {
    /// Deadline of every provider call (e.g. `500ms`, `2s`); a call still running is killed
    /// and reported as `timeout`
    #[arg(long, value_name = "DURATION", default_value_t = CallTimeout(symphony_harness::worker::DEFAULT_CALL_TIMEOUT), value_parser = parse_call_timeout, help_heading = "Isolation")]
    call_timeout: CallTimeout,
}

/// Report format and destination.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: RunFormat,

    /// Write the report to FILE instead of standard output (the PASS/FAIL lines still go to
    /// standard error)
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// `--format` of `run` and `replay`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RunFormat {
    /// Text for people
    #[default]
    Human,
    /// One JSON document (`run`: with every transcript)
    Json,
    /// JUnit XML (`run`: a test case per scenario; `check`: per check)
    Junit,
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

    /// The simulated provider library [default: the bundled one: `symphony-harness sim path`]
    #[arg(long, value_name = "LIB", help_heading = "Providers")]
    simulator: Option<PathBuf>,

    #[command(flatten)]
    deadlines: Deadlines,

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

/// A fresh folder for this run's simulated devices, removed when dropped.
fn scratch() -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("symphony-harness-run-")
        .tempdir()
        .context("cannot make a scratch folder for the simulated devices")
}

fn settings(simulator: &Path, deadlines: &Deadlines, scratch: &Path) -> RunSettings {
    RunSettings {
        backend: Backend {
            call_timeout: deadlines.call_timeout.0,
            ..Backend::default()
        },
        simulator: simulator.to_path_buf(),
        scratch: scratch.to_path_buf(),
    }
}

/// Reads every scenario; any that cannot be read is reported and none is played.
fn read_all(files: &[PathBuf], strict: &StrictArgs) -> anyhow::Result<Vec<Scenario>> {
    let mut scenarios = Vec::new();
    let mut bad = 0;
    for file in files {
        match read_scenario(file) {
            Ok(loaded) => {
                if let Err(err) = strict.check(&loaded.notes) {
                    output::error(&err);
                    bad += 1;
                    continue;
                }
                scenarios.push(loaded.scenario);
            }
            Err(err) => {
                let text = match err.hint() {
                    Some(hint) => format!("{}\nhint: {hint}", error_chain(&err)),
                    None => error_chain(&err),
                };
                output::error(&anyhow::anyhow!(text));
                bad += 1;
            }
        }
    }
    if bad > 0 {
        bail!("{bad} scenario file(s) cannot be used; nothing was played");
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

fn suite_exit_code(results: &[ScenarioResult]) -> i32 {
    if results.iter().all(ScenarioResult::passed) {
        exit_code::SUCCESS
    } else {
        exit_code::SCENARIO_FAILED
    }
}

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let given = if args.scenarios.is_empty() {
        let default = PathBuf::from("scenarios");
        if !default.is_dir() {
            bail!(
                "no SCENARIO given and there is no `scenarios` folder here\nhint: name scenario \
                 files or folders, or run from a folder that holds `scenarios/` \
                 (`docs/scenarios.md` shows the format)"
            );
        }
        vec![default]
    } else {
        args.scenarios.clone()
    };
    let files = expand_paths(&given).context("cannot list the scenario files")?;
    if files.is_empty() {
        bail!(
            "no scenario file in {}: nothing to play\nhint: scenario files end in `.json` \
             (`docs/scenarios.md` shows the format)",
            given
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let files: Vec<PathBuf> = files
        .into_iter()
        .enumerate()
        .filter(|(position, _)| args.partition.is_none_or(|p| p.holds(*position)))
        .map(|(_, file)| file)
        .collect();
    let scenarios = read_all(&files, &args.input)?;
    let simulator = simulator_for(&scenarios, args.simulator.as_deref())?;
    let scratch = scratch()?;
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let options = SuiteOptions {
        jobs,
        check_determinism: args.check_determinism,
        bundles: (!args.no_bundles).then(|| args.bundles.clone()),
    };
    let results = play_with_progress(
        &scenarios,
        &settings(&simulator, &args.deadlines, scratch.path()),
        &options,
        args.output.format == RunFormat::Human && args.output.output.is_none(),
    );
    write_report(&args.output, &results)?;
    Ok(suite_exit_code(&results))
}

/// Plays `scenarios`, with a bar on a terminal and a PASS/FAIL line as each one ends (on
/// stdout for the human report, else on stderr).
fn play_with_progress(
    scenarios: &[Scenario],
    settings: &RunSettings,
    options: &SuiteOptions,
    lines_on_stdout: bool,
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
        bar.suspend(|| {
            if lines_on_stdout {
                let _ = output::reader_gone_is_ok(output::stdout(&format!("{line}\n")));
            } else {
                output::stderr(&format!("{line}\n"));
            }
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
        args.simulator.as_deref(),
    )?;
    bundle.checked_library(&simulator)?;
    let scratch = scratch()?;
    let options = SuiteOptions {
        jobs: 1,
        check_determinism: false,
        bundles: None,
    };
    let results = play_with_progress(
        std::slice::from_ref(&bundle.scenario.scenario),
        &settings(&simulator, &args.deadlines, scratch.path()),
        &options,
        args.output.format == RunFormat::Human && args.output.output.is_none(),
    );
    let Some(result) = results.first() else {
        bail!("the bundle's scenario was not played");
    };
    let recorded = &bundle.info.mismatches;
    let same_failures = result.run.as_ref().is_ok_and(|run| {
        run.error == bundle.info.error
            && run.mismatches.len() == recorded.len()
            && run
                .mismatches
                .iter()
                .zip(recorded)
                .all(|(a, b)| a.same_as(b))
    });
    let verdict = if result.passed() {
        "did not reproduce: the scenario passes now".to_string()
    } else if same_failures {
        // The failed expectations name lines of the file, which differ in the bundle's copy.
        let same_transcript = result.run.as_ref().ok().is_some_and(|run| {
            bundle.transcript.as_ref().is_some_and(|recorded| {
                without_lines(run.transcript.clone()) == without_lines(recorded.clone())
            })
        });
        if same_transcript {
            "reproduced: the same failures, and the same transcript".to_string()
        } else {
            "reproduced: the same failures (the transcript differs from the bundle's)".to_string()
        }
    } else {
        format!(
            "reproduced differently: the bundle recorded\n  {}",
            recorded
                .iter()
                .map(|m| m.describe())
                .chain(
                    bundle
                        .info
                        .error
                        .iter()
                        .map(|e| format!("stopped before its end: {e}"))
                )
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    };
    write_report(&args.output, &results)?;
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{verdict}");
    Ok(suite_exit_code(&results))
}

/// A transcript without its steps' `failedExpectations` (they name lines of the scenario
/// file).
fn without_lines(mut transcript: serde_json::Value) -> serde_json::Value {
    if let Some(steps) = transcript.get_mut("steps").and_then(|s| s.as_array_mut()) {
        for step in steps {
            if let Some(step) = step.as_object_mut() {
                step.remove("failedExpectations");
            }
        }
    }
    transcript
}
