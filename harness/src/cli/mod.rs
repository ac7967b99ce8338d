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
mod exit_codes;
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

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use symphony_harness::report::json::{Document, ErrorDocument, ErrorText, ERROR};
use symphony_harness::{exit_code, worker};

/// The URL of a page of this project's reference (`docs/…` in its repository), for `--help`
/// texts: an installed binary has no `docs/` folder to point at.
macro_rules! docs_url {
    ($page:literal) => {
        concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/", $page)
    };
}
pub(crate) use docs_url;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness check target/release/libmy_provider.so
  symphony-harness inspect target/release/libmy_provider.so
  symphony-harness load target/release/libmy_provider.so --config region=eu
  symphony-harness binding target/release/libmy_provider.so --role my-role
  symphony-harness reconcile --target my-target.json \\
      --extensions target/release --remove

Without LIB, commands use the bundled simulated provider: libsymphony_sim_provider.so next to this executable (a cargo build), else the copy embedded in it (`symphony-harness sim path`).

Reference:\n",
    docs_url!("docs/README.md")
);

/// `examples`, then where the exit codes are explained: the last lines of every command's
/// `--help` (the table itself is `symphony-harness help exit-codes`).
pub fn with_exit_status(examples: &str) -> String {
    format!(
        "{examples}\n\nExit status: `symphony-harness help exit-codes` lists every code and \
         what it means."
    )
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
    /// The exit codes of every command, and what each means
    #[command(name = "exit-codes", hide = true)]
    ExitCodes(exit_codes::ExitCodesArgs),
    /// Serve provider calls for a supervisor (internal)
    #[command(name = "__worker", hide = true)]
    Worker,
}

/// Ends the process with `code` ([`signals::exit`]: at once after a load that never finished).
pub fn exit(code: i32) -> ! {
    signals::exit(code)
}

/// The subcommand `matches` ran, and whether its output is `--format json` (then its errors
/// are JSON documents too).
fn format_of(matches: &ArgMatches) -> (Option<&str>, bool) {
    let Some((name, sub)) = matches.subcommand() else {
        return (None, false);
    };
    let json = sub
        .try_get_raw("format")
        .ok()
        .flatten()
        .and_then(|mut values| values.next())
        .is_some_and(|value| value == "json");
    (Some(name), json)
}

/// Parses the command line. A wrong one ends the process as clap ends it (`usage`, 2), and
/// under `--format json` also prints its error document on stdout.
fn parse() -> (Cli, ArgMatches) {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            if err.use_stderr() && wants_json(&args) {
                print_usage_error(&err, &args);
            }
            err.exit()
        }
    }
}

/// Whether `args` ask for `--format json`, read before clap could parse them.
fn wants_json(args: &[String]) -> bool {
    args.iter().any(|arg| arg == "--format=json")
        || args
            .windows(2)
            .any(|pair| pair[0] == "--format" && pair[1] == "json")
}

/// The error document of a command line clap refused.
fn print_usage_error(err: &clap::Error, args: &[String]) {
    let command = Cli::command();
    let name = args.iter().find(|arg| {
        command
            .get_subcommands()
            .any(|sub| sub.get_name() == arg.as_str())
    });
    // Clap's own words, as on stderr: the error, then its tips, else where to read more.
    let rendered = err.render().to_string();
    let mut lines = rendered
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let message = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string();
    let rest: Vec<&str> = lines.collect();
    let tips: Vec<&str> = rest
        .iter()
        .filter_map(|line| line.strip_prefix("tip: "))
        .collect();
    let hint = match (tips.is_empty(), rest.last()) {
        (false, _) => tips.join("; "),
        (true, Some(last)) => last.to_string(),
        (true, None) => "try '--help'".to_string(),
    };
    let document = ErrorDocument::new(
        name.cloned(),
        err.exit_code(),
        ErrorText::new(&message, Vec::new(), Some(hint)),
    );
    let _ = output::json(&Document::new(ERROR, &document));
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn run() -> i32 {
    let (cli, matches) = parse();
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
    if let (command, true) = format_of(&matches) {
        output::errors_as_json(command);
    }
    if let Err(err) = signals::listen() {
        return output::failed(&anyhow::Error::new(err).context("cannot listen for signals"));
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
        Command::ExitCodes(args) => exit_codes::run(args),
        Command::Worker => Ok(exit_code::SUCCESS),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => output::failed(&err),
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
    fn a_command_s_help_points_at_the_exit_codes_topic() {
        let text = super::with_exit_status("Examples:");
        assert!(
            text.ends_with(
                "`symphony-harness help exit-codes` lists every code and what it means."
            ),
            "{text}"
        );
        assert!(
            !text.contains("scenario-failed"),
            "the table is not repeated: {text}"
        );
    }

    #[test]
    fn docs_urls_are_the_repository_s_pages() {
        let url = docs_url!("docs/scenarios.md");
        assert!(url.starts_with("https://"), "{url}");
        assert!(url.ends_with("/blob/main/docs/scenarios.md"), "{url}");
    }
}
