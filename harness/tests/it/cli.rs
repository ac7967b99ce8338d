use std::time::Duration;

use std::path::Path;

use crate::support::{harness, harness_in, harness_within, lib, path_str, Lib};
use symphony_harness::load::LibraryFile;

fn sha(which: Lib) -> String {
    LibraryFile::open(&lib(which)).unwrap().sha256().to_string()
}

#[test]
fn load_with_any_hash_warns_like_symphony() {
    let run = harness(&["load", path_str(&lib(Lib::Sim)), "--hash", "any"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: hash check skipped"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("\"changeDetection\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("what Symphony makes of it"),
        "{}",
        run.stdout
    );
}

#[test]
fn load_with_matching_hash_does_not_warn() {
    let run = harness(&["load", path_str(&lib(Lib::Sim)), "--hash", &sha(Lib::Sim)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stdout.contains("(matches --hash)"), "{}", run.stdout);
}

#[test]
fn load_hash_mismatch_exits_5_and_shows_both_hashes() {
    let wrong = "ab".repeat(32);
    let run = harness(&["load", path_str(&lib(Lib::Sim)), "--hash", &wrong]);
    assert_eq!(run.code, Some(5));
    assert!(
        run.stderr.contains(&format!("expected: {wrong}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("found:    {}", sha(Lib::Sim))),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("symphony-harness binding"),
        "{}",
        run.stderr
    );
}

#[test]
fn load_uppercase_hash_mismatches_with_a_case_hint() {
    let upper = sha(Lib::Sim).to_uppercase();
    let run = harness(&["load", path_str(&lib(Lib::Sim)), "--hash", &upper]);
    assert_eq!(run.code, Some(5));
    assert!(run.stderr.contains("case-sensitively"), "{}", run.stderr);
}

#[test]
fn load_not_a_provider_exits_4() {
    let run = harness(&["load", path_str(&lib(Lib::NotProvider))]);
    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains("exports no `create_provider`"),
        "{}",
        run.stderr
    );
}

#[test]
fn load_null_provider_exits_5_and_keeps_the_providers_stderr() {
    let run = harness(&["load", path_str(&lib(Lib::NullProvider))]);
    assert_eq!(run.code, Some(5));
    assert!(run.stderr.contains("returned NULL"), "{}", run.stderr);
    assert!(run.stderr.contains("backend unavailable"), "{}", run.stderr);
}

#[test]
fn load_old_abi_is_refused_with_exit_4() {
    let run = harness(&["load", path_str(&lib(Lib::OldAbi))]);
    assert_eq!(run.code, Some(4));
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
}

#[test]
fn load_config_flags_reach_the_provider_sorted_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("extra.json");
    std::fs::write(&file, r#"{"fromFile": "yes", "b": "2"}"#).unwrap();
    let path = lib(Lib::EchoConfig);
    let run = harness(&[
        "load",
        path_str(&path),
        "--hash",
        "any",
        "--name",
        "echo",
        "--config",
        "z=1",
        "--config",
        &format!("@{}", file.display()),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json = run.json()["libraries"][0].clone();
    let expected = format!(
        r#"{{"b":"2","fromFile":"yes","libFile":"{}","libHash":"any","name":"echo","z":"1"}}"#,
        path.display()
    );
    assert_eq!(json["validationRule"]["requiredType"], expected.as_str());
    assert_eq!(json["configJson"], expected.as_str());
    assert_eq!(json["hashCheck"], "skipped");
}

#[test]
fn every_command_refuses_a_malformed_or_reserved_config_entry_alike_with_exit_2() {
    let sim = lib(Lib::Sim);
    for command in ["load", "check", "explore"] {
        for (entry, says) in [
            ("libHash=abc", "hint: set `libHash` with `--hash`"),
            ("libFile=/x.so", "hint: set `libFile` with LIB"),
            ("=x", "`--config =x` is not `KEY=VALUE` or `@FILE.json`"),
            ("novalue", "`--config novalue` is not `KEY=VALUE`"),
        ] {
            let run = harness(&[command, path_str(&sim), "--config", entry]);
            assert_eq!(
                run.code,
                Some(2),
                "{command} --config {entry}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains(says),
                "{command} --config {entry}: {}",
                run.stderr
            );
            assert!(
                !run.stdout.contains("passed"),
                "{command} ran: {}",
                run.stdout
            );
        }
    }
}

#[test]
fn load_refuses_config_keys_owned_by_other_flags() {
    let run = harness(&["load", path_str(&lib(Lib::Sim)), "--config", "libHash=x"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("hint: set `libHash` with `--hash`"),
        "{}",
        run.stderr
    );
}

#[test]
fn load_missing_file_exits_1_with_a_build_hint() {
    let run = harness(&["load", "/nonexistent/libmissing.so"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("cannot read `/nonexistent/libmissing.so`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("caused by:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: build the provider first"),
        "{}",
        run.stderr
    );
}

#[test]
fn binding_is_ready_to_paste_with_hash_filled_in() {
    let path = lib(Lib::Sim);
    let run = harness(&[
        "binding",
        path_str(&path),
        "--role",
        "my-role",
        "--config",
        "sim.device=edge-1",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["role"], "my-role");
    assert_eq!(json["provider"], "providers.target.rust");
    assert_eq!(json["config"]["libHash"], sha(Lib::Sim).as_str());
    assert_eq!(
        json["config"]["libFile"],
        "/extensions/libsymphony_sim_provider.so"
    );
    assert_eq!(json["config"]["name"], "symphony-sim-provider-lib");
    assert_eq!(json["config"]["sim.device"], "edge-1");
    // Go's map order: the keys come out sorted.
    let keys: Vec<&String> = json["config"].as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn binding_lib_file_and_name_can_be_set() {
    let run = harness(&[
        "binding",
        path_str(&lib(Lib::Sim)),
        "--role",
        "r",
        "--lib-file",
        "/opt/p/libp.so",
        "--name",
        "p",
    ]);
    let json = run.json();
    assert_eq!(json["config"]["libFile"], "/opt/p/libp.so");
    assert_eq!(json["config"]["name"], "p");
}

#[test]
fn binding_refuses_a_relative_lib_file_naming_the_absolute_one_to_give() {
    for relative in ["libp.so", "lib/libp.so", ""] {
        let run = harness(&[
            "binding",
            path_str(&lib(Lib::Sim)),
            "--role",
            "r",
            "--lib-file",
            relative,
        ]);
        assert_eq!(run.code, Some(2), "{relative:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr
                .contains(&format!("`{relative}` is not an absolute path")),
            "{}",
            run.stderr
        );
    }
    let run = harness(&[
        "binding",
        path_str(&lib(Lib::Sim)),
        "--role",
        "r",
        "--lib-file",
        "lib/libp.so",
    ]);
    assert!(
        run.stderr.contains("`--lib-file /extensions/libp.so`"),
        "{}",
        run.stderr
    );
}

#[test]
fn timeouts_shorter_than_a_millisecond_or_longer_than_a_day_are_usage_errors() {
    for (value, said) in [
        ("0.0001s", "shorter than 1ms"),
        ("0.5ms", "shorter than 1ms"),
        ("1441m", "longer than 24 hours"),
        ("99999999999999999999", "too long"),
        ("0s", "positive"),
    ] {
        for flag in ["--call-timeout", "--load-timeout"] {
            let run = harness(&["load", flag, value]);
            assert_eq!(run.code, Some(2), "{flag} {value}: {}", run.stderr);
            assert!(run.stderr.contains(said), "{flag} {value}: {}", run.stderr);
        }
    }
}

#[test]
fn binding_refuses_a_library_that_is_not_a_provider() {
    let run = harness(&["binding", path_str(&lib(Lib::NotProvider)), "--role", "r"]);
    assert_eq!(run.code, Some(4), "as `load` exits: {}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("is not a Symphony provider"),
        "{}",
        run.stderr
    );
    let run = harness(&["binding", path_str(&lib(Lib::OldAbi)), "--role", "r"]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(run.stderr.contains("incompatible"), "{}", run.stderr);
}

#[test]
fn binding_roles_symphony_never_looks_up_are_usage_errors_that_name_the_role_to_use() {
    for role in ["container", " "] {
        let run = harness(&["binding", path_str(&lib(Lib::Sim)), "--role", role]);
        assert_eq!(run.code, Some(2), "{role:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains("use `--role instance`"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn binding_without_role_is_a_usage_error() {
    let run = harness(&["binding", path_str(&lib(Lib::Sim))]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--role"), "{}", run.stderr);
}

/// Every command's `--help` at `columns` columns (as a terminal that wide gets it), by the
/// command's words (`[]` for the top level).
fn every_help(columns: &str) -> Vec<(Vec<String>, String)> {
    let top = harness_in(Path::new("."), &["--help"], &[("COLUMNS", Some(columns))]);
    let mut commands: Vec<Vec<String>> = vec![vec![]];
    commands.extend(
        top.stdout
            .lines()
            .skip_while(|line| *line != "Commands:")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(|name| vec![name.to_string()]),
    );
    commands.push(vec!["sim".to_string(), "path".to_string()]);
    commands.push(vec!["help".to_string(), "exit-codes".to_string()]);
    assert!(commands.len() > 15, "{}", top.stdout);
    commands
        .into_iter()
        .map(|words| {
            let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
            if words.first().is_none_or(|w| w != "help") {
                args.push("--help");
            }
            let run = harness_in(Path::new("."), &args, &[("COLUMNS", Some(columns))]);
            assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
            (words, run.stdout)
        })
        .collect()
}

/// The `Examples:` block of a help text, up to its first empty line.
fn examples(help: &str) -> Vec<&str> {
    help.lines()
        .skip_while(|line| *line != "Examples:")
        .take_while(|line| !line.is_empty())
        .collect()
}

#[test]
fn every_example_in_every_help_is_pasteable_on_an_80_column_terminal() {
    let wide = every_help("200");
    let narrow = every_help("80");
    for ((words, wide), (_, narrow)) in wide.iter().zip(&narrow) {
        if words.as_slice() == ["help", "exit-codes"] {
            continue; // a table, no commands
        }
        let block = examples(wide);
        assert!(block.len() > 1, "{words:?} has examples:\n{wide}");
        for line in &block {
            assert!(
                line.chars().count() <= 79,
                "{words:?}: an example line over 79 columns (continue it with `\\`): {line:?}"
            );
        }
        // Nothing wraps on 80 columns: the terminal shows every example as written.
        assert_eq!(
            examples(narrow),
            block,
            "{words:?}: an example wraps at 80 columns"
        );
        // A command quoted in the prose is not cut across two lines either.
        for (start, _) in narrow.match_indices("`symphony-harness") {
            let quoted = &narrow[start + 1..];
            let end = quoted.find('`').unwrap_or(quoted.len());
            assert!(
                !quoted[..end].contains('\n'),
                "{words:?}: `{}` is cut across lines at 80 columns",
                &quoted[..end]
            );
        }
    }
}

#[test]
fn the_exit_code_table_is_shown_once_and_every_help_points_at_it() {
    let helps = every_help("100");
    for (words, help) in &helps {
        let rows = help.matches("  143  terminated").count();
        if words.as_slice() == ["help", "exit-codes"] {
            for entry in symphony_harness::exit_code::ALL {
                let row = format!("{:>3}  {}", entry.code, entry.name);
                assert!(help.contains(&row), "{row:?} missing:\n{help}");
            }
        } else {
            assert_eq!(rows, 0, "{words:?} repeats the table:\n{help}");
            assert!(
                help.trim_end().ends_with(
                    "Exit status: `symphony-harness help exit-codes` lists every code and what it\nmeans."
                ) || help.trim_end().ends_with(
                    "Exit status: `symphony-harness help exit-codes` lists every code and what it means."
                ),
                "{words:?} does not point at the table:\n{help}"
            );
        }
    }
    // Run on its own, the topic prints the table for scripts and pagers.
    let table = harness(&["exit-codes"]);
    assert_eq!(table.code, Some(0));
    assert!(
        table.stdout.starts_with("Exit status:\n    0  success"),
        "{}",
        table.stdout
    );
}

#[test]
fn help_cites_pages_by_url_not_by_a_path_of_the_repository() {
    for (words, help) in every_help("200") {
        // Pages and sources of the repository, which an installed binary's user does not have.
        for path in ["docs/", "harness/src/", "harness/tests/", "README.md"] {
            for (at, _) in help.match_indices(path) {
                let before = &help[..at];
                // A word of its own (not `target/symphony-harness/…`).
                if !before.ends_with([' ', '\n', '`', '(']) {
                    continue;
                }
                let is_url = before
                    .rsplit(char::is_whitespace)
                    .next()
                    .is_some_and(|word| word.starts_with("https://"));
                assert!(is_url, "{words:?} names `{path}` outside a URL:\n{help}");
            }
        }
        assert!(
            help.contains(&format!("{}/blob/main/docs/", env!("CARGO_PKG_REPOSITORY"))),
            "{words:?} links no reference page:\n{help}"
        );
    }
}

#[test]
fn help_texts_are_stable() {
    for args in [
        vec!["--help"],
        vec!["inspect", "--help"],
        vec!["load", "--help"],
        vec!["hash", "--help"],
        vec!["binding", "--help"],
        vec!["reconcile", "--help"],
        vec!["plan", "--help"],
        vec!["compare", "--help"],
        vec!["check", "--help"],
        vec!["run", "--help"],
        vec!["replay", "--help"],
        vec!["explore", "--help"],
        vec!["diff", "--help"],
        vec!["help", "exit-codes"],
    ] {
        let run = harness(&args);
        assert_eq!(run.code, Some(0));
        let name = format!("help_{}", args.join("_").replace("--", ""));
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // `symphony-harness … | head`: stdout closes before anything is written.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(["inspect", path_str(&lib(Lib::Sim)), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// How long a command given a FIFO or a hanging library may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn load_of_a_constructor_that_never_returns_times_out_at_the_load_or_call_deadline() {
    let looping = lib(Lib::LoopInit);
    for (name, flags, within) in [
        (
            "--load-timeout",
            vec!["--load-timeout", "400ms"],
            "within 400 ms",
        ),
        (
            "call timeout by default",
            vec!["--call-timeout", "600ms"],
            "within 600 ms",
        ),
        (
            "--load-timeout over --call-timeout",
            vec!["--call-timeout", "30s", "--load-timeout", "500ms"],
            "within 500 ms",
        ),
    ] {
        let mut args = vec!["load", path_str(&looping)];
        args.extend(flags);
        let run = harness_within(&args, b"", LIMIT);
        assert_eq!(run.code, Some(5), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(within), "{name}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("did not finish within the load deadline"),
            "{name}: {}",
            run.stderr
        );
        // The hint names the deadline that fired (issue 21).
        assert!(
            run.stderr.contains("within `--load-timeout`"),
            "{name}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("the call passed `--call-timeout`"),
            "{name}: {}",
            run.stderr
        );
    }
}

/// Issue 21: in the harness's own process a load cannot be killed, so one that overruns
/// `--load-timeout` ends the process with the load verdict's code (`load-failed`), whichever
/// host code loads it and whichever command asked; `--host symphony` in a worker honours the
/// load deadline too (the library's initialisers run at the load, not in the first creation).
#[test]
fn a_load_that_overruns_the_load_timeout_ends_the_process_with_load_failed_everywhere() {
    let looping = lib(Lib::LoopInit);
    let dir = tempfile::tempdir().unwrap();
    let file_name = looping.file_name().unwrap().to_str().unwrap();
    let target =
        crate::support::bound_target(dir.path(), "t", file_name, "any", serde_json::json!({}));
    let extensions = looping.parent().unwrap();
    let reconcile = [
        "reconcile",
        "--target",
        path_str(&target),
        "--extensions",
        path_str(extensions),
    ];
    for (name, command, flags) in [
        (
            "load in process",
            vec!["load", path_str(&looping)],
            vec!["--in-process"],
        ),
        (
            "load in process, symphony's host",
            vec!["load", path_str(&looping)],
            vec!["--in-process", "--host", "symphony"],
        ),
        (
            "load in a worker, symphony's host",
            vec!["load", path_str(&looping)],
            vec!["--host", "symphony"],
        ),
        (
            "reconcile in process",
            reconcile.to_vec(),
            vec!["--in-process"],
        ),
        (
            "reconcile in process, symphony's host",
            reconcile.to_vec(),
            vec!["--in-process", "--host", "symphony"],
        ),
    ] {
        let mut args = command;
        args.extend(flags);
        // The call deadline is far: only the load deadline can end these.
        args.extend(["--load-timeout", "400ms", "--call-timeout", "10m"]);
        let run = harness_within(&args, b"", LIMIT);
        assert_eq!(run.code, Some(5), "{name}: {}", run.stderr);
        assert!(run.stderr.contains("400 ms"), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("within `--load-timeout`"),
            "{name}: {}",
            run.stderr
        );
    }
}

/// A FIFO named `lib.so` in a fresh directory.
fn fifo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("lib.so");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        0,
    )
    .expect("mkfifo");
    path
}

#[test]
fn a_fifo_as_the_library_is_refused_at_once_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path());
    let said = format!("`{}` is a FIFO, not a library file", fifo.display());
    for command in ["inspect", "load", "hash", "binding"] {
        let mut args = vec![command, path_str(&fifo)];
        if command == "binding" {
            args.extend(["--role", "w"]);
        }
        let run = harness_within(&args, b"", LIMIT);
        assert_eq!(run.code, Some(1), "{command}: {}", run.stderr);
        assert!(run.stderr.contains(&said), "{command}: {}", run.stderr);
    }
}

#[test]
fn a_fifo_as_a_targets_lib_file_is_refused_at_once_by_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path());
    let target = serde_json::json!({
        "metadata": {"name": "edge-fifo"},
        "spec": {"components": [{"name": "web", "type": "w", "properties": {}}],
                 "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                     "config": {"name": "sim", "libFile": "/extensions/lib.so", "libHash": "any"}}]}]}
    });
    let target_path = dir.path().join("edge-fifo.json");
    std::fs::write(&target_path, target.to_string()).unwrap();
    for isolation in ["worker", "--in-process"] {
        let mut args = vec![
            "reconcile",
            "--target",
            path_str(&target_path),
            "--extensions",
            path_str(dir.path()),
        ];
        if isolation != "worker" {
            args.push(isolation);
        }
        let run = harness_within(&args, b"", LIMIT);
        assert_eq!(run.code, Some(1), "{isolation}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "`{}` is a FIFO, not a library file",
                fifo.display()
            )),
            "{isolation}: {}",
            run.stderr
        );
    }
}

/// Runs the harness with its stderr on a pseudo-terminal (so colors are on unless something
/// turns them off), with `env` set; returns what the terminal got.
fn stderr_on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use std::io::Read;

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 terminal name"))
        .expect("open the terminal");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_symphony-harness"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SYMPHONY_HARNESS_COLOR")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(terminal);
    let status = command.status().expect("symphony-harness runs");
    drop(command);
    assert!(status.success(), "{args:?}: {status}");
    // The child has exited and the terminal's other ends are closed: read until EIO.
    let mut master = std::fs::File::from(master);
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = master.read(&mut chunk) {
        seen.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn check_progress_counts_the_checks_only_and_skip_leave() {
    let sim = lib(Lib::Sim);
    // Two checks given as `--only a,b`, then the `build` area without one of them.
    for (selection, total) in [
        (vec!["--only", "build.abi,build.models"], 2),
        (vec!["--only", "build", "--skip", "build.abi"], 2),
    ] {
        let mut args = vec!["check", path_str(&sim)];
        args.extend_from_slice(&selection);
        let seen = stderr_on_a_terminal(&args, &[]);
        let plain = anstream::adapter::strip_str(&seen).to_string();
        assert!(
            plain.contains(&format!("/{total} ")),
            "{selection:?}: no `/{total}` total in the progress:\n{plain:?}"
        );
        let catalog = symphony_harness::check::CATALOG.len();
        assert!(
            !plain.contains(&format!("/{catalog} ")),
            "{selection:?}: the whole catalog's total:\n{plain:?}"
        );
    }
}

#[test]
fn debug_log_lines_are_colored_on_a_terminal_unless_no_color_is_set() {
    let sim = lib(Lib::Sim);
    let args = ["-vv", "load", path_str(&sim), "--hash", "any"];
    let debug_line = |text: &str| -> String {
        text.lines()
            .find(|line| line.contains("DEBUG"))
            .unwrap_or_else(|| panic!("no DEBUG line:\n{text}"))
            .to_string()
    };
    let colored = debug_line(&stderr_on_a_terminal(&args, &[]));
    assert!(colored.contains('\x1b'), "not colored: {colored:?}");
    let plain = debug_line(&stderr_on_a_terminal(&args, &[("NO_COLOR", "1")]));
    assert!(
        !plain.contains('\x1b'),
        "colored despite NO_COLOR: {plain:?}"
    );
}
