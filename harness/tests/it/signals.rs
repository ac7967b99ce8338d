//! Nothing left behind: a signal to the harness while a provider call runs kills the worker's
//! whole process group, and the harness exits with the signal's code after printing what it
//! has; a harness killed with SIGKILL takes its worker with it (PR_SET_PDEATHSIG).
//!
//! Real processes throughout: the harness binary runs `reconcile` on the sim with
//! `hang-on-apply`; the test waits (bounded) until the sim says the apply hangs, sends the
//! signal, and then reads `/proc` (bounded polls, never a sleep "to wait for" something).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde_json::json;

use crate::support::{lib, live_in_group, path_str, processes, wait_within, Lib};

/// How long any one wait in these tests may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

/// A harness running `reconcile` whose apply hangs in its worker.
struct Hanging {
    harness: Child,
    worker: i32,
    /// Everything the harness wrote to stderr, line by line, as it comes.
    stderr: mpsc::Receiver<String>,
    stdout: std::thread::JoinHandle<String>,
    _dir: tempfile::TempDir,
}

/// Polls `/proc` until no live process of group `pgrp` remains; fails the test after
/// [`LIMIT`].
fn assert_group_gone(pgrp: i32) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let live = live_in_group(pgrp);
        if live.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes of the worker's group {pgrp} still run: {live:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn extensions() -> PathBuf {
    lib(Lib::Sim)
        .parent()
        .expect("library has a directory")
        .to_path_buf()
}

fn hanging_target(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    std::fs::create_dir(&store).unwrap();
    let target = json!({
        "metadata": {"name": "edge-hang"},
        "spec": {"components": [{"name": "web", "type": "w", "properties": {"image": "nginx"}}],
                 "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                     "config": {"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
                                "libHash": "any", "sim.device": "hang", "sim.store": path_str(&store),
                                "sim.bugs": "hang-on-apply"}}]}]}
    });
    let path = dir.join("edge-hang.json");
    std::fs::write(&path, serde_json::to_string_pretty(&target).unwrap()).unwrap();
    path
}

/// Starts `reconcile` on a hanging apply and returns once the sim says the apply hangs,
/// with the pid of the worker running it.
fn start_hanging_apply() -> Hanging {
    let dir = tempfile::tempdir().unwrap();
    let target = hanging_target(dir.path());
    let ext = extensions();
    let args = vec![
        "reconcile".to_string(),
        "--target".into(),
        path_str(&target).into(),
        "--extensions".into(),
        path_str(&ext).into(),
    ];
    start_hanging(dir, &args)
}

/// Starts the harness with `args` (in `dir`, kept as long as the run) and waits until the
/// simulated provider's `apply` hangs.
fn start_hanging(dir: tempfile::TempDir, args: &[String]) -> Hanging {
    let mut harness = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(args)
        .current_dir(dir.path())
        // The supervisor logs what the provider writes to stderr (target `provider`).
        .env("RUST_LOG", "provider=debug")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("symphony-harness runs");
    let mut out = harness.stdout.take().expect("stdout piped");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let (lines, stderr) = mpsc::channel();
    let err = harness.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + LIMIT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match stderr.recv_timeout(left) {
            Ok(line) if line.contains("bug `hang-on-apply`: apply on device") => break,
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = harness.kill();
                panic!(
                    "the apply never started hanging; stderr so far:\n{}",
                    seen.join("\n")
                );
            }
        }
    }
    let harness_pid = i32::try_from(harness.id()).expect("pid fits");
    let workers: Vec<i32> = processes()
        .into_iter()
        .filter(|&(_, state, ppid, _)| ppid == harness_pid && state != 'Z')
        .map(|(pid, ..)| pid)
        .collect();
    assert_eq!(workers.len(), 1, "one worker: {workers:?}");
    let worker = workers[0];
    assert_eq!(
        live_in_group(worker),
        vec![worker],
        "the worker leads a process group of its own"
    );
    Hanging {
        harness,
        worker,
        stderr,
        stdout,
        _dir: dir,
    }
}

/// Sends `signal` to the harness while the apply hangs; returns its exit code, stdout and
/// stderr once it exited, after checking that the worker's process group is gone.
fn interrupt_hanging_apply(signal: Signal) -> (Option<i32>, String, String) {
    let mut hanging = start_hanging_apply();
    let pid = Pid::from_child(&hanging.harness);
    rustix::process::kill_process(pid, signal).expect("signal sent");
    let Some(status) = wait_within(&mut hanging.harness, LIMIT) else {
        let _ = hanging.harness.kill();
        panic!("the harness did not exit after {signal:?}");
    };
    assert_group_gone(hanging.worker);
    let stdout = hanging.stdout.join().expect("stdout read");
    let stderr = lines_until_closed(&hanging.stderr);
    (status.code(), stdout, stderr.join("\n"))
}

fn assert_interrupted(signal: Signal, code: i32, name: &str) {
    let (exit, stdout, stderr) = interrupt_hanging_apply(signal);
    assert_eq!(exit, Some(code), "{stdout}\n{stderr}");
    // The interrupted call, in the round it belongs to.
    assert!(stdout.contains("round 1"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "apply failed (harness): the harness failed: interrupted by {name}: the worker was killed"
        )),
        "{stdout}"
    );
    // An interrupt, said as one: not a provider that would take Symphony down, not the
    // harness failing.
    assert!(
        stdout.contains(&format!(
            "verdict: interrupted by {name} in round 1: the call under way was cut short"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("would not survive"), "{stdout}");
    assert!(!stdout.contains("the harness itself failed"), "{stdout}");
    assert!(
        stderr.contains(&format!("interrupted by {name}; every worker was killed")),
        "{stderr}"
    );
}

#[test]
fn sigint_during_a_hanging_apply_kills_the_worker_group_prints_the_round_and_exits_130() {
    assert_interrupted(Signal::INT, 130, "SIGINT");
}

#[test]
fn sigterm_during_a_hanging_apply_kills_the_worker_group_and_exits_143() {
    assert_interrupted(Signal::TERM, 143, "SIGTERM");
}

#[test]
fn sighup_during_a_hanging_apply_kills_the_worker_group_and_exits_129() {
    assert_interrupted(Signal::HUP, 129, "SIGHUP");
}

#[test]
fn sigkill_of_the_harness_kills_its_worker_too() {
    let mut hanging = start_hanging_apply();
    hanging.harness.kill().expect("SIGKILL sent");
    let status = wait_within(&mut hanging.harness, LIMIT).expect("the harness died");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    // Nobody killed the worker's group but the kernel, on its parent's death.
    assert_group_gone(hanging.worker);
}

/// Interrupts `hanging` with SIGINT; its exit code and stdout, once the worker group is gone.
fn interrupt(mut hanging: Hanging) -> (Option<i32>, String) {
    let pid = Pid::from_child(&hanging.harness);
    rustix::process::kill_process(pid, Signal::INT).expect("signal sent");
    let Some(status) = wait_within(&mut hanging.harness, LIMIT) else {
        let _ = hanging.harness.kill();
        panic!("the harness did not exit after SIGINT");
    };
    assert_group_gone(hanging.worker);
    (status.code(), hanging.stdout.join().expect("stdout read"))
}

#[test]
fn sigint_during_a_scenario_fails_it_as_interrupted_and_leaves_no_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let target = hanging_target(dir.path());
    let scenario = json!({
        "description": "an apply that never returns",
        "objects": {"target": path_str(&target)},
        "steps": [{"reconcile": {}}]
    });
    let file = dir.path().join("hang.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let sim = lib(Lib::Sim);
    // The target keeps its device in the test's folder, which `run` allows only when named.
    let args: Vec<String> = [
        "run",
        "--simulator",
        path_str(&sim),
        "--sim-store-dir",
        path_str(dir.path()),
        path_str(&file),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let bundles = dir.path().join("target/symphony-harness/bundles");
    let (code, stdout) = interrupt(start_hanging(dir, &args));
    assert_eq!(code, Some(130), "{stdout}");
    assert!(stdout.contains("FAIL hang"), "{stdout}");
    assert!(
        stdout.contains("interrupted by SIGINT during step 1: its calls were cut short"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("reproduce:"),
        "no bundle is offered: {stdout}"
    );
    assert!(!bundles.exists(), "no bundle is written");
}

#[test]
fn sigint_during_check_skips_the_rest_and_never_says_ok() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    let args: Vec<String> = [
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=hang-on-apply",
        "--only",
        "apply",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let (code, stdout) = interrupt(start_hanging(dir, &args));
    assert_eq!(code, Some(130), "{stdout}");
    assert!(stdout.contains("INTERRUPTED by SIGINT"), "{stdout}");
    assert!(stdout.contains("interrupted by SIGINT"), "{stdout}");
    assert!(
        !stdout.contains("Bind it"),
        "no binding after an interrupted run: {stdout}"
    );
}

#[test]
fn sigint_during_explore_reports_the_search_interrupted_and_writes_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    let failures = dir.path().join("failures");
    let args: Vec<String> = [
        "explore",
        path_str(&sim),
        "--config",
        "sim.bugs=hang-on-apply",
        "--seed",
        "1",
        "--failures",
        path_str(&failures),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let (code, stdout) = interrupt(start_hanging(dir, &args));
    assert_eq!(code, Some(130), "{stdout}");
    assert!(stdout.contains("INTERRUPTED by SIGINT"), "{stdout}");
    assert!(!stdout.contains("invariant broken"), "{stdout}");
    assert!(!failures.exists(), "a cut-short call is no failure to save");
}

/// Starts `load` of the looping-constructor fixture in the harness's own process (`flags`)
/// with a deadline far away, and returns once the fixture says its constructor runs: the
/// harness is then inside `dlopen`, holding the dynamic loader's lock for good.
fn start_looping_load_in_process(flags: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let looping = lib(Lib::LoopInit);
    let mut harness = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args([
            "load",
            path_str(&looping),
            "--in-process",
            "--load-timeout",
            "10m",
        ])
        .args(flags)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("symphony-harness runs");
    let (lines, stderr) = mpsc::channel();
    let err = harness.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    match stderr.recv_timeout(LIMIT) {
        Ok(line) if line.contains("fixture-loop-init: constructor entered") => {}
        other => {
            let _ = harness.kill();
            let _ = harness.wait();
            panic!("the constructor never started: {other:?}");
        }
    }
    (harness, stderr)
}

/// Every line the reader thread sends until the pipe it reads is closed (or `LIMIT` passes
/// without a line).
fn lines_until_closed(lines: &mpsc::Receiver<String>) -> Vec<String> {
    let mut said = Vec::new();
    while let Ok(line) = lines.recv_timeout(LIMIT) {
        said.push(line);
    }
    said
}

/// A constructor that never returns keeps a thread of the harness in `dlopen` for good; a
/// signal still ends the harness at once with the signal's code (its `exit` handlers would
/// wait for that thread: the harness ends without them).
#[test]
fn a_signal_ends_the_harness_while_an_in_process_constructor_never_returns() {
    for (flags, signal, code, name) in [
        (vec![], Signal::TERM, 143, "SIGTERM"),
        (vec![], Signal::INT, 130, "SIGINT"),
        (vec!["--host", "symphony"], Signal::TERM, 143, "SIGTERM"),
        (vec!["--host", "symphony"], Signal::HUP, 129, "SIGHUP"),
    ] {
        let (mut harness, stderr) = start_looping_load_in_process(&flags);
        rustix::process::kill_process(Pid::from_child(&harness), signal).expect("signal sent");
        let Some(status) = wait_within(&mut harness, LIMIT) else {
            let _ = harness.kill();
            let _ = harness.wait();
            panic!("{flags:?}: the harness did not exit after {name}");
        };
        // The process has ended, but its last lines may still be in the reader thread's
        // hands: read until the pipe's end (the thread then drops its sender).
        let said = lines_until_closed(&stderr);
        assert_eq!(status.code(), Some(code), "{flags:?} {name}: {said:?}");
        assert!(
            said.iter()
                .any(|line| line.contains(&format!("interrupted by {name}"))),
            "{flags:?}: {said:?}"
        );
    }
}
