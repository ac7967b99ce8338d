//! `symphony-harness sim`: the bundled simulated provider, as a library on disk.

use std::os::unix::ffi::OsStrExt;

use clap::{Args, Subcommand};
use symphony_harness::exit_code;
use symphony_harness::sim::{self, Source};

use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness sim path
  symphony-harness binding \"$(symphony-harness sim path)\" --role my-role
  symphony-harness check \"$(symphony-harness sim path)\" \\
      --config sim.bugs=ignore-delete

Reference:\n",
    super::docs_url!("docs/simulator.md")
);

/// Locate the bundled simulated provider, a real provider library whose device misbehaves on request
///
/// Commands given no LIB use it. A cargo build leaves `libsymphony_sim_provider.so` next to
/// the `symphony-harness` executable; an installed binary carries a copy embedded in it,
/// written on first use to `<cache>/sim/<sha256>/libsymphony_sim_provider.so` (and rewritten if
/// those bytes were changed). The cache is `$SYMPHONY_HARNESS_CACHE`, else
/// `$XDG_CACHE_HOME/symphony-harness`, else `~/.cache/symphony-harness`.
///
/// Its binding config keys (`sim.device`, `sim.store`, `sim.bugs`, …) are in the reference
/// below.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Subcommand, Debug)]
enum SimCommand {
    Path(PathArgs),
}

/// Print the path of the simulated provider library that commands use without LIB
///
/// Next to this executable if a cargo build left one there, else the copy embedded in this
/// binary, written to the cache folder first if it is not there with the right SHA-256.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
struct PathArgs {
    /// The embedded copy's path, even where a cargo build left one next to this executable
    #[arg(long)]
    embedded: bool,
}

pub fn run(args: &SimArgs) -> anyhow::Result<i32> {
    match &args.command {
        SimCommand::Path(args) => path(args),
    }
}

fn path(args: &PathArgs) -> anyhow::Result<i32> {
    let path = if args.embedded {
        sim::materialize()?
    } else {
        let found = sim::find(None)?;
        if found.source == Source::NextToExecutable {
            tracing::info!("a cargo build left the simulated provider next to this executable");
        }
        found.path
    };
    let mut line = path.as_os_str().as_bytes().to_vec();
    line.push(b'\n');
    output::stdout_bytes(&line)?;
    Ok(exit_code::SUCCESS)
}
