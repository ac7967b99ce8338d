//! `symphony-harness reconcile`: Symphony's reconcile loop on real Target (and Solution and
//! Instance) files, against real provider libraries.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use symphony_harness::engine::deployment::{from_objects, from_target};
use symphony_harness::engine::events::{CallKind, CallReturn, Event, EventSink, Phase};
use symphony_harness::engine::findings::host_findings;
use symphony_harness::engine::reconcile::{
    run as run_rounds, Reconciler, RoundReport, RunEnd as Verdict, RunOptions, StateOutcome,
    StepDecision,
};
use symphony_harness::exit_code;
use symphony_harness::model::{InstanceState, SolutionState, Symphony, TargetState};

use symphony_harness::engine::{CallError, Provider, ProviderFactory};
use symphony_harness::load::{LibFileResolver, PreloadFactory};
use symphony_harness::model::BindingConfig;

use super::args::Format;
use super::backend::{provider_factory, ProviderArgs};
use super::output::{self, ERROR, GOOD, LABEL, WARN};

const EXAMPLES: &str = "\
Examples:
  symphony-harness reconcile --target my-target.json --extensions target/release --remove
  symphony-harness reconcile --target t.json --solution app-v1.json --instance app.json --rounds 3
  symphony-harness reconcile --target t.json --symphony 0.48 --format json | jq .verdict";

/// Run Symphony's reconcile loop on Target files, as Symphony would, without Symphony
///
/// Builds the deployment Symphony builds: from a Target alone, the synthetic
/// `target-runtime-<target>` deployment of the target's own components; with `--solution` and
/// `--instance`, the instance's deployment to the targets it selects. Then runs rounds (one
/// reconcile each) until a round applies nothing (converged) or `--rounds` ran, calling the
/// providers the Targets bind exactly as Symphony does: a new provider for every `get` and
/// every `apply` step, `get` once per step, the skip check with `get_validation_rule`, deletes
/// last. `--remove` then runs the removal (the instance or target deleted).
///
/// Prints every call with its step, outcome and result map, and a verdict: converged after k
/// rounds, or never converged and why (component, rule entry, key, both `%v` texts). Symphony's
/// waits (5 s after a failed apply, the 15 s poll) are counted, not slept.
///
/// Providers run in a supervised worker process by default (`--in-process` runs them here, where
/// a panic ends the harness); the worker keeps running between calls, so a provider's in-memory
/// device survives from round to round, as in Symphony's process.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct ReconcileArgs {
    /// A Target object (JSON); repeat it for an instance that selects several targets
    #[arg(
        long,
        value_name = "TARGET.json",
        required = true,
        help_heading = "Objects"
    )]
    target: Vec<PathBuf>,

    /// A Solution (0.48) or SolutionVersion (0.49) object; needs `--instance`
    #[arg(
        long,
        value_name = "SOLUTION.json",
        requires = "instance",
        help_heading = "Objects"
    )]
    solution: Option<PathBuf>,

    /// An Instance object; needs `--solution`
    #[arg(
        long,
        value_name = "INSTANCE.json",
        requires = "solution",
        help_heading = "Objects"
    )]
    instance: Option<PathBuf>,

    /// Where a binding's `libFile` under `/extensions/` is found (Symphony's container path)
    #[arg(
        long,
        value_name = "DIR",
        default_value = "./providers",
        help_heading = "Providers"
    )]
    extensions: PathBuf,

    /// At most this many rounds before giving up on convergence
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Reconcile")]
    rounds: u32,

    /// After the rounds, run the removal (as when the instance or target is deleted)
    #[arg(long, help_heading = "Reconcile")]
    remove: bool,

    /// Apply with `is_dry_run` (as `isDryRun` on the instance or target): one round, state
    /// never saved
    #[arg(long, help_heading = "Reconcile")]
    dry_run: bool,

    /// The Symphony generation whose JSON providers receive: 0.49 (`solutionversion*` names)
    /// or 0.48 (`solution*` names)
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Reconcile")]
    symphony: SymphonyArg,

    #[command(flatten)]
    provider: ProviderArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

/// Maps a binding's `libFile` under `/extensions/` (Symphony's container path) into `dir`.
fn extensions_resolver(dir: &Path) -> LibFileResolver {
    let dir = dir.to_path_buf();
    Box::new(
        move |lib_file: &str| match lib_file.strip_prefix("/extensions/") {
            Some(rest) => dir.join(rest),
            None => PathBuf::from(lib_file),
        },
    )
}

/// The backend's factory seen as the engine's trait.
struct Factory(Box<dyn PreloadFactory>);

impl ProviderFactory for Factory {
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        self.0.create(config)
    }
}

/// `--symphony` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymphonyArg {
    /// Symphony 0.48 and earlier: `solutionName`, `solution`
    #[value(name = "0.48")]
    V048,
    /// Symphony 0.49.1 and later: `solutionversionName`, `solutionversion`
    #[value(name = "0.49")]
    V049,
}

impl From<SymphonyArg> for Symphony {
    fn from(arg: SymphonyArg) -> Symphony {
        match arg {
            SymphonyArg::V048 => Symphony::V048,
            SymphonyArg::V049 => Symphony::V049,
        }
    }
}

fn read<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{what} `{}` does not parse", path.display()))
}

/// A Target file as Symphony's API stores it: in namespace `default` unless it names one.
fn read_target(path: &Path) -> anyhow::Result<TargetState> {
    let mut target: TargetState = read(path, "target")?;
    if target.metadata.name.is_empty() {
        bail!("target `{}` has no `metadata.name`", path.display());
    }
    if target.metadata.namespace.is_empty() {
        target.metadata.namespace = "default".to_string();
    }
    Ok(target)
}

/// The `--format json` document; steps keep Go's field order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ReconcileOutput<'a> {
    deployment: &'a str,
    symphony: String,
    findings: &'a [symphony_harness::engine::findings::Finding],
    verdict: &'a Verdict,
    why: &'a [String],
    rounds: &'a [RoundReport],
    removal: Option<&'a RoundReport>,
    waited_seconds: u64,
}

/// Prints events as they come (human format).
struct Printer;

fn names(components: &[(String, symphony_harness::model::ComponentAction)], signs: bool) -> String {
    components
        .iter()
        .map(|(name, action)| {
            if signs {
                format!("{}{name}", action.sign())
            } else {
                name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl EventSink for Printer {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RoundStarted { round, at_seconds, remove, has_previous } => {
                anstream::println!(
                    "\n{LABEL}round {round}{LABEL:#} (t={at_seconds}s{}{})",
                    if *remove { ", removal" } else { "" },
                    if *has_previous { "" } else { ", no previous state" }
                );
            }
            Event::CallStarted { site, call, components } if !matches!(call, CallKind::Create) => {
                let phase = match site.phase {
                    Phase::Get => "get-phase",
                    Phase::Apply => "apply-phase",
                };
                let signs = matches!(call, CallKind::Apply { .. });
                anstream::println!(
                    "  {:<19} {phase} step {} `{}`/`{}`{}",
                    call.name(),
                    site.step,
                    site.target,
                    site.role,
                    if components.is_empty() { String::new() } else { format!(" [{}]", names(components, signs)) }
                );
            }
            Event::CallFinished { call, outcome, .. } => match (call, outcome) {
                (CallKind::Create, Ok(_)) => {}
                (_, Err(err)) => anstream::println!(
                    "    {ERROR}{} failed ({}){ERROR:#}: {err}",
                    call.name(),
                    err.outcome()
                ),
                (_, Ok(CallReturn::Components(components))) => {
                    let listed: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
                    anstream::println!("    {GOOD}ok{GOOD:#}: reported [{}]", listed.join(" "));
                }
                (_, Ok(CallReturn::Results(results))) => {
                    let listed: Vec<String> = results
                        .iter()
                        .map(|(name, r)| {
                            if r.message.is_empty() {
                                format!("{name}: {}", r.status)
                            } else {
                                format!("{name}: {} {}", r.status, r.message)
                            }
                        })
                        .collect();
                    anstream::println!(
                        "    {GOOD}ok{GOOD:#}: results {{{}}} (the map never decides success)",
                        listed.join(", ")
                    );
                }
                (_, Ok(CallReturn::Rule(_))) => anstream::println!("    {GOOD}ok{GOOD:#}"),
                (_, Ok(CallReturn::Created)) => {}
            },
            Event::StepDecided { site, decision } => match decision {
                StepDecision::Skip => anstream::println!(
                    "  skip                apply-phase step {} `{}`/`{}`: every component unchanged",
                    site.step,
                    site.target,
                    site.role
                ),
                StepDecision::Apply { reason } => anstream::println!(
                    "  decide              apply-phase step {} `{}`/`{}`: apply, because {}",
                    site.step,
                    site.target,
                    site.role,
                    reason.describe()
                ),
            },
            Event::Waited { seconds, why, .. } => {
                anstream::println!("  {WARN}Symphony waits {seconds} s{WARN:#}: {why}");
            }
            Event::RoundFinished { report } => print_round_end(report),
            Event::CallStarted { .. } => {}
        }
    }
}

fn print_round_end(report: &RoundReport) {
    if let Some(noop) = &report.noop {
        println!("  nothing done: {noop}");
    }
    if let Some(failure) = &report.failure {
        anstream::println!(
            "  {ERROR}round failed{ERROR:#} at {:?} step {} `{}`/`{}` ({}): {}",
            failure.stage,
            failure.step,
            failure.target,
            failure.role,
            failure.outcome,
            failure.message
        );
        if failure.indeterminate {
            anstream::println!(
                "  {WARN}indeterminate:{WARN:#} the provider's process died during `apply`, so \
                 the device may or may not have changed; the next round's `get` reads its real \
                 state"
            );
        }
    }
    let state = match report.state {
        StateOutcome::Saved => "state saved",
        StateOutcome::Dropped => "state dropped (nothing left)",
        StateOutcome::NotSavedDryRun => "state not saved (dry run)",
        StateOutcome::NotSavedFailed => "state not saved (failed round)",
        StateOutcome::Untouched => "state untouched",
    };
    println!(
        "  applied {}, skipped {}; {state}",
        report.applied, report.skipped
    );
}

/// Why the last round still applied something, one line per applied step.
fn why_not_converged(report: &RoundReport) -> Vec<String> {
    report
        .steps
        .iter()
        .filter_map(|record| match &record.decision {
            StepDecision::Apply { reason } => Some(format!(
                "step `{}`/`{}`: {}",
                record.step.target,
                record.step.role,
                reason.describe()
            )),
            StepDecision::Skip => None,
        })
        .collect()
}

pub fn run(args: &ReconcileArgs) -> anyhow::Result<i32> {
    let targets: Vec<TargetState> = args
        .target
        .iter()
        .map(|path| read_target(path))
        .collect::<anyhow::Result<_>>()?;
    let mut deployment = match (&args.solution, &args.instance) {
        (Some(solution), Some(instance)) => {
            let solution: SolutionState = read(solution, "solution")?;
            let instance: InstanceState = read(instance, "instance")?;
            from_objects(&instance, &solution, &targets, "default")?
        }
        _ => {
            let [target] = targets.as_slice() else {
                bail!(
                    "{} targets given without `--solution` and `--instance`\nhint: a Target \
                     alone deploys its own components: reconcile one target at a time",
                    targets.len()
                );
            };
            from_target(target, "default")?
        }
    };
    if args.dry_run {
        deployment.is_dry_run = true;
    }
    let findings = host_findings(&deployment);
    let mut factory = Factory(provider_factory(
        &args.provider,
        extensions_resolver(&args.extensions),
        false,
    )?);
    let mut reconciler = Reconciler::new(args.symphony.into());
    let options = RunOptions {
        rounds: args.rounds,
        remove: args.remove,
    };
    let human = args.format == Format::Human;
    if human {
        anstream::println!(
            "{LABEL}deployment{LABEL:#} `{}` (Symphony {} wire names): {} component(s), target(s) {}",
            deployment.solution_name,
            Symphony::from(args.symphony),
            deployment.components().len(),
            deployment.targets.keys().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        );
        for finding in &findings {
            output::warning(&format!(
                "{} [{}]; Symphony: {}",
                finding.message, finding.id, finding.symphony_sees
            ));
        }
    }
    let report = if human {
        run_rounds(
            &mut reconciler,
            &deployment,
            options,
            &mut factory,
            &mut Printer,
        )?
    } else {
        run_rounds(
            &mut reconciler,
            &deployment,
            options,
            &mut factory,
            &mut symphony_harness::engine::events::NoSink,
        )?
    };
    let removal_failed = report.removal.as_ref().is_some_and(|r| r.failure.is_some());
    let code = match report.verdict {
        Verdict::Failed { .. } => exit_code::CALL_FAILED,
        _ if removal_failed => exit_code::CALL_FAILED,
        Verdict::NotConverged { .. } => exit_code::NOT_CONVERGED,
        Verdict::Converged { .. } | Verdict::DryRun => exit_code::SUCCESS,
    };
    let last = report.rounds.last();
    let why: Vec<String> = match (&report.verdict, last) {
        (Verdict::NotConverged { .. }, Some(last)) => why_not_converged(last),
        _ => Vec::new(),
    };
    if human {
        println!();
        let waited = report.waited_seconds;
        match &report.verdict {
            Verdict::Converged { rounds } => anstream::println!(
                "{GOOD}verdict: converged after {rounds} round(s){GOOD:#} (Symphony would have waited {waited} s)"
            ),
            Verdict::NotConverged { rounds } => {
                anstream::println!(
                    "{ERROR}verdict: never converged in {rounds} round(s){ERROR:#}: Symphony re-applies on every poll; in round {rounds}:"
                );
                for line in &why {
                    println!("  - {line}");
                }
            }
            Verdict::Failed { rounds } => anstream::println!(
                "{ERROR}verdict: round {rounds} failed{ERROR:#}; Symphony retries on the next poll (within 15 s)"
            ),
            Verdict::DryRun => anstream::println!(
                "{WARN}verdict: dry run{WARN:#}: state is never saved, so Symphony applies every step (with is_dry_run) on every reconcile"
            ),
        }
        if let Some(removal) = &report.removal {
            match (&removal.failure, removal.state) {
                (Some(_), _) => anstream::println!("{ERROR}removal failed{ERROR:#}; Symphony does not retry a failed delete job (standalone)"),
                (None, StateOutcome::Dropped) => anstream::println!("{GOOD}removal done{GOOD:#}: every component deleted, state dropped"),
                (None, _) => println!("removal done; state kept (components left on other targets)"),
            }
        }
    } else {
        let document = ReconcileOutput {
            deployment: &deployment.solution_name,
            symphony: Symphony::from(args.symphony).to_string(),
            findings: &findings,
            verdict: &report.verdict,
            why: &why,
            rounds: &report.rounds,
            removal: report.removal.as_ref(),
            waited_seconds: report.waited_seconds,
        };
        println!("{}", serde_json::to_string_pretty(&document)?);
    }
    Ok(code)
}
