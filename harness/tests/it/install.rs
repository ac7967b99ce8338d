//! An installed binary: a copy of `symphony-harness` alone in a folder, nothing next to it,
//! finds the simulated provider embedded in it (written to the cache folder on first use),
//! and prints shell completions.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use symphony_harness::load::LibraryFile;
use symphony_harness::sim;

use crate::support::{harness, lib, Lib, Run};

/// A copy of the harness binary alone in a temporary folder, with a cache folder of its own.
struct Installed {
    root: tempfile::TempDir,
}

impl Installed {
    /// Copies the binary with `cp`, never in this process: a file this process held open
    /// for writing would be inherited by every child another test thread forks meanwhile, and
    /// running the copy while one of those still holds it fails with "Text file busy"
    /// (ETXTBSY). Only `cp` ever holds the copy open for writing, and it has exited before
    /// the copy runs.
    fn new() -> Installed {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("bin")).unwrap();
        let copied = Command::new("cp")
            .arg(env!("CARGO_BIN_EXE_symphony-harness"))
            .arg(Installed::exe_in(&root))
            .stdin(Stdio::null())
            .output()
            .expect("cp runs");
        assert!(
            copied.status.success(),
            "cp: {}",
            String::from_utf8_lossy(&copied.stderr)
        );
        Installed { root }
    }

    fn exe_in(root: &tempfile::TempDir) -> PathBuf {
        root.path().join("bin").join("symphony-harness")
    }

    fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    /// The command, with the cache folder set and nothing inherited that changes its output.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(Installed::exe_in(&self.root));
        command
            .args(args)
            .env(sim::CACHE_VAR, self.cache())
            .env_remove("RUST_LOG")
            .env_remove("SYMPHONY_HARNESS_COLOR")
            .env_remove("COLUMNS");
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        finished(self.command(args))
    }

    /// `sim path`, which must succeed; the path it printed.
    fn sim_path(&self) -> PathBuf {
        let run = self.run(&["sim", "path"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        PathBuf::from(run.stdout.trim_end())
    }
}

fn finished(mut command: Command) -> Run {
    let output = command.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn sha256(path: &Path) -> String {
    LibraryFile::open(path).unwrap().sha256().to_string()
}

/// The embedded simulator's SHA-256; these tests need a binary built with one.
fn embedded_sha256() -> &'static str {
    sim::embedded_sha256().expect(
        "this harness was built with SYMPHONY_HARNESS_NO_EMBEDDED_SIM: the install tests need \
         the embedded simulator",
    )
}

#[test]
fn installed_binary_alone_checks_the_embedded_simulator_without_lib() {
    let installed = Installed::new();
    let run = installed.run(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let document = run.json();
    assert_eq!(document["passed"], true);
    let library = &document["libraries"][0];
    assert_eq!(library["sha256"], embedded_sha256());
    let path = library["library"].as_str().unwrap();
    assert!(
        Path::new(path).starts_with(installed.cache()),
        "checked `{path}`, not the cached copy"
    );
}

#[test]
fn sim_path_prints_the_cached_embedded_simulator_under_its_sha256() {
    let installed = Installed::new();
    let path = installed.sim_path();
    let expected = installed
        .cache()
        .join("sim")
        .join(embedded_sha256())
        .join(sim::LIBRARY_FILE);
    assert_eq!(path, expected);
    assert_eq!(sha256(&path), embedded_sha256());
    // A second use finds it there and prints the same path.
    assert_eq!(installed.sim_path(), path);
}

#[test]
fn a_tampered_cached_simulator_is_rewritten_not_loaded() {
    let installed = Installed::new();
    let path = installed.sim_path();
    // Another real provider in its place: the skeleton fails `apply.converges`.
    std::fs::copy(lib(Lib::Skeleton), &path).unwrap();
    assert_ne!(sha256(&path), embedded_sha256());

    let run = installed.run(&["check", "--only", "apply.converges", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["libraries"][0]["sha256"], embedded_sha256());
    assert!(run.stderr.contains("held other bytes"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&sha256(&lib(Lib::Skeleton))),
        "{}",
        run.stderr
    );
    assert_eq!(sha256(&path), embedded_sha256());
}

#[test]
fn concurrent_first_uses_all_get_the_same_whole_library() {
    let installed = Installed::new();
    let children: Vec<_> = (0..4)
        .map(|_| {
            installed
                .command(&["sim", "path"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut paths = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        paths.push(String::from_utf8(output.stdout).unwrap());
    }
    paths.dedup();
    assert_eq!(paths.len(), 1, "{paths:?}");
    let path = PathBuf::from(paths[0].trim_end());
    assert_eq!(sha256(&path), embedded_sha256());
    // Nothing but the library is left in its folder: no temporary file.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, [sim::LIBRARY_FILE]);
}

#[test]
fn without_the_harness_variable_the_cache_is_under_xdg_cache_home() {
    let installed = Installed::new();
    let xdg = installed.root.path().join("xdg");
    let mut command = installed.command(&["sim", "path"]);
    command
        .env_remove(sim::CACHE_VAR)
        .env("XDG_CACHE_HOME", &xdg);
    let run = finished(command);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = xdg
        .join("symphony-harness/sim")
        .join(embedded_sha256())
        .join(sim::LIBRARY_FILE);
    assert_eq!(PathBuf::from(run.stdout.trim_end()), expected);
}

#[test]
fn an_unwritable_cache_fails_naming_the_folder_and_the_variable() {
    let installed = Installed::new();
    // A file where the cache folder should be.
    std::fs::write(installed.cache(), b"").unwrap();
    let run = installed.run(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot write the simulated provider to"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&installed.cache().display().to_string()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: point `SYMPHONY_HARNESS_CACHE`"),
        "{}",
        run.stderr
    );
}

#[test]
fn sim_path_embedded_skips_the_library_next_to_the_executable() {
    // The test binary's own harness has the cargo-built simulator beside it (`target/debug`)
    // when the workspace was built; `--embedded` always prints the cached copy.
    let cache = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(["sim", "path", "--embedded"])
        .env(sim::CACHE_VAR, cache.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let path = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim_end());
    assert!(path.starts_with(cache.path()), "{}", path.display());
    assert_eq!(sha256(&path), embedded_sha256());
}

/// The subcommands `--help` lists, but `help`.
fn subcommands() -> Vec<String> {
    let run = harness(&["--help"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let listed: Vec<String> = run
        .stdout
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        // A name starts its line after two spaces; a wrapped description is indented more.
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(listed.len() >= 12, "{listed:?}");
    assert!(
        listed.iter().any(|name| name == "completions"),
        "{listed:?}"
    );
    listed
}

fn completions(shell: &str) -> String {
    let run = harness(&["completions", shell]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stdout.is_empty());
    run.stdout
}

#[test]
fn bash_completions_parse_and_name_every_subcommand_but_the_hidden_worker() {
    let script = completions("bash");
    let mut check = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), script.as_bytes()).unwrap();
    let output = check.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // bash offers the subcommands as one word list.
    let offered = script
        .lines()
        .find(|line| line.trim_start().starts_with("opts=\"-v -h -V"))
        .unwrap_or_else(|| panic!("no top-level word list:\n{script}"));
    let words: Vec<&str> = offered.split(['"', ' ']).collect();
    for name in subcommands() {
        assert!(
            words.contains(&name.as_str()),
            "`{name}` missing: {offered}"
        );
    }
    assert!(!script.contains("__worker"), "the hidden worker is offered");
}

#[test]
fn zsh_and_fish_completions_name_every_subcommand_but_the_hidden_worker() {
    let names = subcommands();
    // How each script names a subcommand it offers.
    let zsh = |name: &str| format!("'{name}:");
    let fish = |name: &str| format!("-f -a \"{name}\"");
    for (shell, entry) in [("zsh", &zsh as &dyn Fn(&str) -> String), ("fish", &fish)] {
        let script = completions(shell);
        for name in &names {
            assert!(
                script.contains(&entry(name)),
                "{shell}: `{name}` missing:\n{script}"
            );
        }
        assert!(
            !script.contains("__worker"),
            "{shell}: the hidden worker is offered"
        );
    }
}

#[test]
fn completions_for_an_unknown_shell_are_refused_with_the_shells_there_are() {
    let run = harness(&["completions", "tcsh"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("invalid value 'tcsh'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        run.stderr
    );
}

#[test]
fn install_help_texts_are_stable() {
    for args in [
        vec!["sim", "--help"],
        vec!["sim", "path", "--help"],
        vec!["completions", "--help"],
    ] {
        let run = harness(&args);
        assert_eq!(run.code, Some(0));
        let name = format!("help_{}", args.join("_").replace("--", ""));
        insta::assert_snapshot!(name, run.stdout);
    }
}
