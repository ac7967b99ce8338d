//! Signals to the harness: SIGINT (Ctrl-C), SIGTERM and SIGHUP kill every worker it started,
//! and the command ends with the signal's exit code (`exit_code::for_signal`).
//!
//! A thread waits for the signals (`signal-hook`: the handler only writes to a pipe, the
//! thread does the rest). On the first one it kills every worker's process group
//! ([`worker::interrupt`]); the call that was running then ends as a `harness` failure, the
//! command prints what it has and [`super::run`] turns its code into the signal's. With no
//! worker running there is no call to end, so the harness exits at once; so it does on a
//! second signal, for a command that does not come back.

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use symphony_harness::{exit_code, worker};

use super::output;

/// Starts listening for SIGINT, SIGTERM and SIGHUP.
pub fn listen() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut first = true;
            for signal in signals.forever() {
                let running = worker::interrupt(signal);
                if running == 0 || !first {
                    output::stderr(&format!(
                        "symphony-harness: interrupted by {}\n",
                        worker::signal_name(signal)
                    ));
                    std::process::exit(exit_code::for_signal(signal));
                }
                first = false;
            }
        })?;
    Ok(())
}
