//! One exit code per failure, in every command (issue 21). Each row of
//! `exit_code::BY_FAILURE` is run through the binary in every command it lists, against a
//! real input of that failure (a text file as the library, the NULL fixture, a wrong hash, a
//! `providers.target.k8s` binding, `--config novalue`, …), and must give that row's code; a
//! command the table lists without a row here fails the coverage test, so the table in
//! `docs/exit-codes.md` cannot drift from what the commands do. Under `--format json` every
//! error is one document on stdout, valid against `docs/schemas/error.v1.json`, with the same
//! message on stderr.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use symphony_harness::exit_code::{self, BY_FAILURE};

use crate::schemas::assert_valid;
use crate::support::{bound_target, harness, harness_within, lib, path_str, workspace_root, Lib};

/// How long one command may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(120);

/// The inputs every row draws on, written into one temporary folder.
struct Inputs {
    dir: tempfile::TempDir,
    /// A text file named like a library.
    text: String,
    /// A library path that does not exist.
    missing: String,
    /// The folder of the test libraries (Symphony's `/extensions`).
    fixtures: String,
    sim: String,
    not_provider: String,
    old_abi: String,
    null: String,
    loop_init: String,
}

impl Inputs {
    fn new() -> Inputs {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("libtext.so");
        std::fs::write(&text, "not a library\n").unwrap();
        let missing = dir.path().join("libmissing.so");
        let fixtures = lib(Lib::Sim).parent().unwrap().to_path_buf();
        Inputs {
            text: path_str(&text).into(),
            missing: path_str(&missing).into(),
            fixtures: path_str(&fixtures).into(),
            sim: path_str(&lib(Lib::Sim)).into(),
            not_provider: path_str(&lib(Lib::NotProvider)).into(),
            old_abi: path_str(&lib(Lib::OldAbi)).into(),
            null: path_str(&lib(Lib::NullProvider)).into(),
            loop_init: path_str(&lib(Lib::LoopInit)).into(),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A file `name` holding `text`.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path_str(&path).into()
    }

    /// A Target binding `/extensions/<file>` (found in `extensions`) with `hash`.
    fn target(&self, stem: &str, file: &str, hash: &str) -> String {
        path_str(&bound_target(self.dir.path(), stem, file, hash, json!({}))).into()
    }

    /// A Target whose role `w` is bound to `providers.target.k8s`.
    fn k8s_target(&self) -> String {
        let target = json!({
            "metadata": {"name": "t"},
            "spec": {"components": [{"name": "a", "type": "w"}],
                     "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.k8s",
                                                   "config": {"name": "k"}}]}]}
        });
        self.file("k8s-target.json", &target.to_string())
    }

    /// A scenario that reconciles a Target bound to `library` (with `provider` settings
    /// added) and expects its component deployed.
    fn scenario(&self, stem: &str, provider: Value) -> String {
        let target = bound_target(
            self.dir.path(),
            &format!("{stem}-scenario-target"),
            "x.so",
            "any",
            json!({}),
        );
        self.scenario_of(stem, provider, path_str(&target))
    }

    fn scenario_of(&self, stem: &str, provider: Value, target: &str) -> String {
        self.scenario_expecting(stem, provider, target, json!({"updates": ["a"]}))
    }

    fn scenario_expecting(
        &self,
        stem: &str,
        provider: Value,
        target: &str,
        expect: Value,
    ) -> String {
        let scenario = json!({
            "description": "deploys the component",
            "provider": provider,
            "objects": {"target": target},
            "steps": [{"reconcile": {}, "expect": expect}]
        });
        self.file(&format!("{stem}.json"), &scenario.to_string())
    }

    /// A reproduction bundle of a failed scenario, played on a copy of the simulator, which
    /// `remove_library` then deletes (the bundle's library cannot be read).
    fn bundle(&self, name: &str, remove_library: bool) -> String {
        let copy = self.path(&format!("lib{name}.so"));
        std::fs::copy(&self.sim, &copy).unwrap();
        let target = bound_target(
            self.dir.path(),
            &format!("{name}-target"),
            "x.so",
            "any",
            json!({}),
        );
        // It deploys `a`, not `b`: the expectation fails, and `run` writes a bundle.
        let scenario = self.scenario_expecting(
            name,
            json!({"library": path_str(&copy)}),
            path_str(&target),
            json!({"updates": ["b"]}),
        );
        let bundles = self.path(&format!("{name}-bundles"));
        let run = harness(&["run", &scenario, "--bundles", path_str(&bundles)]);
        assert_eq!(
            run.code,
            Some(9),
            "the scenario fails: {}{}",
            run.stdout,
            run.stderr
        );
        let bundle = std::fs::read_dir(&bundles)
            .unwrap()
            .next()
            .expect("a bundle")
            .unwrap()
            .path();
        if remove_library {
            std::fs::remove_file(&copy).unwrap();
        }
        path_str(&bundle).into()
    }
}

/// One command meeting one failure: the failure's id in `BY_FAILURE`, the command, its
/// arguments.
struct Row {
    failure: &'static str,
    command: &'static str,
    args: Vec<String>,
}

fn row(failure: &'static str, args: &[&str]) -> Row {
    Row {
        failure,
        command: match args.first() {
            Some(command) => BY_FAILURE
                .iter()
                .flat_map(|f| f.commands.iter())
                .copied()
                .find(|known| known == command)
                .unwrap_or_else(|| panic!("`{command}` is no command of BY_FAILURE")),
            None => panic!("a row names its command"),
        },
        args: args.iter().map(ToString::to_string).collect(),
    }
}

/// The library given as `--extensions` and `/extensions/<file>` for a Target of `library`.
fn split(library: &str) -> (String, String) {
    let path = Path::new(library);
    (
        path_str(path.parent().unwrap()).into(),
        path.file_name().unwrap().to_str().unwrap().into(),
    )
}

/// Every row for the failures of `ids`.
fn rows(inputs: &Inputs, ids: &[&str]) -> Vec<Row> {
    let mut rows = Vec::new();
    for id in ids {
        rows.extend(match *id {
            "unreadable-library" => unreadable_library(inputs),
            "not-a-provider" => library_rows(inputs, "not-a-provider", &inputs.text, "text")
                .into_iter()
                .chain(library_rows(
                    inputs,
                    "not-a-provider",
                    &inputs.not_provider,
                    "np",
                ))
                .collect(),
            "incompatible" => library_rows(inputs, "incompatible", &inputs.old_abi, "old"),
            "no-provider" => library_rows(inputs, "no-provider", &inputs.null, "null")
                .into_iter()
                .filter(|row| !matches!(row.command, "inspect" | "binding"))
                .collect(),
            "hash-mismatch" => hash_mismatch(inputs),
            "load-timeout" => load_timeout(inputs),
            "bad-input-file" => bad_input_file(inputs),
            "undriven-binding" => vec![
                row(
                    "undriven-binding",
                    &[
                        "run",
                        "--no-bundles",
                        &inputs.scenario_of("k8s", json!({}), &inputs.k8s_target()),
                    ],
                ),
                row(
                    "undriven-binding",
                    &[
                        "reconcile",
                        "--target",
                        &inputs.k8s_target(),
                        "--extensions",
                        &inputs.fixtures,
                    ],
                ),
            ],
            "usage" => usage(inputs),
            other => panic!("no rows for `{other}`"),
        });
    }
    rows
}

/// `library` (a text file, a library that is no provider, …) in every command that takes one.
fn library_rows(inputs: &Inputs, failure: &'static str, library: &str, stem: &str) -> Vec<Row> {
    let (extensions, file) = split(library);
    let target = inputs.target(&format!("{stem}-target"), &file, "any");
    let scenario = inputs.scenario(stem, json!({"library": library}));
    let sim = inputs.sim.as_str();
    vec![
        row(failure, &["inspect", library]),
        row(failure, &["load", library]),
        row(failure, &["binding", library, "--role", "w"]),
        row(failure, &["check", library]),
        row(
            failure,
            &["explore", library, "--seed", "1", "--cases", "2"],
        ),
        row(failure, &["run", "--no-bundles", &scenario]),
        row(
            failure,
            &["diff", library, sim, "--no-checks", "--cases", "1"],
        ),
        row(
            failure,
            &["diff", sim, library, "--no-checks", "--cases", "1"],
        ),
        row(
            failure,
            &[
                "reconcile",
                "--target",
                &target,
                "--extensions",
                &extensions,
            ],
        ),
    ]
}

fn unreadable_library(inputs: &Inputs) -> Vec<Row> {
    let missing = inputs.missing.as_str();
    let target = inputs.target("missing-target", "libmissing.so", "any");
    let scenario = inputs.scenario("missing", json!({"library": missing}));
    let bundle = inputs.bundle("gone", true);
    let sim = inputs.sim.as_str();
    let f = "unreadable-library";
    vec![
        row(f, &["inspect", missing]),
        row(f, &["load", missing]),
        row(f, &["hash", missing]),
        row(f, &["binding", missing, "--role", "w"]),
        row(f, &["check", missing]),
        row(f, &["explore", missing, "--seed", "1"]),
        row(f, &["run", "--no-bundles", &scenario]),
        row(f, &["replay", &bundle]),
        row(f, &["diff", missing, sim, "--no-checks", "--cases", "1"]),
        row(
            f,
            &[
                "reconcile",
                "--target",
                &target,
                "--extensions",
                path_str(inputs.dir.path()),
            ],
        ),
    ]
}

fn hash_mismatch(inputs: &Inputs) -> Vec<Row> {
    let wrong = "ab".repeat(32);
    let (extensions, file) = split(&inputs.sim);
    let target = inputs.target("wrong-hash-target", &file, &wrong);
    let scenario = inputs.scenario("wrong-hash", json!({"library": inputs.sim, "hash": wrong}));
    let sim = inputs.sim.as_str();
    let f = "hash-mismatch";
    vec![
        row(f, &["load", sim, "--hash", &wrong]),
        row(f, &["check", sim, "--hash", &wrong]),
        row(f, &["explore", sim, "--hash", &wrong, "--seed", "1"]),
        row(f, &["run", "--no-bundles", &scenario]),
        row(
            f,
            &[
                "diff",
                sim,
                sim,
                "--old-hash",
                &wrong,
                "--no-checks",
                "--cases",
                "1",
            ],
        ),
        row(
            f,
            &[
                "reconcile",
                "--target",
                &target,
                "--extensions",
                &extensions,
            ],
        ),
    ]
}

fn load_timeout(inputs: &Inputs) -> Vec<Row> {
    let looping = inputs.loop_init.as_str();
    let (extensions, file) = split(looping);
    let target = inputs.target("loop-target", &file, "any");
    let scenario = inputs.scenario("loop", json!({"library": looping}));
    let sim = inputs.sim.as_str();
    let short = ["--call-timeout", "400ms"];
    let f = "load-timeout";
    let with = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(short);
        row(f, &all)
    };
    vec![
        row(f, &["load", looping, "--load-timeout", "400ms"]),
        with(&["check", looping]),
        with(&["explore", looping, "--seed", "1"]),
        with(&["run", "--no-bundles", &scenario]),
        with(&["diff", looping, sim, "--no-checks", "--cases", "1"]),
        row(
            f,
            &[
                "reconcile",
                "--target",
                &target,
                "--extensions",
                &extensions,
                "--load-timeout",
                "400ms",
            ],
        ),
    ]
}

fn bad_input_file(inputs: &Inputs) -> Vec<Row> {
    let bad = inputs.file("bad.json", "{\"metadata\": ");
    let good = inputs.file("component.json", r#"{"name": "a"}"#);
    let edited = inputs.bundle("edited", false);
    let scenario = Path::new(&edited).join("scenario.json");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, text.replacen("deploys", "deploys (edited)", 1)).unwrap();
    let sim = inputs.sim.as_str();
    let f = "bad-input-file";
    vec![
        row(f, &["check", sim, "--target", &bad]),
        row(f, &["run", "--no-bundles", &bad]),
        row(f, &["replay", &edited]),
        row(
            f,
            &[
                "diff",
                sim,
                sim,
                "--scenarios",
                &bad,
                "--no-checks",
                "--cases",
                "1",
            ],
        ),
        row(f, &["reconcile", "--target", &bad]),
        row(f, &["plan", "--deployment", &bad]),
        row(f, &["compare", &bad, &good]),
    ]
}

/// `--config novalue` and `--config =v` in every command: a wrong value where the command
/// takes `--config`, an unknown flag where it does not; both are usage errors.
fn usage(inputs: &Inputs) -> Vec<Row> {
    let sim = inputs.sim.as_str();
    let target = inputs.target("usage-target", "libsymphony_sim_provider.so", "any");
    let f = "usage";
    let mut rows = Vec::new();
    for value in ["novalue", "=v"] {
        let commands: [Vec<&str>; 16] = [
            vec!["inspect", sim],
            vec!["load", sim],
            vec!["hash", sim],
            vec!["binding", sim, "--role", "w"],
            vec!["check", sim],
            vec!["explore", sim, "--seed", "1"],
            vec!["run", "--no-bundles"],
            vec!["replay", "bundle"],
            vec!["diff", sim, sim],
            vec!["reconcile", "--target", &target],
            vec!["plan", "--deployment", &target],
            vec!["compare", &target, &target],
            vec!["serve", "--port", "0"],
            vec!["sim", "path"],
            vec!["completions", "bash"],
            vec!["new", "x"],
        ];
        for mut args in commands {
            args.extend(["--config", value]);
            rows.push(row(f, &args));
        }
    }
    rows.extend([
        row(f, &["diff", sim, sim, "--old-config", "novalue"]),
        row(f, &["check", sim, "--only", "nosuchcheck"]),
        row(f, &["diff", sim, sim, "--skip", "nosuchcheck"]),
        row(f, &["load", sim, "--jobs", "0"]),
        row(f, &["reconcile", "--target", &target, "--rounds", "0"]),
        row(f, &["explore", sim, "--partition", "1/2"]),
        row(f, &["serve", "--host", "symphony", "--symphony", "0.48"]),
    ]);
    rows
}

/// Runs every row and says which gave another code than its failure's.
fn wrong_codes(rows: &[Row]) -> Vec<String> {
    let mut wrong = Vec::new();
    for row in rows {
        let expected = BY_FAILURE
            .iter()
            .find(|f| f.id == row.failure)
            .unwrap_or_else(|| panic!("no failure `{}`", row.failure))
            .code;
        let args: Vec<&str> = row.args.iter().map(String::as_str).collect();
        let run = harness_within(&args, b"", LIMIT);
        if run.code != Some(expected) {
            wrong.push(format!(
                "{} in `{}`: expected {expected}, got {:?}\n  symphony-harness {}\n{}{}",
                row.failure,
                row.command,
                run.code,
                args.join(" "),
                run.stdout,
                run.stderr
            ));
        }
    }
    wrong
}

fn assert_rows(ids: &[&str]) {
    let inputs = Inputs::new();
    let wrong = wrong_codes(&rows(&inputs, ids));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_failure_of_the_table_is_run_in_every_command_it_lists_and_no_other() {
    let inputs = Inputs::new();
    let ids: Vec<&str> = BY_FAILURE
        .iter()
        .map(|f| f.id)
        // A worker that cannot start is provoked in the worker tests, from the library.
        .filter(|id| *id != "worker" && *id != "cannot-listen")
        .collect();
    let rows = rows(&inputs, &ids);
    let mut missing = Vec::new();
    for failure in BY_FAILURE.iter().filter(|f| ids.contains(&f.id)) {
        for command in failure.commands {
            if !rows
                .iter()
                .any(|r| r.failure == failure.id && r.command == *command)
            {
                missing.push(format!("{} in `{command}`", failure.id));
            }
        }
    }
    let unlisted: Vec<String> = rows
        .iter()
        .filter(|row| {
            BY_FAILURE
                .iter()
                .find(|f| f.id == row.failure)
                .is_none_or(|f| !f.commands.contains(&row.command))
        })
        .map(|row| format!("{} in `{}`", row.failure, row.command))
        .collect();
    assert!(missing.is_empty(), "no row runs: {missing:?}");
    assert!(
        unlisted.is_empty(),
        "rows the table does not list: {unlisted:?}"
    );
}

#[test]
fn a_library_that_cannot_be_read_gives_1_in_every_command() {
    assert_rows(&["unreadable-library"]);
}

#[test]
fn a_text_file_or_a_library_without_create_provider_gives_4_in_every_command() {
    assert_rows(&["not-a-provider"]);
}

#[test]
fn an_old_abi_library_gives_4_in_every_command() {
    assert_rows(&["incompatible"]);
}

#[test]
fn a_null_provider_gives_5_in_every_command_that_creates_one() {
    assert_rows(&["no-provider"]);
}

#[test]
fn a_wrong_hash_gives_5_in_every_command() {
    assert_rows(&["hash-mismatch"]);
}

#[test]
fn a_load_that_never_finishes_gives_5_in_every_command() {
    assert_rows(&["load-timeout"]);
}

#[test]
fn a_bad_input_file_or_an_undriven_binding_gives_1() {
    assert_rows(&["bad-input-file", "undriven-binding"]);
}

#[test]
fn a_wrong_flag_value_gives_2_in_every_command() {
    assert_rows(&["usage"]);
}

#[test]
fn serve_that_cannot_listen_gives_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = harness_within(&["serve", "--port", &port], b"", LIMIT);
    assert_eq!(run.code, Some(exit_code::ERROR), "{}", run.stderr);
    assert!(run.stderr.contains("cannot listen on"), "{}", run.stderr);
    let code = BY_FAILURE
        .iter()
        .find(|f| f.id == "cannot-listen")
        .map(|f| f.code);
    assert_eq!(code, Some(exit_code::ERROR));
}

#[test]
fn run_reports_a_library_without_a_provider_as_could_not_be_played_not_as_an_expectation() {
    let inputs = Inputs::new();
    for (library, code, says) in [
        (
            &inputs.text,
            exit_code::INCOMPATIBLE,
            "is not a provider library",
        ),
        (&inputs.null, exit_code::LOAD_FAILED, "returned NULL"),
    ] {
        let scenario = inputs.scenario("unplayable", json!({"library": library}));
        let run = harness(&["run", "--no-bundles", &scenario]);
        assert_eq!(run.code, Some(code), "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains("could not be played: Symphony never got a provider"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(says), "{}", run.stdout);
        assert!(
            !run.stdout.contains("expect.updates"),
            "no expectation blamed: {}",
            run.stdout
        );
        let doc = harness(&["run", "--no-bundles", "--format", "json", &scenario]).json();
        assert_valid(&doc, "run of an unplayable scenario");
        assert_eq!(doc["scenarios"][0]["transcript"], Value::Null, "{doc:#}");
    }
    // A scenario that expects the failure passes: Symphony's InitFailed is what it pins.
    let target = bound_target(
        inputs.dir.path(),
        "expects-target",
        "x.so",
        "any",
        json!({}),
    );
    let scenario = json!({
        "description": "a NULL provider fails every round",
        "provider": {"library": inputs.null},
        "objects": {"target": path_str(&target)},
        "steps": [{"reconcile": {}, "expect": {"outcome": "null-provider"}}]
    });
    let file = inputs.file("expects-null.json", &scenario.to_string());
    let run = harness(&["run", "--no-bundles", &file]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

#[test]
fn the_failure_table_names_the_codes_it_uses_and_the_readme_points_to_it() {
    for failure in BY_FAILURE {
        assert!(
            exit_code::describe(failure.code).is_some(),
            "{}: code {} is not in exit_code::ALL",
            failure.id,
            failure.code
        );
    }
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let bullet = readme
        .split("- **Exit codes are the verdict**")
        .nth(1)
        .and_then(|rest| rest.split("\n- ").next())
        .expect("the README's exit-code bullet");
    for command in ["check", "run", "replay", "explore", "diff", "serve"] {
        assert!(
            bullet.contains(&format!("`{command}`")),
            "README bullet lacks `{command}`: {bullet}"
        );
    }
    let mut codes: Vec<i32> = BY_FAILURE.iter().map(|f| f.code).collect();
    codes.extend([
        exit_code::SUCCESS,
        exit_code::SCENARIO_FAILED,
        exit_code::CHECK_FAILED,
        exit_code::INVARIANT_BROKEN,
        exit_code::DIFFERS,
    ]);
    for code in codes {
        assert!(
            bullet.contains(&code.to_string()),
            "README bullet lacks code {code}: {bullet}"
        );
    }
    assert!(bullet.contains("(docs/exit-codes.md)"), "{bullet}");
}

// ---- `--format json`: every error is a document --------------------------------------------

#[test]
fn the_error_schema_names_every_exit_code_but_success() {
    let path = workspace_root().join("docs/schemas/error.v1.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let kinds: Vec<&str> = schema["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let names: Vec<&str> = exit_code::ALL
        .iter()
        .filter(|e| e.code != exit_code::SUCCESS)
        .map(|e| e.name)
        .collect();
    assert_eq!(kinds, names);
}

/// Runs `args` (which ask for `--format json`) and checks its error document: valid, its
/// code the process's, its message on stderr too. Returns it.
fn error_document(args: &[&str], code: i32) -> Value {
    let run = harness_within(args, b"", LIMIT);
    let case = args.join(" ");
    assert_eq!(run.code, Some(code), "{case}: {}{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_valid(&doc, &case);
    assert_eq!(doc["schema"], "symphony-harness/error/v1", "{case}");
    assert_eq!(doc["exitCode"], code, "{case}");
    let name = exit_code::describe(code).unwrap().name;
    assert_eq!(doc["kind"], name, "{case}");
    let message = doc["message"].as_str().unwrap();
    assert!(
        run.stderr.contains(&format!("error: {message}")),
        "{case}: stderr lacks the message `{message}`:\n{}",
        run.stderr
    );
    if let Some(hint) = doc["hint"].as_str() {
        assert!(run.stderr.contains(hint), "{case}:\n{}", run.stderr);
    }
    doc
}

#[test]
fn every_command_with_format_json_prints_its_error_as_a_document() {
    let inputs = Inputs::new();
    let nospec = inputs.file("nospec.json", r#"{"metadata": {"name": "t"}}"#);
    let bad = inputs.file("bad.json", "not json");
    let sim = inputs.sim.as_str();
    let json = ["--format", "json"];
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        (
            "check",
            vec!["check", "--only", "nosuchcheck"],
            exit_code::USAGE,
        ),
        (
            "inspect",
            vec!["inspect", &inputs.missing],
            exit_code::ERROR,
        ),
        (
            // (`load` lists a library it cannot load in its own document.)
            "load",
            vec!["load", sim, "--jobs", "0"],
            exit_code::USAGE,
        ),
        (
            "reconcile",
            vec!["reconcile", "--target", &nospec],
            exit_code::ERROR,
        ),
        ("compare", vec!["compare", &bad, &bad], exit_code::ERROR),
        (
            "diff",
            vec!["diff", sim, sim, "--only", "nosuchcheck"],
            exit_code::USAGE,
        ),
        ("run", vec!["run", &bad], exit_code::ERROR),
        ("replay", vec!["replay", &inputs.missing], exit_code::ERROR),
        (
            "explore",
            vec!["explore", &inputs.text, "--seed", "1"],
            exit_code::INCOMPATIBLE,
        ),
        (
            "explore",
            vec!["explore", &inputs.null, "--seed", "1"],
            exit_code::LOAD_FAILED,
        ),
        // A command line clap refuses is a document too.
        ("run", vec!["run", "--config", "x"], exit_code::USAGE),
        ("check", vec!["check", "--jobs", "0"], exit_code::USAGE),
    ];
    for (command, mut args, code) in cases {
        args.extend(json);
        let doc = error_document(&args, code);
        assert_eq!(doc["command"], command, "{args:?}");
    }
    // `--format=json` is the same flag.
    let doc = error_document(
        &["reconcile", "--target", &nospec, "--format=json"],
        exit_code::ERROR,
    );
    assert!(
        doc["message"].as_str().unwrap().contains("has no `spec`"),
        "{doc:#}"
    );
    assert!(doc["hint"].is_string(), "{doc:#}");
}

#[test]
fn several_scenario_files_that_cannot_be_read_are_one_document_listing_each() {
    let inputs = Inputs::new();
    let bad = inputs.file("bad.json", "not json");
    let doc = error_document(
        &["run", &bad, &inputs.missing, "--format", "json"],
        exit_code::ERROR,
    );
    assert_eq!(
        doc["message"],
        "2 scenario file(s) cannot be used; nothing was played"
    );
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{doc:#}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("bad.json:1:"),
        "{doc:#}"
    );
    assert_eq!(
        errors[1]["causes"].as_array().map(Vec::len),
        Some(1),
        "{doc:#}"
    );
    assert!(errors[1]["hint"].is_string(), "{doc:#}");
}

#[test]
fn a_report_already_printed_is_the_only_document_on_stdout() {
    let inputs = Inputs::new();
    // `check` prints its report on a library Symphony gets no provider from, then exits 4:
    // stdout is that one document, never an error document after it.
    let run = harness(&["check", &inputs.text, "--format", "json"]);
    assert_eq!(run.code, Some(exit_code::INCOMPATIBLE), "{}", run.stderr);
    let doc = run.json();
    assert_valid(&doc, "check of a text file");
    assert_eq!(doc["schema"], "symphony-harness/check/v1");
    // Without `--format json`, nothing but the text.
    let run = harness(&["check", "--only", "nosuchcheck"]);
    assert_eq!(run.code, Some(exit_code::USAGE));
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: no check or area `nosuchcheck`"),
        "{}",
        run.stderr
    );
}
