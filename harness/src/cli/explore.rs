//! `symphony-harness explore`: random reconciliation histories against a provider, the first
//! that breaks an invariant shrunk and written out as a scenario file.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use symphony_harness::exit_code;
use symphony_harness::explore::{explore, ExploreOptions, OpKind, Shape};
use symphony_harness::jobs::Partition;
use symphony_harness::report::explore as report;
use symphony_harness::subject::{Source, Subject};
use symphony_harness::worker::Backend;

use super::args::{library_path, Deadlines, ReportArgs, RunFormat, SubjectArgs, SymphonyArg};
use super::explain::Refused;
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  # the bundled simulated provider
  symphony-harness explore
  symphony-harness explore --config sim.bugs=lying-get --seed 1
  symphony-harness explore target/release/libmy_provider.so \\
      --config endpoint=http://localhost:8080
  symphony-harness explore LIB --seed 42 --cases 2000 --jobs 2 \\
      --partition 1/4 --format junit
  symphony-harness explore LIB --weight drift=0 --weight reconcile=10 \\
      --max-steps 12

What is generated: the desired components (a pool of names; string, number, boolean and nested properties, some numbers whose Go `%v` text differs from their JSON; dependencies; sidecars) and operations on them: set the components, change a property, reconcile, dry run, remove, a new provider process, a Symphony restart, and on a provider with a device channel (the simulated one) drift on the device and one-round faults.

What must hold after every step: every call ends ok or as an error with a message; result maps are complete; what apply reports Updated is on the device, what it reports Deleted is gone; get reports only what it was asked about; from the K-th round after a change every round converges and the device is as desired under the provider's own rule; a dry run changes nothing; a removal leaves nothing `get` reports.

Reference:\n",
    super::docs_url!("docs/explore.md")
);

/// Play random reconciliation histories against a provider and shrink the first that breaks an
/// invariant to a scenario file
///
/// Draws CASES histories from SEED (each case has a seed of its own, so the same seed repeats
/// the same run whatever --jobs is), plays each through Symphony's reconcile against LIB, and
/// checks the provider's contract after every step. The first failing case is shrunk (proptest)
/// to the smallest history that still fails, written under --failures as a scenario file whose
/// only expectations are the broken invariants (`symphony-harness run FILE` replays it) with a
/// reproduction bundle; the next run tries every saved failure first. At the end: coverage
/// counts of what the cases exercised. Without LIB, explores the bundled simulated provider.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct ExploreArgs {
    /// Provider library (`.so`) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    library: Option<PathBuf>,

    /// The seed of the run [default: a random one, printed]
    #[arg(long, value_name = "SEED", help_heading = "Search")]
    seed: Option<u64>,

    /// How many histories to play (before --partition; at least 1)
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Search")]
    cases: u32,

    /// At most this many operations per history (at least 1)
    #[arg(long, value_name = "M", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Search")]
    max_steps: u32,

    /// At most this many desired components (1 to 8)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=8), help_heading = "Search")]
    max_components: u8,

    /// The weight of a kind of operation (`KIND=N`, 0: never); repeatable. Kinds: set, change,
    /// reconcile, dry-run, remove, new-instance, restart-symphony, drift, fault
    #[arg(long, value_name = "KIND=N", help_heading = "Search")]
    weight: Vec<String>,

    /// Rounds within which a reconcile must converge after a change
    #[arg(long, value_name = "K", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Search")]
    converge_within: u32,

    /// The most shrinking steps spent on a failure
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1024,
        help_heading = "Search"
    )]
    max_shrink_iters: u32,

    /// Histories played at once, each with its own provider workers [default: 1]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Search")]
    jobs: Option<u16>,

    /// Play only this machine's share of the cases, K of N (CI shards; give them one --seed)
    #[arg(long, value_name = "K/N", help_heading = "Search")]
    partition: Option<Partition>,

    /// Where failures are written (scenario file and bundle) and tried first by the next run
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/symphony-harness/explore",
        help_heading = "Output"
    )]
    failures: PathBuf,

    /// Neither write failures nor try saved ones
    #[arg(long, help_heading = "Output")]
    no_persist: bool,

    #[command(flatten)]
    binding: SubjectArgs,

    /// Give the binding config key KEY a fresh empty folder for every history (a provider
    /// keeping its device in a folder starts each from a clean device); repeatable
    #[arg(long, value_name = "KEY", help_heading = "Binding")]
    config_temp_dir: Vec<String>,

    /// Call the provider in this process: faster, but a panic ends the harness and no panic
    /// faults are drawn
    #[arg(long, help_heading = "Isolation")]
    in_process: bool,

    #[command(flatten)]
    deadlines: Deadlines,

    #[command(flatten)]
    output: ReportArgs,
}

/// `--weight KIND=N` values over the defaults.
fn weights(values: &[String]) -> anyhow::Result<BTreeMap<OpKind, u32>> {
    let mut weights = Shape::default().weights;
    for value in values {
        let Some((kind, weight)) = value.split_once('=') else {
            bail!("`--weight {value}`: write KIND=N, e.g. drift=0");
        };
        let Some(kind) = OpKind::from_name(kind.trim()) else {
            bail!(
                "`--weight {value}`: no kind `{kind}`; kinds: {}",
                OpKind::ALL.map(OpKind::name).join(", ")
            );
        };
        let Ok(weight) = weight.trim().parse::<u32>() else {
            bail!("`--weight {value}`: the weight is a whole number (0: never)");
        };
        weights.insert(kind, weight);
    }
    if weights.values().all(|w| *w == 0) {
        bail!("every `--weight` is 0: nothing can be drawn");
    }
    Ok(weights)
}

/// `text` as one shell word: bare when it is plain, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:@,+%".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The command that repeats this run with `seed`: the library as given, every binding flag,
/// and every flag that changes which cases are drawn, how they play or how they shrink (not
/// `--jobs`, the output flags, or where failures go).
fn repeat_command(args: &ExploreArgs, seed: u64) -> String {
    let mut words = vec!["symphony-harness".to_string(), "explore".to_string()];
    if let Some(library) = &args.library {
        words.push(shell_word(&library.to_string_lossy()));
    }
    let mut flag = |name: &str, value: String| {
        words.push(name.to_string());
        words.push(shell_word(&value));
    };
    for config in &args.binding.config {
        flag("--config", config.clone());
    }
    if let Some(hash) = &args.binding.hash {
        flag("--hash", hash.clone());
    }
    if let Some(component_type) = &args.binding.component_type {
        flag("--component-type", component_type.clone());
    }
    if args.binding.symphony != SymphonyArg::V049 {
        flag(
            "--symphony",
            args.binding.symphony.release().as_str().to_string(),
        );
    }
    for key in &args.config_temp_dir {
        flag("--config-temp-dir", key.clone());
    }
    flag("--seed", seed.to_string());
    let defaults = ExploreOptions::default();
    if args.cases as usize != defaults.cases {
        flag("--cases", args.cases.to_string());
    }
    let shape = Shape::default();
    if args.max_steps as usize != shape.max_steps {
        flag("--max-steps", args.max_steps.to_string());
    }
    if usize::from(args.max_components) != shape.max_components {
        flag("--max-components", args.max_components.to_string());
    }
    for weight in &args.weight {
        flag("--weight", weight.clone());
    }
    if args.converge_within != defaults.converge_within {
        flag("--converge-within", args.converge_within.to_string());
    }
    if args.max_shrink_iters != defaults.max_shrink_iters {
        flag("--max-shrink-iters", args.max_shrink_iters.to_string());
    }
    if let Some(partition) = &args.partition {
        flag(
            "--partition",
            format!("{}/{}", partition.index, partition.count),
        );
    }
    if args.deadlines.call_timeout.0 != symphony_harness::worker::DEFAULT_CALL_TIMEOUT {
        flag("--call-timeout", args.deadlines.call_timeout.to_string());
    }
    if args.in_process {
        words.push("--in-process".to_string());
    }
    words.join(" ")
}

/// A seed for a run given none.
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

pub fn run(args: &ExploreArgs) -> anyhow::Result<i32> {
    let weights = weights(&args.weight).map_err(Refused::usage)?;
    if args.partition.is_some() && args.seed.is_none() {
        return Err(Refused::usage(
            "`--partition` splits one run across machines: give every machine the same `--seed`",
        ));
    }
    let library = library_path(args.library.as_deref())?;
    let seed = args.seed.unwrap_or_else(random_seed);
    let human = args.output.human_on_stdout();
    let command = repeat_command(args, seed);
    if args.seed.is_none() {
        output::stderr(&format!("seed {seed} (repeat this run with `{command}`)\n"));
    }
    let scratch = symphony_harness::scenario::scratch_folder("symphony-harness-explore-")
        .context("cannot make a scratch folder")?;
    let options = ExploreOptions {
        seed,
        cases: args.cases as usize,
        shape: Shape {
            weights,
            max_steps: args.max_steps as usize,
            max_components: usize::from(args.max_components),
            ..Shape::default()
        },
        converge_within: args.converge_within,
        jobs: args.jobs.map_or(1, usize::from),
        partition: args.partition,
        max_shrink_iters: args.max_shrink_iters,
        failures: (!args.no_persist).then(|| args.failures.clone()),
        scratch: scratch.path().to_path_buf(),
        command: Some(command),
    };
    let backend = Backend {
        in_process: args.in_process,
        ..args.deadlines.backend()
    };
    let mut spec = args.binding.spec(Source::Library(library), backend)?;
    spec.config_temp_dirs = args.config_temp_dir.clone();
    let subject = Subject::settle(&spec)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed} [{bar:30}] {pos}/{len} cases, {per_sec} {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = explore(&subject, &options, &|progress| {
        bar.set_length(progress.planned as u64);
        bar.set_position(progress.done as u64);
        if progress.failed {
            bar.set_message("a case failed: finishing earlier cases, then shrinking");
        }
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
    if !human {
        output::stderr(&format!("{}\n", report::summary_line(&report)));
    }
    Ok(if report.failure.is_some() {
        exit_code::INVARIANT_BROKEN
    } else {
        exit_code::SUCCESS
    })
}
