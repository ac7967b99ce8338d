//! The process groups of every worker this process started, so that a signal to the harness
//! (Ctrl-C, SIGTERM, SIGHUP) kills them all, and no worker is left behind to run a provider.
//!
//! Owns the one registry of running worker process groups and the "interrupted" mark. Does
//! not listen for signals itself (the command does, see `cli`), and does not decide what an
//! interrupted run prints: a call cut short by [`interrupt`] ends as a `harness` failure, so
//! the engine never hears of signals.
//!
//! Every entry is added under the registry's lock in the same step that starts the process,
//! and removed under it before the process is reaped, so [`interrupt`] can neither miss a
//! worker that is being started nor kill a process group whose id was handed out again.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Mutex, MutexGuard};

use rustix::process::{kill_process_group, Pid, Signal};

/// The registry: the interrupting signal, if any, and the process group of every worker.
struct Groups {
    interrupted: Option<i32>,
    running: Vec<Pid>,
}

static GROUPS: Mutex<Groups> = Mutex::new(Groups {
    interrupted: None,
    running: Vec::new(),
});

fn groups() -> MutexGuard<'static, Groups> {
    // A thread that panicked while holding the lock left the registry whole: every step
    // under it is a single push, removal or kill.
    GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why no worker was started.
#[derive(Debug)]
pub(super) enum SpawnRefused {
    /// The harness was interrupted by this signal: nothing new starts.
    Interrupted(i32),
    /// The operating system refused.
    Io(io::Error),
}

/// Starts `command` (which must put the child in a process group of its own) and registers
/// its process group, unless the harness was interrupted.
pub(super) fn spawn(command: &mut Command) -> Result<Child, SpawnRefused> {
    let mut groups = groups();
    if let Some(signal) = groups.interrupted {
        return Err(SpawnRefused::Interrupted(signal));
    }
    let child = command.spawn().map_err(SpawnRefused::Io)?;
    groups.running.push(Pid::from_child(&child));
    Ok(child)
}

/// Kills `child`'s whole process group, forgets it, and reaps `child`.
pub(super) fn kill(child: &mut Child) -> io::Result<ExitStatus> {
    {
        let mut groups = groups();
        let pid = Pid::from_child(child);
        if let Some(index) = groups.running.iter().position(|&p| p == pid) {
            let _ = kill_process_group(pid, Signal::KILL);
            groups.running.swap_remove(index);
        }
    }
    let _ = child.kill();
    child.wait()
}

/// `child.try_wait()`; if that reaped it, kills what is left of its process group and forgets
/// the group.
pub(super) fn try_wait(child: &mut Child) -> io::Result<Option<ExitStatus>> {
    let mut groups = groups();
    let status = child.try_wait()?;
    if status.is_some() {
        let pid = Pid::from_child(child);
        if let Some(index) = groups.running.iter().position(|&p| p == pid) {
            // Programs the provider started die with the worker, as after a kill.
            let _ = kill_process_group(pid, Signal::KILL);
            groups.running.swap_remove(index);
        }
    }
    Ok(status)
}

/// Marks the harness interrupted by `signal` (its number) and kills every worker's process
/// group with SIGKILL; from now on no worker starts. Returns how many were running.
///
/// A supervisor waiting on a worker sees it die and ends the call as a `harness` failure
/// that names the signal ([`interrupted`]).
pub fn interrupt(signal: i32) -> usize {
    let mut groups = groups();
    if groups.interrupted.is_none() {
        groups.interrupted = Some(signal);
    }
    for &pid in &groups.running {
        let _ = kill_process_group(pid, Signal::KILL);
    }
    groups.running.len()
}

/// The signal [`interrupt`] was called with, if it was.
pub fn interrupted() -> Option<i32> {
    groups().interrupted
}

/// The conventional name of a signal the harness handles (`SIGINT`), or its number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}
