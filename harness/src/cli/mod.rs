//! Command-line definitions and dispatch: flags in, library calls, output and exit codes out.
//!
//! One file per subcommand. This is the only place that prints (with `output`) and the only
//! place that uses `anyhow`; library errors give their exit codes and hints through
//! [`explain`].

mod args;
mod binding;
mod check;
mod compare;
mod completions;
mod diff;
mod explain;
mod explore;
mod hash;
mod inspect;
mod load;
mod new;
mod output;
mod plan;
mod reconcile;
mod run;
mod serve;
mod signals;
mod sim;
mod watch;

use clap::{Parser, Subcommand};
use symphony_harness::{exit_code, worker};

const EXAMPLES: &str = "\
Examples:
  symphony-harness inspect target/release/libmy_provider.so
  symphony-harness load target/release/libmy_provider.so --config region=eu
  symphony-harness binding target/release/libmy_provider.so --role my-role
  symphony-harness reconcile --target my-target.json --extensions target/release --remove

Without LIB, commands use the bundled simulated provider: libsymphony_sim_provider.so next to
this executable (a cargo build), else the copy embedded in it (`symphony-harness sim path`).";

/// `examples` followed by the table of exit codes, for a command's `--help`.
pub fn with_exit_status(examples: &str) -> String {
    let mut text = format!("{examples}\n\nExit status:\n");
    let width = exit_code::ALL
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for entry in exit_code::ALL {
        text.push_str(&format!(
            "  {:>3}  {:<width$} {}\n",
            entry.code, entry.name, entry.meaning
        ));
    }
    text
}

/// Test Eclipse Symphony Rust target providers without Symphony: load a provider library
/// exactly as Symphony does, and learn before deploying whether it is safe.
#[derive(Parser, Debug)]
#[command(
    name = "symphony-harness",
    version,
    propagate_version = true,
    after_help = EXAMPLES,
    after_long_help = with_exit_status(EXAMPLES),
)]
pub struct Cli {
    #[command(flatten)]
    global: args::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(check::CheckArgs),
    Inspect(inspect::InspectArgs),
    Load(load::LoadArgs),
    Hash(hash::HashArgs),
    Binding(binding::BindingArgs),
    Reconcile(reconcile::ReconcileArgs),
    Plan(plan::PlanArgs),
    Compare(compare::CompareArgs),
    Diff(diff::DiffArgs),
    Run(run::RunArgs),
    Replay(run::ReplayArgs),
    Explore(explore::ExploreArgs),
    Serve(serve::ServeArgs),
    Sim(sim::SimArgs),
    Completions(completions::CompletionsArgs),
    New(new::NewArgs),
    /// Serve provider calls for a supervisor (internal)
    #[command(name = "__worker", hide = true)]
    Worker,
}

/// Ends the process with `code` ([`signals::exit`]: at once after a load that never finished).
pub fn exit(code: i32) -> ! {
    signals::exit(code)
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    if let Command::Worker = cli.command {
        // Logs go to stderr, which the supervisor captures; keep them quiet by default.
        return match symphony_harness::worker::serve() {
            Ok(()) => exit_code::SUCCESS,
            Err(err) => {
                output::stderr(&format!("symphony-harness worker: {err}\n"));
                exit_code::ERROR
            }
        };
    }
    cli.global.apply();
    if let Err(err) = signals::listen() {
        output::error(&anyhow::Error::new(err).context("cannot listen for signals"));
        return exit_code::ERROR;
    }
    let result = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Load(args) => load::run(args),
        Command::Hash(args) => hash::run(args),
        Command::Binding(args) => binding::run(args),
        Command::Reconcile(args) => reconcile::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Run(args) => run::run(args),
        Command::Replay(args) => run::replay(args),
        Command::Explore(args) => explore::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Completions(args) => completions::run(args),
        Command::New(args) => new::run(args),
        Command::Worker => Ok(exit_code::SUCCESS),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            output::error(&err);
            explain::exit_code_for(&err)
        }
    };
    match worker::interrupted() {
        // The loop said how it stopped, and its code is the last verdict's.
        Some(signal) if signals::ends_watch(signal) => code,
        Some(signal) => {
            output::stderr(&format!(
                "symphony-harness: interrupted by {}; every worker was killed\n",
                worker::signal_name(signal)
            ));
            exit_code::for_signal(signal)
        }
        None => code,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_help_lists_every_exit_code() {
        let text = super::with_exit_status("");
        for entry in symphony_harness::exit_code::ALL {
            assert!(
                text.contains(&format!("  {}  {}", entry.code, entry.name)),
                "{text}"
            );
        }
    }
}
