//! `symphony-harness diff`: what Symphony would observe differently between two builds of a
//! provider.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use symphony_harness::check::CheckOptions;
use symphony_harness::diff::{diff, DiffOptions, DiffReport, Kind, DEFAULT_CASES};
use symphony_harness::exit_code;
use symphony_harness::explore::Shape;
use symphony_harness::report::diff as report;
use symphony_harness::scenario::suite::expand_paths;
use symphony_harness::scenario::{read_scenario, Scenario};
use symphony_harness::subject::{parse_config, Reserved, Source, SubjectSpec};

use super::args::{Deadlines, ReportArgs, RunFormat, SubjectArgs};
use super::check::check_names;
use super::explain::Summed;
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness diff main/libmy_provider.so target/release/libmy_provider.so
  symphony-harness diff OLD.so NEW.so --config endpoint=http://x:8080 \\
      --scenarios tests/scenarios/
  symphony-harness diff OLD.so NEW.so --fail-on regressed --format junit \\
      --output diff.xml
  # what a bug of the simulated provider changes
  SIM=$(symphony-harness sim path)
  symphony-harness diff $SIM $SIM --new-config sim.bugs=drop-property

What is played on both builds, each in its own workers and devices: the library facts (`inspect`, the probe), every check, the scenario files given with --scenarios, and --cases histories drawn from --seed as `explore` draws them. What is compared, as Symphony would see it: check statuses; in each scenario and history, call by call, how each call ended, what `get` reported (under the provider's rule, as Symphony compares components), what `apply` returned, failed rounds, convergence, what a removal left, the devices' truth, and the expectations (a history's are explore's invariants).

Each difference is regressed (a verdict got worse, a call ends worse, `get` reports less, `apply` reports a failure, a reconcile no longer converges), fixed (the other way round) or changed (observable, neither better nor worse by any verdict), shown with the first input that shows it, both builds' evidence, a scenario file and the command that shows it again.

Reference:\n",
    super::docs_url!("docs/commands/diff.md")
);

/// Compare what Symphony would observe between two builds of a provider
///
/// Plays the same inputs on OLD and NEW and reports every difference Symphony would observe,
/// grouped by kind: regressed, fixed, changed. Identical builds say so (exit 0); any difference
/// exits 12, or only a regression with `--fail-on regressed`. The answer to "what did my change
/// change?" in a pull request: diff the main branch's build against the PR's.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct DiffArgs {
    /// The old build of the provider library (`.so`): main's, the release in the field
    #[arg(value_name = "OLD")]
    old: PathBuf,

    /// The new build: the one under review
    #[arg(value_name = "NEW")]
    new: PathBuf,

    #[command(flatten)]
    binding: SubjectArgs,

    /// A binding config key for OLD only (after `--config`); repeatable
    #[arg(long, value_name = "KEY=VALUE|@FILE", help_heading = "Binding")]
    old_config: Vec<String>,

    /// A binding config key for NEW only (after `--config`); repeatable
    #[arg(long, value_name = "KEY=VALUE|@FILE", help_heading = "Binding")]
    new_config: Vec<String>,

    /// OLD's `libHash` [default: `--hash`, else the file's own SHA-256]
    #[arg(long, value_name = "SHA256|any", help_heading = "Binding")]
    old_hash: Option<String>,

    /// NEW's `libHash` [default: `--hash`, else the file's own SHA-256]
    #[arg(long, value_name = "SHA256|any", help_heading = "Binding")]
    new_hash: Option<String>,

    /// Run only these checks: an id (`apply.converges`) or an area (`apply`); repeatable
    #[arg(long, value_name = "ID|AREA", help_heading = "Inputs")]
    only: Vec<String>,

    /// Skip these checks: an id or an area; repeatable
    #[arg(long, value_name = "ID|AREA", help_heading = "Inputs")]
    skip: Vec<String>,

    /// Run no check at all
    #[arg(long, help_heading = "Inputs", conflicts_with_all = ["only", "skip"])]
    no_checks: bool,

    /// Scenario files, or folders of them (their `*.json`), played on both builds (each
    /// bound to the build; the command line's config wins over the file's); repeatable
    /// [default: none]
    #[arg(long, value_name = "PATH", help_heading = "Inputs")]
    scenarios: Vec<PathBuf>,

    /// The seed the histories are drawn from (history N is case N of `explore --seed`)
    #[arg(
        long,
        value_name = "SEED",
        default_value_t = 0,
        help_heading = "Inputs"
    )]
    seed: u64,

    /// How many histories to play on both builds (0: none)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CASES, help_heading = "Inputs")]
    cases: usize,

    /// At most this many operations per history
    #[arg(long, value_name = "M", default_value_t = 8, help_heading = "Inputs")]
    max_steps: usize,

    /// Rounds within which a history's reconcile must converge after a change
    #[arg(long, value_name = "K", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Inputs")]
    converge_within: u32,

    #[command(flatten)]
    deadlines: Deadlines,

    /// Which differences fail the run (exit 12): any observable change, or only regressions
    #[arg(long, value_enum, default_value_t = FailOn::Changed, help_heading = "Output")]
    fail_on: FailOn,

    /// Where the scenario file of each difference's first input is written (a history, or a
    /// check's scenario)
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/symphony-harness/diff",
        help_heading = "Output"
    )]
    save: PathBuf,

    /// Write no scenario files (a history is then shown again from the seed)
    #[arg(long, help_heading = "Output")]
    no_save: bool,

    #[command(flatten)]
    output: ReportArgs,
}

/// `--fail-on`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FailOn {
    /// Only a regression fails the run
    Regressed,
    /// Any observable change fails the run: regressed, fixed or changed
    Changed,
}

/// The exit code of `report` under `fail_on`. A build Symphony gets no provider from gives
/// the code `load` gives it (the old build's first), whatever differs.
fn verdict_code(report: &DiffReport, fail_on: FailOn) -> i32 {
    if let Some(code) = report.old.no_provider.or(report.new.no_provider) {
        return code;
    }
    let fails = match fail_on {
        FailOn::Changed => !report.no_change(),
        FailOn::Regressed => report.count(Kind::Regressed) > 0,
    };
    if fails {
        exit_code::DIFFERS
    } else {
        exit_code::SUCCESS
    }
}

/// One build's spec: `--config` then its own `--old-config`/`--new-config`, its own hash
/// before `--hash`.
fn spec(
    args: &DiffArgs,
    library: &std::path::Path,
    config: &[String],
    own_hash: Option<&String>,
) -> anyhow::Result<SubjectSpec> {
    let mut spec = args.binding.spec(
        Source::Library(library.to_path_buf()),
        args.deadlines.backend(),
    )?;
    let entries: Vec<String> = args.binding.config.iter().chain(config).cloned().collect();
    let hash = Reserved {
        key: "libHash",
        flag: "`--hash`, `--old-hash` or `--new-hash`",
    };
    spec.config = parse_config(&entries, &[Reserved::LIB_FILE, hash])?;
    if let Some(hash) = own_hash {
        spec.hash = Some(hash.clone());
    }
    Ok(spec)
}

/// The scenario files `--scenarios` names, read; any that cannot be read is reported and
/// nothing is played.
fn scenarios(paths: &[PathBuf]) -> anyhow::Result<Vec<Scenario>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let files = expand_paths(paths).context("cannot list the scenario files")?;
    if files.is_empty() {
        bail!("no scenario file (`*.json`) in the `--scenarios` given: nothing to play");
    }
    let mut read = Vec::new();
    let mut bad = Vec::new();
    for file in files {
        match read_scenario(&file) {
            Ok(loaded) => {
                for note in &loaded.notes {
                    output::warning(&note.to_string());
                }
                read.push(loaded.scenario);
            }
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
    Ok(read)
}

pub fn run(args: &DiffArgs) -> anyhow::Result<i32> {
    check_names(&args.only)?;
    check_names(&args.skip)?;
    let old = spec(
        args,
        &args.old,
        &args.old_config,
        args.old_hash.as_ref().or(args.binding.hash.as_ref()),
    )?;
    let new = spec(
        args,
        &args.new,
        &args.new_config,
        args.new_hash.as_ref().or(args.binding.hash.as_ref()),
    )?;
    let scratch = tempfile::Builder::new()
        .prefix("symphony-harness-diff-")
        .tempdir()
        .context("cannot make a scratch folder")?;
    let options = DiffOptions {
        checks: (!args.no_checks).then(|| CheckOptions {
            only: args.only.clone(),
            skip: args.skip.clone(),
            scratch: scratch.path().to_path_buf(),
        }),
        scenarios: scenarios(&args.scenarios)?,
        seed: args.seed,
        cases: args.cases,
        shape: Shape {
            max_steps: args.max_steps,
            ..Shape::default()
        },
        converge_within: args.converge_within,
        scratch: scratch.path().to_path_buf(),
        save: (!args.no_save).then(|| args.save.clone()),
    };
    let bar = progress_bar();
    let result = diff(&old, &new, &options, &|side, input| {
        bar.inc(1);
        bar.set_message(format!("{}: {}", side.as_str(), input.label()));
    });
    bar.finish_and_clear();
    let report = result?;
    let mut buffer = Vec::new();
    match args.output.format {
        RunFormat::Human => report::human(&mut buffer, &report)?,
        RunFormat::Json => report::json(&mut buffer, &report)?,
        RunFormat::Junit => report::junit(&mut buffer, &report)?,
    }
    match &args.output.output {
        Some(path) => std::fs::write(path, &buffer)
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?,
        None => output::reader_gone_is_ok(output::stdout_bytes(&buffer))?,
    }
    if !args.output.human_on_stdout() {
        output::stderr(&format!("{}\n", report::summary_line(&report)));
    }
    Ok(verdict_code(&report, args.fail_on))
}

/// A spinner counting inputs played on both builds, on a terminal only.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{elapsed} {spinner} {pos} inputs played {msg}")
    {
        bar.set_style(style);
    }
    bar
}
