//! `symphony-harness reconcile`: Symphony's reconcile loop on real Target (and Solution and
//! Instance) files, against real provider libraries.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::engine::binding::undriven;
use symphony_harness::engine::events::EventSink;
use symphony_harness::engine::findings::host_findings;
use symphony_harness::engine::reconcile::{
    run as run_rounds, FailedBy, Reconciler, RunEnd, RunOptions, RunReport, Stage,
};
use symphony_harness::engine::Outcome;
use symphony_harness::exit_code;
use symphony_harness::input::read_objects;
use symphony_harness::load::probe::{preload_deployment, BindingLoadError, PreloadedBinding};
use symphony_harness::load::resolve::{self, EXTENSIONS_MOUNT};
use symphony_harness::load::{LoadFailureClass, PreloadError};
use symphony_harness::model::Symphony;
use symphony_harness::report::json::{self, Document};
use symphony_harness::report::reconcile::{
    binding_warning, finding_warning, Progress, ReconcileDocument, ReconcilePrinter, RunRecord,
};
use symphony_harness::worker::{self, provider_factory};

use super::args::{Format, StrictArgs};
use super::args::{HostArg, ProviderArgs, SymphonyArg};
use super::explain::Refused;
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness reconcile --target my-target.json \\
      --extensions target/release --remove
  symphony-harness reconcile --target t.json --solution app-v1.json \\
      --instance app.json --rounds 3
  symphony-harness reconcile --target t.json --symphony 0.48 --format json \\
      | jq .verdict

Reference:\n",
    super::docs_url!("docs/commands/reconcile.md")
);

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

    /// Apply with `is_dry_run` (as `isDryRun` on the instance or target): state is never saved,
    /// so every one of `--rounds` rounds applies every step again, as every poll of Symphony does
    #[arg(long, help_heading = "Reconcile")]
    dry_run: bool,

    /// The Symphony generation whose JSON providers receive: 0.49 (`solutionversion*` names)
    /// or 0.48 (`solution*` names)
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Reconcile")]
    symphony: SymphonyArg,

    /// Reconcile only this target's steps, as Reconcile's `targetName` does: `get` and `apply`
    /// are called for no other target, and the stored state is still saved whole, the other
    /// targets' components with it [default: every target]
    #[arg(long, value_name = "TARGET", help_heading = "Reconcile")]
    target_name: Option<String>,

    #[command(flatten)]
    input: StrictArgs,

    #[command(flatten)]
    provider: ProviderArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

pub fn run(args: &ReconcileArgs) -> anyhow::Result<i32> {
    if args.symphony == SymphonyArg::V048 && args.provider.host == HostArg::Symphony {
        return Err(Refused::usage(
            "`--host symphony` runs the host functions of the `symphony` 0.1.5 crate, which read \
             only Symphony 0.49 names; with `--symphony 0.48` every call would abort in that \
             host, which is not what a Symphony 0.48 (built with `symphony` 0.1.4) does\nhint: \
             use `--host harness` (it hands a 0.48 deployment to the provider as a 0.1.4 host \
             would), or `--symphony 0.49`",
        ));
    }
    let solution_and_instance = args.solution.as_deref().zip(args.instance.as_deref());
    let objects = read_objects(&args.target, solution_and_instance)?;
    args.input.check(&objects.notes)?;
    let mut deployment = objects.value.deployment()?;
    if args.dry_run {
        deployment.is_dry_run = true;
    }
    if let Some(name) = args.target_name.as_deref() {
        if !deployment.targets.contains_key(name) {
            let targets: Vec<String> = deployment
                .targets
                .keys()
                .map(|target| format!("`{target}`"))
                .collect();
            return Err(Refused::usage(format!(
                "`--target-name {name}` names no target of the deployment (its targets: {}): \
                 Symphony would reconcile nothing and save the state as if it had\nhint: pass \
                 one of those names, or leave `--target-name` out to reconcile every target",
                targets.join(", ")
            )));
        }
    }
    undriven(&deployment)?;
    let symphony = Symphony::from(args.symphony);
    let findings = host_findings(&deployment);
    let mut factory = provider_factory(
        &args.provider.backend(),
        resolve::extensions_into(&args.extensions),
    )?;
    // A library that cannot load fails every round the same way: say so once, as `load` does.
    let mut resolve_here = resolve::extensions_into(&args.extensions);
    let preloaded = match preload_deployment(&deployment, factory.as_mut(), &mut resolve_here) {
        Ok(preloaded) => preloaded,
        Err(err) => return Err(load_failure(*err, args)),
    };
    warn_about_bindings(&preloaded);
    let mut reconciler = Reconciler::new(symphony);
    reconciler.set_target_name(args.target_name.as_deref());
    let options = RunOptions {
        rounds: args.rounds,
        remove: args.remove,
    };
    let mut run = |sink: &mut dyn EventSink| {
        run_rounds(&mut reconciler, &deployment, options, &mut factory, sink)
    };
    let report = match args.format {
        Format::Human => {
            let mut printer = ReconcilePrinter::new(anstream::stdout());
            printer.header(&deployment, symphony);
            for finding in &findings {
                output::warning(&finding_warning(finding));
            }
            let mut sink = Progress::on_terminal(printer);
            let report = run(&mut sink)?;
            let mut printer = sink.into_inner();
            match worker::interrupted() {
                Some(signal) => printer.interrupted(&worker::signal_name(signal), &report),
                None => printer.verdict(&report),
            }
            output::reader_gone_is_ok(printer.finish())?;
            report
        }
        Format::Json => {
            let mut sink = Progress::on_terminal(RunRecord::new());
            let report = run(&mut sink)?;
            let record = sink.into_inner();
            let unconfirmed = record.unconfirmed(&report);
            let transcript = record.into_transcript();
            output::json(&Document::new(
                json::RECONCILE,
                &ReconcileDocument::new(&deployment, symphony, &findings, &report, &transcript)
                    .with_unconfirmed(unconfirmed)
                    .interrupted_by(worker::interrupted().map(worker::signal_name)),
            ))?;
            report
        }
    };
    Ok(run_exit_code(&report))
}

/// The exit code of a run: the harness's own failure first, then the verdict.
fn run_exit_code(report: &RunReport) -> i32 {
    let last_failures = [report.rounds.last(), report.removal.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|round| round.failure.as_ref());
    for failure in last_failures {
        match failure.outcome {
            FailedBy::Call(Outcome::Harness) => return exit_code::ERROR,
            // Symphony could not create the provider, as `load` reports it.
            FailedBy::Call(Outcome::NullProvider) if failure.stage == Stage::CreateProvider => {
                return exit_code::LOAD_FAILED
            }
            _ => {}
        }
    }
    let removal_failed = report.removal.as_ref().is_some_and(|r| r.failure.is_some());
    match report.verdict {
        RunEnd::Failed { .. } | RunEnd::Aborted { .. } => exit_code::CALL_FAILED,
        _ if removal_failed => exit_code::CALL_FAILED,
        RunEnd::NotConverged { .. } => exit_code::NOT_CONVERGED,
        // The device did not reach the desired state (nothing): as good as not converged.
        _ if !report.left_after_removal.is_empty() => exit_code::NOT_CONVERGED,
        RunEnd::Converged { .. } | RunEnd::DryRun { .. } => exit_code::SUCCESS,
    }
}

/// A library that cannot load, reported once, with the exit code `load` would give.
fn load_failure(err: BindingLoadError, args: &ReconcileArgs) -> anyhow::Error {
    let looked_at = resolve::extensions_into(&args.extensions)(&err.lib_file);
    let (code, hint) = match &err.failure {
        PreloadError::Load(failure) if failure.class == LoadFailureClass::Unreadable => (
            exit_code::ERROR,
            Some(format!(
                "`{}` was looked for at `{}` (`--extensions {}` maps `{EXTENSIONS_MOUNT}`); \
                 for a local build pass the folder holding the built library, e.g. \
                 `--extensions target/release`",
                err.lib_file,
                looked_at.display(),
                args.extensions.display()
            )),
        ),
        PreloadError::Load(failure) => (failure.class.exit_code(), failure.hint.clone()),
        PreloadError::Call(_) => (exit_code::LOAD_FAILED, None),
    };
    let mut message = format!(
        "{err}: Symphony would fail every round the same way (retrying on every poll), so \
         no round is run"
    );
    if let Some(hint) = hint {
        message.push_str(&format!("\nhint: {hint}"));
    }
    Refused::caused(code, message, err.failure)
}

/// Warns, as `load` does, about each binding's skipped hash check and risky library.
fn warn_about_bindings(preloaded: &[PreloadedBinding]) {
    for binding in preloaded {
        for warning in &binding.warnings {
            output::warning(&binding_warning(binding, warning));
        }
    }
}
