//! Signals to the harness: SIGINT (Ctrl-C), SIGTERM and SIGHUP kill every worker it started,
//! and the command ends with the signal's exit code (`exit_code::for_signal`).
//!
//! A thread waits for the signals (`signal-hook`: the handler only writes to a pipe, the
//! thread does the rest). On the first one it kills every worker's process group
//! ([`worker::interrupt`]); the call that was running then ends as a `harness` failure, the
//! command prints what it has and [`super::run`] turns its code into the signal's. With no
//! worker running there is no call to end, so the harness exits at once; so it does on a
//! second signal, for a command that does not come back.
//!
//! Such an exit is `_exit` ([`end_now`]): the main thread may be inside a library's
//! initialisers that never return (an in-process `dlopen`), holding the dynamic loader's lock,
//! which `exit`'s handlers wait for. An in-process load that overruns `--load-timeout` ends
//! the process the same way, with the load verdict's code ([`end_after_overrun`]), and so
//! does [`exit`] if a load is still stuck ([`load::stuck_load`]).
//!
//! `--watch` and `serve` are the exceptions for SIGINT: once a watch loop has its first verdict
//! (or the server listens) it calls [`watching`], and from then on a SIGINT with no worker
//! running does not end the process; the loop hears it through [`worker::interrupted`], ends,
//! and the command exits with its own code ([`ends_watch`]): the last verdict's, or 0 for a
//! server stopped with Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use symphony_harness::{exit_code, load, worker};

use super::output;

/// Whether a `--watch` loop handles SIGINT itself.
static WATCHING: AtomicBool = AtomicBool::new(false);

/// From now on SIGINT ends the `--watch` loop (which asks [`worker::interrupted`]) instead
/// of the process.
pub fn watching() {
    WATCHING.store(true, Ordering::SeqCst);
}

/// Whether `signal` ended a `--watch` loop, which then exits with its last verdict's code
/// instead of the signal's.
pub fn ends_watch(signal: i32) -> bool {
    signal == SIGINT && WATCHING.load(Ordering::SeqCst)
}

/// Starts listening for SIGINT, SIGTERM and SIGHUP, and has a load in this process that
/// overruns `--load-timeout` end the process ([`end_after_overrun`]).
pub fn listen() -> std::io::Result<()> {
    load::on_overrun(end_after_overrun);
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut first = true;
            for signal in signals.forever() {
                let running = worker::interrupt(signal);
                if (running == 0 && !ends_watch(signal)) || !first {
                    output::stderr(&format!(
                        "symphony-harness: interrupted by {}\n",
                        worker::signal_name(signal)
                    ));
                    end_now(exit_code::for_signal(signal));
                }
                first = false;
            }
        })?;
    Ok(())
}

/// A load in this process overran its deadline and can never be stopped: reports it as the
/// load verdict it is and ends the process at once with that verdict's code (`load-failed`).
fn end_after_overrun(err: &load::LoadError) -> ! {
    let failure = load::LoadFailure::from_load_error(err);
    end_now(output::failed(&anyhow::Error::new(failure)))
}

/// Ends the process with `code` at once: no exit handlers (`_exit`), so no wait on a thread
/// stuck in the dynamic loader. Everything printed is already written: `output` flushes
/// every write.
fn end_now(code: i32) -> ! {
    signal_hook::low_level::exit(code)
}

/// Ends the process with `code`: as usual, unless a library's load in this process never
/// finished ([`load::stuck_load`]); then at once, since `exit` would wait for it for ever.
pub fn exit(code: i32) -> ! {
    if load::stuck_load().is_some() {
        end_now(code);
    }
    std::process::exit(code)
}
