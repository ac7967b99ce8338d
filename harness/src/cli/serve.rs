//! `symphony-harness serve`: Symphony's REST API on this machine, so the tutorial's scripts
//! run unchanged against the real engine and supervised workers.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use symphony_harness::model::Symphony;
use symphony_harness::report::serve::ServeConsole;
use symphony_harness::serve::{ServeOptions, Server, Settings, DEFAULT_PORT};
use symphony_harness::{exit_code, worker};

use super::args::{parse_duration, HostArg, ProviderArgs, SymphonyArg};
use super::explain::Refused;
use super::signals;

const EXAMPLES: &str = concat!(
    "\
Examples:
  # the tutorial's setup: providers in ./providers, Symphony's port
  symphony-harness serve --extensions ./providers
  # then, from another shell, the tutorial's script, unchanged:
  TOKEN=$(curl -s -X POST http://localhost:8082/v1alpha2/users/auth \\
    -d '{\"username\":\"admin\",\"password\":\"\"}' | jq -r .accessToken)
  curl -X POST -H \"Authorization: Bearer $TOKEN\" -d @target.json \\
    http://localhost:8082/v1alpha2/targets/registry/my-target
  curl -s -H \"Authorization: Bearer $TOKEN\" \\
    http://localhost:8082/v1alpha2/targets/registry/my-target \\
    | jq .status.provisioningStatus
  curl -X DELETE -H \"Authorization: Bearer $TOKEN\" \\
    http://localhost:8082/v1alpha2/targets/registry/my-target
  # the session as a scenario file, replayed with `run`:
  curl -s -H \"Authorization: Bearer $TOKEN\" -o my-target.scenario.json \\
    http://localhost:8082/harness/v1/targets/my-target/scenario
  symphony-harness run my-target.scenario.json

  # any free port (printed on the first line), a faster poll, Symphony 0.48
  symphony-harness serve --port 0 --poll 2s --symphony 0.48 \\
      --extensions target/release

The page at http://localhost:8082/ shows every target, its status and its rounds. Ctrl-C stops the server and every provider worker with it (exit status 0).

Reference:\n",
    super::docs_url!("docs/serve.md")
);

/// Serve Symphony's REST API here: the tutorial's scripts run unchanged, without Docker
///
/// Answers the `v1alpha2` routes the tutorial's scripts use, in Symphony's own request and
/// response shapes: `POST users/auth` (the test users, empty password), `greetings`,
/// `targets/registry[/NAME]`, `instances[/NAME]`, and the solutions of the chosen release
/// (0.48: `solutions`, `solutioncontainers`; 0.49: `solutionversions`, `solutions`). Every
/// other route wants the token, as Symphony's does (401 without it).
///
/// A POSTed Target (or Instance) is reconciled at once through the harness's engine, its
/// providers in supervised workers, and again on Symphony's poll schedule; `GET` shows its
/// status in Symphony's shape (`status.provisioningStatus.status`: `Succeeded` or `Failed`
/// with the error); `DELETE` runs the removal, then the target is gone (404). A provider that
/// panics, aborts or hangs fails its round (the status says Symphony's whole process would
/// have died) and the server goes on.
///
/// The console shows each request, each round's calls with what the provider printed, and
/// each round's verdict. `GET /harness/v1/targets/NAME` is the target's rounds as JSON,
/// `…/scenario` the session as a scenario file; the page at `/` shows them live.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one (the first line printed names it)
    #[arg(long, value_name = "PORT", default_value_t = DEFAULT_PORT, help_heading = "Server")]
    port: u16,

    /// The address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 every interface
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1",
        help_heading = "Server"
    )]
    listen: IpAddr,

    /// Where a binding's `libFile` under `/extensions/` is found (Symphony's container path)
    #[arg(long, value_name = "DIR", default_value = ".", help_heading = "Server")]
    extensions: PathBuf,

    /// The Symphony release whose routes and JSON to speak: 0.49 or 0.48
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Server")]
    symphony: SymphonyArg,

    /// The jobs manager's poll interval (Symphony: 15s): a failed object is reconciled again
    /// after one, a succeeded one after two; `off`: only when an object is written or deleted
    #[arg(
        long,
        value_name = "DURATION|off",
        default_value = "15s",
        value_parser = parse_poll,
        help_heading = "Server"
    )]
    poll: Poll,

    #[command(flatten)]
    provider: ProviderArgs,
}

/// `--poll`: a duration, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll(Option<Duration>);

fn parse_poll(text: &str) -> Result<Poll, String> {
    if text.trim() == "off" {
        return Ok(Poll(None));
    }
    parse_duration(text).map(|duration| Poll(Some(duration)))
}

pub fn run(args: &ServeArgs) -> anyhow::Result<i32> {
    let release = Symphony::from(args.symphony);
    if release == Symphony::V048 && args.provider.host == HostArg::Symphony {
        return Err(Refused::usage(
            "`--host symphony` runs the host functions of the `symphony` 0.1.5 crate, which read \
             only Symphony 0.49 names; a Symphony 0.48 (built with `symphony` 0.1.4) does not\n\
             hint: use `--host harness` with `--symphony 0.48`, or `--symphony 0.49`",
        ));
    }
    let options = ServeOptions {
        listen: args.listen,
        port: args.port,
        settings: Settings {
            release,
            backend: args.provider.backend(),
            extensions: args.extensions.clone(),
            poll: args.poll.0,
        },
    };
    let console = Arc::new(ServeConsole::new(Box::new(anstream::stdout())));
    let server = Server::bind(options, console)?;
    // From here Ctrl-C ends the server (which then says so) instead of the process.
    signals::watching();
    server.run(|| worker::interrupted().map(worker::signal_name));
    Ok(exit_code::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_takes_a_duration_or_off() {
        assert_eq!(parse_poll("off"), Ok(Poll(None)));
        assert_eq!(parse_poll("2s"), Ok(Poll(Some(Duration::from_secs(2)))));
        assert!(parse_poll("never").is_err());
    }
}
