//! `check --watch` and `run --watch`: after the first verdict the harness keeps watching;
//! when a library is rebuilt or a scenario file edited it runs again and prints only the
//! verdicts that changed; Ctrl-C ends it with the last verdict's exit code.
//!
//! Real processes and files throughout: the harness binary watches a copy of a library that
//! the test replaces as cargo does (write a new file, rename it over the old one). Every wait
//! is bounded: output is read line by line with a deadline, never after a sleep.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde_json::{json, Value};

use crate::support::{harness, lib, lib_copy, path_str, wait_within, workspace_root, Lib};

/// How long one wait may take before the test fails: a whole run of the checks on a busy
/// machine fits in it.
const LIMIT: Duration = Duration::from_secs(300);

/// The lines of one of the harness's streams, as they come.
struct Lines {
    name: &'static str,
    receiver: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn read(name: &'static str, stream: impl std::io::Read + Send + 'static) -> Lines {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Lines {
            name,
            receiver,
            seen: Vec::new(),
        }
    }

    /// The lines up to and including the first that `last` accepts; fails the test after
    /// [`LIMIT`] (or when the stream ends first), showing everything read so far.
    fn until(&mut self, what: &str, last: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + LIMIT;
        let mut block = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    let done = last(&line);
                    block.push(line);
                    if done {
                        return block;
                    }
                }
                Err(_) => panic!(
                    "no {what} on {} within {LIMIT:?}; so far:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The lines not read yet, once the process has exited.
    fn rest(&mut self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Ok(line) = self.receiver.recv_timeout(LIMIT) {
            rest.push(line);
        }
        rest
    }
}

/// The harness running with `--watch`; killed if the test ends before it does.
struct Watching {
    child: Child,
    stdout: Lines,
    stderr: Lines,
}

impl Watching {
    /// Starts the harness with `args`, settling changes after 50 ms.
    fn start(args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
            .args(args)
            .env("SYMPHONY_HARNESS_WATCH_SETTLE", "50ms")
            .env_remove("RUST_LOG")
            .env_remove("SYMPHONY_HARNESS_COLOR")
            .env_remove("COLUMNS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("symphony-harness runs");
        let stdout = Lines::read("stdout", child.stdout.take().expect("stdout piped"));
        let stderr = Lines::read("stderr", child.stderr.take().expect("stderr piped"));
        Watching {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for the first verdict (its line starts with `verdict`), and for the harness to
    /// say it watches; returns the report.
    fn first_verdict(&mut self, verdict: &str) -> Vec<String> {
        let report = self
            .stdout
            .until("first verdict", |l| l.starts_with(verdict));
        self.stderr
            .until("`watching …`", |l| l.starts_with("watching "));
        report
    }

    /// The output of the next re-run: its header (`HH:MM:SS …`) to its `now …` line.
    fn next_run(&mut self) -> Vec<String> {
        let mut block = self
            .stdout
            .until("re-run's verdict", |l| l.starts_with("  now "));
        let header = block.iter().rposition(|l| is_header(l));
        block.drain(..header.unwrap_or_else(|| panic!("no header line: {block:#?}")));
        block
    }

    /// Sends SIGINT and returns the exit code and the rest of stderr.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = Pid::from_child(&self.child);
        rustix::process::kill_process(pid, Signal::INT).expect("signal sent");
        let Some(status) = wait_within(&mut self.child, LIMIT) else {
            panic!("the harness did not stop watching after SIGINT");
        };
        (status.code(), self.stderr.rest().join("\n"))
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether `line` is a header: it starts with the time, `HH:MM:SS `.
fn is_header(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 9
        && bytes[..8].iter().enumerate().all(|(i, b)| {
            if i % 3 == 2 {
                *b == b':'
            } else {
                b.is_ascii_digit()
            }
        })
        && bytes[8] == b' '
}

/// Replaces `path` with `bytes` as cargo does: a new file, renamed over the old one.
fn replace(path: &Path, bytes: &[u8]) {
    let temp = path.with_extension("new");
    std::fs::write(&temp, bytes).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// The first 8 hex digits of the SHA-256 of the file at `path`.
fn short_sha(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    symphony_harness::load::sha256_hex(file).unwrap()[..8].to_string()
}

/// `id -> (before, after)` of each `  id: before -> after…` line of a re-run.
fn changed(block: &[String]) -> BTreeMap<String, (String, String)> {
    block
        .iter()
        .filter_map(|line| {
            // Change lines are indented by two; the evidence under them by more.
            let line = line.strip_prefix("  ").filter(|l| !l.starts_with(' '))?;
            let (id, rest) = line.split_once(": ")?;
            let (before, rest) = rest.split_once(" -> ")?;
            let after = rest.split(':').next()?;
            Some((id.to_string(), (before.to_string(), after.to_string())))
        })
        .collect()
}

/// How a status reads in a change line: failures and warnings shout.
fn word(status: &str) -> String {
    match status {
        "fail" | "warn" => status.to_uppercase(),
        other => other.to_string(),
    }
}

#[test]
fn check_watch_names_exactly_the_checks_a_rebuild_changed_and_sigint_exits_0_after_a_pass() {
    let only = ["--only", "build", "--only", "apply"];
    let skeleton = lib(Lib::Skeleton);
    let sim = lib(Lib::Sim);
    // What the skeleton gets from these checks, the sim passing them all.
    let mut plain = vec!["check", path_str(&skeleton), "--format", "json"];
    plain.extend(only);
    let plain = harness(&plain);
    let expected: BTreeMap<String, String> = plain.json()["libraries"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "pass")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                word(c["status"].as_str().unwrap()),
            )
        })
        .collect();
    assert!(
        expected.get("apply.converges").map(String::as_str) == Some("FAIL"),
        "{expected:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let watched = lib_copy(Lib::Sim, dir.path(), "libwatched.so");
    let mut args = vec!["check", path_str(&watched), "--watch"];
    args.extend(only);
    let mut watching = Watching::start(&args);
    let first = watching.first_verdict("ok: ");
    assert!(
        first.iter().any(|l| l.contains("PASS apply.converges")),
        "{first:#?}"
    );

    replace(&watched, &std::fs::read(&skeleton).unwrap());
    let broken = watching.next_run();
    assert!(
        broken[0].ends_with(&format!(
            "`{}` rebuilt (sha256 {}… -> {}…)",
            watched.display(),
            short_sha(&sim),
            short_sha(&skeleton)
        )),
        "{broken:#?}"
    );
    let changes = changed(&broken);
    assert_eq!(
        changes.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "exactly the checks whose verdict changed: {broken:#?}"
    );
    for (id, (before, after)) in &changes {
        assert_eq!(before, "pass", "{id}: {broken:#?}");
        assert_eq!(Some(after), expected.get(id), "{id}: {broken:#?}");
    }
    // A failure comes with its evidence, as the full report prints it.
    assert!(
        broken.iter().any(|l| l.starts_with("       in Symphony: ")),
        "{broken:#?}"
    );
    assert!(
        broken.iter().any(|l| l.starts_with("       | ")),
        "{broken:#?}"
    );
    assert!(
        broken.last().unwrap().starts_with("  now FAILED: "),
        "{broken:#?}"
    );

    replace(&watched, &std::fs::read(&sim).unwrap());
    let fixed = watching.next_run();
    let back = changed(&fixed);
    assert_eq!(
        back.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{fixed:#?}"
    );
    for (id, (before, after)) in &back {
        assert_eq!(
            (Some(before), after.as_str()),
            (expected.get(id), "pass"),
            "{id}"
        );
    }
    assert!(
        fixed.last().unwrap().starts_with("  now ok: "),
        "{fixed:#?}"
    );

    let (code, stderr) = watching.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("stopped watching on SIGINT: the last verdict stands (exit 0)"),
        "{stderr}"
    );
}

#[test]
fn a_half_written_or_missing_library_is_one_line_and_sigint_exits_10_after_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let watched = lib_copy(Lib::Skeleton, dir.path(), "libhalf.so");
    let mut watching = Watching::start(&[
        "check",
        path_str(&watched),
        "--watch",
        "--only",
        "apply.converges",
    ]);
    watching.first_verdict("FAILED: ");

    // The first 4 KiB of a library: an ELF header whose sections are not there (yet).
    let bytes = std::fs::read(lib(Lib::Sim)).unwrap();
    replace(&watched, &bytes[..4096]);
    let half = watching
        .stdout
        .until("the half-written line", |l| l.contains("libhalf.so"));
    assert!(
        half.last().unwrap().contains(&format!(
            "`{}` is not a complete library yet (",
            watched.display()
        )),
        "{half:#?}"
    );
    std::fs::remove_file(&watched).unwrap();
    // The very next line is about the removal: nothing was checked in between.
    let missing = watching.stdout.until("the missing line", |l| !l.is_empty());
    assert!(
        is_header(missing.last().unwrap())
            && missing.last().unwrap().ends_with(&format!(
                "`{}` is missing: waiting for it to come back",
                watched.display()
            )),
        "{missing:#?}"
    );

    let (code, stderr) = watching.interrupt();
    assert_eq!(code, Some(10), "the failing verdict stands: {stderr}");
    assert!(stderr.contains("(exit 10)"), "{stderr}");
}

/// A scenario on the tutorial's mock target (by absolute path), with `steps`.
fn scenario(description: &str, steps: Value) -> Value {
    let target = workspace_root().join("scenarios/targets/mock-target.json");
    json!({
        "description": description,
        "provider": {},
        "objects": {"target": path_str(&target)},
        "steps": steps,
    })
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

#[test]
fn run_watch_prints_only_the_scenario_an_edit_made_fail_and_sigint_exits_9() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios: PathBuf = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    let passing = scenario(
        "deploys and converges",
        json!([{"reconcile": {"untilConverged": 3}, "expect": {"rounds": 2, "converged": true}}]),
    );
    write(&scenarios.join("steady.json"), &passing);
    let edited = scenarios.join("edited.json");
    write(&edited, &passing);
    let sim = lib(Lib::Sim);
    let bundles = dir.path().join("bundles");
    let mut watching = Watching::start(&[
        "run",
        "--watch",
        "--simulator",
        path_str(&sim),
        "--bundles",
        path_str(&bundles),
        path_str(&scenarios),
    ]);
    watching.first_verdict("ok: 2 passed");

    // Edited in place, as an editor may save it.
    write(
        &edited,
        &scenario(
            "expects an update that does not happen",
            json!([
                {"reconcile": {}},
                {"reconcile": {}, "expect": {"updates": ["mock-component"]}}
            ]),
        ),
    );
    let block = watching.next_run();
    assert!(
        block
            .iter()
            .any(|l| l.ends_with(&format!("`{}` edited", edited.display()))),
        "{block:#?}"
    );
    let changes: Vec<&String> = block.iter().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(changes, vec!["  edited: pass -> FAIL"], "{block:#?}");
    assert!(
        block.iter().any(|l| l.contains("expect.updates")),
        "the failure, as the report prints it: {block:#?}"
    );
    assert!(
        block
            .iter()
            .any(|l| l.contains("reproduce: symphony-harness replay")),
        "{block:#?}"
    );
    assert_eq!(block.last().unwrap(), "  now FAILED: 1 passed, 1 failed");

    let (code, stderr) = watching.interrupt();
    assert_eq!(code, Some(9), "{stderr}");
}

#[test]
fn watch_refuses_machine_formats_and_output_files_as_a_usage_error() {
    for (args, named) in [
        (
            vec!["check", "--watch", "--format", "json"],
            "`--format json`",
        ),
        (
            vec!["check", "--watch", "--format", "junit"],
            "`--format junit`",
        ),
        (
            vec!["run", "--watch", "--format", "json"],
            "`--format json`",
        ),
        (
            vec!["run", "--watch", "--output", "report.txt"],
            "`--output`",
        ),
    ] {
        let run = harness(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "`--watch` prints only what changed since the last verdict, as text for \
                 people: it cannot be combined with {named}"
            )),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("hint: "), "{}", run.stderr);
        // Nothing ran: stdout is empty, or under `--format json` the error's document alone.
        if named == "`--format json`" {
            let doc = run.json();
            assert_eq!(
                doc["schema"], "symphony-harness/error/v1",
                "{args:?}: {doc}"
            );
            assert_eq!(doc["exitCode"], 2, "{args:?}: {doc}");
        } else {
            assert!(
                run.stdout.is_empty(),
                "{args:?}: nothing ran: {}",
                run.stdout
            );
        }
    }
}
