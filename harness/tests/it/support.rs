//! Test support: builds the provider libraries the tests load, once per test process.
//!
//! Libraries are built by the tests themselves with `cargo build` into `target/fixtures/`, a
//! target directory of their own, so a fresh clone needs no earlier build step and the outer
//! `cargo test` is never blocked on its own lock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A library the tests can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lib {
    /// The bundled simulated provider (well behaved).
    Sim,
    /// No `create_provider` export.
    NotProvider,
    /// `create_provider` returns NULL; custom global allocator.
    NullProvider,
    /// Exports `init_provider`: the symphony 0.1.1-0.1.3 ABI.
    OldAbi,
    /// Reports the exact `config_json` it was created with.
    EchoConfig,
    /// Built against symphony 0.1.4.
    Symphony014,
    /// Its constructor never returns: `dlopen` hangs.
    LoopInit,
    /// The tutorial's skeleton: `get` returns nothing, `apply` says `Updated`, deletes ignored.
    Skeleton,
}

impl Lib {
    fn file_name(self) -> &'static str {
        match self {
            Lib::Sim => "libsymphony_sim_provider.so",
            Lib::NotProvider => "libfixture_not_provider.so",
            Lib::NullProvider => "libfixture_null_provider.so",
            Lib::OldAbi => "libfixture_old_abi.so",
            Lib::EchoConfig => "libfixture_echo_config.so",
            Lib::Symphony014 => "libfixture_symphony_014.so",
            Lib::LoopInit => "libfixture_loop_init.so",
            Lib::Skeleton => "libfixture_skeleton.so",
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ has a parent")
        .to_path_buf()
}

/// A target directory of the tests' own, `target/<name>/`, so the outer `cargo test` is
/// never blocked on its own lock.
pub fn own_target_dir(name: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join(name)
}

fn fixtures_target_dir() -> PathBuf {
    own_target_dir("fixtures")
}

/// Runs `cargo ARGS --target-dir TARGET_DIR` in `dir` with the outer build's target dir and
/// flags cleared; panics with cargo's stderr, saying `what` failed, unless it succeeds.
pub fn cargo_in(dir: &Path, target_dir: &Path, args: &[&str], what: &str) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{what}: cargo {args:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn cargo(args: &[&str]) -> Output {
    cargo_in(
        &workspace_root(),
        &fixtures_target_dir(),
        args,
        "building test libraries failed",
    )
}

fn build_all() -> PathBuf {
    cargo(&[
        "build",
        "--quiet",
        "-p",
        "symphony-sim-provider",
        "-p",
        "fixture-not-provider",
        "-p",
        "fixture-null-provider",
        "-p",
        "fixture-old-abi",
        "-p",
        "fixture-echo-config",
        "-p",
        "fixture-loop-init",
        "-p",
        "fixture-skeleton",
    ]);
    // Its own workspace and lock file: Cargo allows one symphony 0.1.x per lock.
    let manifest = workspace_root().join("harness/tests/fixtures/symphony-014/Cargo.toml");
    cargo(&[
        "build",
        "--quiet",
        "--locked",
        "--manifest-path",
        manifest.to_str().expect("utf-8 path"),
    ]);
    fixtures_target_dir().join("debug")
}

/// The path of a built test library (built on first use).
pub fn lib(which: Lib) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let path = DIR.get_or_init(build_all).join(which.file_name());
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// A copy of a test library in a fresh temporary directory, so a test may replace it.
pub fn lib_copy(which: Lib, dir: &Path, name: &str) -> PathBuf {
    let dest = dir.join(name);
    std::fs::copy(lib(which), &dest).expect("copy library");
    dest
}

/// Runs the `symphony-harness` binary.
pub fn harness(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .env_remove("COLUMNS")
        .output()
        .expect("symphony-harness runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the `symphony-harness` binary in folder `dir`, with `env` set (`Some`) or removed
/// (`None`) on top of the test's own environment.
pub fn harness_in(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_symphony-harness"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .env_remove("COLUMNS");
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let output = command.output().expect("symphony-harness runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// What a run of the binary printed, and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", self.stdout))
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Runs the harness with its stdout on a pipe whose reading end is already closed, as
/// `symphony-harness … | head -1` ends up once `head` has its line: every write fails with
/// `EPIPE`. Returns the exit code and stderr.
pub fn harness_with_closed_stdout(args: &[&str]) -> Run {
    let (reader, writer) = rustix::pipe::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .stdout(std::process::Stdio::from(writer))
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("symphony-harness runs");
    Run {
        code: output.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the `symphony-harness` binary with `stdin` on its standard input, but fails the test
/// instead of hanging if it has not exited within `limit`: it is killed then.
pub fn harness_within(args: &[&str], stdin: &[u8], limit: std::time::Duration) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("symphony-harness runs");
    if let Some(mut input) = child.stdin.take() {
        // A harness that never reads its input is fine: a full or closed pipe ends the write.
        let _ = input.write_all(stdin);
    }
    let status = wait_within(&mut child, limit);
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "`symphony-harness {}` did not exit within {limit:?}",
            args.join(" ")
        );
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut out, &mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// Waits for `child` to exit, polling, for at most `limit`; `None` if it is still running.
pub fn wait_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Writes the Target file `<file_stem>.json` into `dir`: target `t` with one component `a` of
/// type `w`, bound (role `w`) to `/extensions/<lib_file>` with `lib_hash`, plus the `extra`
/// binding config keys.
pub fn bound_target(
    dir: &Path,
    file_stem: &str,
    lib_file: &str,
    lib_hash: &str,
    extra: serde_json::Value,
) -> PathBuf {
    write_target(
        dir,
        file_stem,
        "t",
        serde_json::json!([{"name": "a", "type": "w"}]),
        lib_file,
        lib_hash,
        extra,
    )
}

/// Writes the Target file `<file_stem>.json` into `dir`: target `name` with `components`,
/// bound (role `w`) to `/extensions/<lib_file>` with `lib_hash`, plus the `extra` binding
/// config keys.
pub fn write_target(
    dir: &Path,
    file_stem: &str,
    name: &str,
    components: serde_json::Value,
    lib_file: &str,
    lib_hash: &str,
    extra: serde_json::Value,
) -> PathBuf {
    let mut config = serde_json::json!({
        "name": "p", "libFile": format!("/extensions/{lib_file}"), "libHash": lib_hash
    });
    for (key, value) in extra.as_object().expect("extra config is an object") {
        config[key] = value.clone();
    }
    let target = serde_json::json!({
        "metadata": {"name": name},
        "spec": {"components": components,
                 "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust", "config": config}]}]}
    });
    let path = dir.join(format!("{file_stem}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&target).expect("JSON")).expect("written");
    path
}

/// `(pid, state, ppid, pgrp)` of every process in `/proc`.
pub fn processes() -> Vec<(i32, char, i32, i32)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        // The process may be gone by now: then it is simply not listed.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|end| &stat[end + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if let (Some(state), Some(ppid), Some(pgrp)) = (
            fields.first().and_then(|s| s.chars().next()),
            fields.get(1).and_then(|s| s.parse().ok()),
            fields.get(2).and_then(|s| s.parse().ok()),
        ) {
            found.push((pid, state, ppid, pgrp));
        }
    }
    found
}

/// The live (not zombie) processes of process group `pgrp`.
pub fn live_in_group(pgrp: i32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|&(_, state, _, group)| group == pgrp && state != 'Z' && state != 'X')
        .map(|(pid, ..)| pid)
        .collect()
}
