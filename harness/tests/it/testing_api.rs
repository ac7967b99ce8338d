//! The test API (`symphony_harness::testing`) fails as a test should: a failing suite panics
//! with the evidence `symphony-harness check` prints, a provider type checked in-process
//! fails the same checks as its library (and a panic in it is a `panic` outcome, not a dead
//! test), and scenarios fail with `run`'s failure lines and every snapshot that differs.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fixture_skeleton::Skeleton;
use serde_json::json;
use symphony::models::{
    ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec, DeploymentStep,
    ValidationRule,
};
use symphony::ITargetProvider;
use symphony_harness::check::suite::IN_PROCESS_SKIP;
use symphony_harness::check::Status;
use symphony_harness::testing::{Conformance, Scenarios, TestingError};

use crate::support::{harness, lib, path_str, Lib};

/// The harness binary built for these tests, for the worker processes.
fn worker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness"))
}

/// What `run` panicked with.
fn panic_message(run: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .expect_err("the assertion must fail");
    match (
        payload.downcast_ref::<String>(),
        payload.downcast_ref::<&str>(),
    ) {
        (Some(text), _) => text.clone(),
        (None, Some(text)) => (*text).to_string(),
        (None, None) => panic!("a panic without a message"),
    }
}

/// The skeleton, but `apply` panics.
struct PanicsInApply;

impl ITargetProvider for PanicsInApply {
    fn get_validation_rule(&self) -> Result<ValidationRule, String> {
        Skeleton.get_validation_rule()
    }

    fn get(
        &self,
        deployment: DeploymentSpec,
        references: Vec<ComponentStep>,
    ) -> Result<Vec<ComponentSpec>, String> {
        Skeleton.get(deployment, references)
    }

    fn apply(
        &self,
        _deployment: DeploymentSpec,
        _step: DeploymentStep,
        _is_dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        panic!("apply is not written yet")
    }
}

#[test]
fn the_skeleton_fails_assert_passes_with_the_evidence_check_prints() {
    let skeleton = lib(Lib::Skeleton);
    let cli = harness(&["check", path_str(&skeleton)]);
    assert_eq!(cli.code, Some(10), "{}", cli.stderr);
    let message = panic_message(|| {
        Conformance::library(&skeleton)
            .worker(worker())
            .assert_passes()
    });
    // Every line of the CLI's report: each failure, what Symphony's users see, the fix and
    // the evidence, and the verdict.
    for line in cli.stdout.lines().filter(|line| !line.trim().is_empty()) {
        assert!(
            message.contains(line),
            "the panic lacks the CLI's line {line:?}\n--- panic:\n{message}\n--- cli:\n{}",
            cli.stdout
        );
    }
    assert!(message.contains("FAIL apply.converges"), "{message}");
    assert!(message.contains("FAILED: "), "{message}");
}

#[test]
fn the_skeleton_type_in_process_fails_the_checks_its_library_fails_and_skips_the_build_ones() {
    let library = Conformance::library(lib(Lib::Skeleton))
        .worker(worker())
        .run()
        .expect("the suite runs");
    let in_process =
        Conformance::in_process(|_: &str| -> Box<dyn ITargetProvider> { Box::new(Skeleton) })
            .run()
            .expect("the suite runs");
    assert!(!in_process.passed());
    let by_id = |report: &symphony_harness::testing::ConformanceReport| -> BTreeMap<&str, Status> {
        report
            .suite
            .results
            .iter()
            .map(|r| (r.info.id.as_str(), r.finding.status))
            .collect()
    };
    let (library, in_process_statuses) = (by_id(&library), by_id(&in_process));
    assert_eq!(
        library.keys().collect::<Vec<_>>(),
        in_process_statuses.keys().collect::<Vec<_>>()
    );
    for (id, status) in &in_process_statuses {
        if id.starts_with("build.") || id.starts_with("load.") {
            assert_eq!(*status, Status::Skip, "{id}");
            let result = in_process.suite.results.iter().find(|r| r.info.id == *id);
            assert_eq!(
                result.map(|r| r.finding.message.as_str()),
                Some(IN_PROCESS_SKIP)
            );
        } else {
            assert_eq!(
                Some(status),
                library.get(id),
                "`{id}`: in-process vs library"
            );
        }
    }
    assert_eq!(in_process.status("apply.converges"), Some(Status::Fail));
    let human = in_process.human();
    assert!(
        human.contains("(in-process: no library), component type `example_type`"),
        "{human}"
    );
    assert!(!human.contains("Bind it in a Target"), "{human}");
}

#[test]
fn a_panic_in_a_type_checked_in_process_is_the_cause_its_check_names_and_the_suite_goes_on() {
    let report =
        Conformance::in_process(|_: &str| -> Box<dyn ITargetProvider> { Box::new(PanicsInApply) })
            .only("apply.converges")
            .only("rule.returns")
            .run()
            .expect("the suite runs");
    assert_eq!(report.status("rule.returns"), Some(Status::Pass));
    let converges = report
        .suite
        .results
        .iter()
        .find(|r| r.info.id == "apply.converges")
        .expect("apply.converges ran");
    // Not judged: the panic decided it; the cause says so once, with the panic's message.
    assert_eq!(converges.finding.status, Status::Skip);
    let cause = converges.finding.cause.as_ref().expect("a cause");
    assert_eq!(cause.id(), "apply-panic");
    assert!(
        cause.seen.contains("apply is not written yet"),
        "{}",
        cause.seen
    );
    assert!(!report.passed(), "a panic fails the suite");
    assert!(
        report.human().contains("FAIL apply-panic"),
        "{}",
        report.human()
    );
}

/// Set in the child process of the next test: print the report.
const PRINT_REPORT: &str = "SYMPHONY_HARNESS_TEST_PRINT_REPORT";

#[test]
fn the_whole_suite_in_process_on_a_type_that_panics_reports_where_it_panicked() {
    let report =
        Conformance::in_process(|_: &str| -> Box<dyn ITargetProvider> { Box::new(PanicsInApply) })
            .run()
            .expect("the suite runs");
    let human = report.human();
    assert!(!report.passed());
    assert!(
        human.contains("apply is not written yet (at harness/tests/it/testing_api.rs:"),
        "{human}"
    );
    if std::env::var_os(PRINT_REPORT).is_some() {
        println!("{human}");
    }
}

#[test]
fn a_panicking_type_in_process_prints_nothing_but_the_report_even_with_backtraces_on() {
    let test =
        "testing_api::the_whole_suite_in_process_on_a_type_that_panics_reports_where_it_panicked";
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env("RUST_BACKTRACE", "1")
        .env(PRINT_REPORT, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the test did not run:\n{stdout}"
    );
    assert!(stdout.contains("apply is not written yet"), "{stdout}");
    for noise in ["panicked at", "stack backtrace"] {
        assert!(
            !stdout.contains(noise) && !stderr.contains(noise),
            "`{noise}` was printed:\n{stdout}\n{stderr}"
        );
    }
}

#[test]
fn an_unknown_check_name_is_an_error_with_the_areas_and_no_run() {
    let err = Conformance::library(lib(Lib::Skeleton))
        .worker(worker())
        .only("apply.converge")
        .run()
        .expect_err("no such check");
    assert!(
        matches!(&err, TestingError::UnknownCheck { name } if name == "apply.converge"),
        "{err:?}"
    );
    let text = err.explain();
    assert!(
        text.starts_with("error: no check or area `apply.converge`"),
        "{text}"
    );
    assert!(text.contains("hint: areas: build, load, rule"), "{text}");
}

/// A scenario on a target bound to the simulated provider that deploys `web` and converges,
/// then changes its image and expects `updates` (`["web"]` is right).
fn property_change(updates: serde_json::Value) -> serde_json::Value {
    json!({
        "description": "a property change is applied again",
        "objects": {"target": {
            "metadata": {"name": "edge"},
            "spec": {
                "components": [{"name": "web", "type": "app", "properties": {"image": "x:1"}}],
                "topologies": [{"bindings": [{
                    "role": "app",
                    "provider": "providers.target.rust",
                    "config": {"name": "sim", "libFile": "/extensions/libsim.so", "libHash": "any"}
                }]}]
            }
        }},
        "steps": [
            {"reconcile": {"untilConverged": 3}, "expect": {"rounds": 2, "converged": true}},
            {"changeComponent": {"name": "web", "properties": {"image": "x:2"}}},
            {"reconcile": {}, "expect": {"updates": updates}}
        ]
    })
}

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

fn scenarios(dir: &Path) -> Scenarios {
    Scenarios::in_dir(dir)
        .library(lib(Lib::Sim))
        .worker(worker())
}

#[test]
fn a_failed_expectation_panics_with_the_failure_lines_run_prints() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "wrong.json", &property_change(json!(["db"])));
    let cli = harness(&[
        "run",
        path_str(&file),
        "--simulator",
        path_str(&lib(Lib::Sim)),
        "--no-bundles",
    ]);
    assert_eq!(cli.code, Some(9), "{}{}", cli.stdout, cli.stderr);
    let failures: Vec<&str> = cli
        .stdout
        .lines()
        .filter(|line| line.trim_start().starts_with("step "))
        .collect();
    assert!(!failures.is_empty(), "{}", cli.stdout);
    let message = panic_message(|| scenarios(dir.path()).assert_pass());
    for line in failures {
        assert!(message.contains(line), "{line:?} missing:\n{message}");
    }
    assert!(message.contains("FAIL wrong"), "{message}");
    assert!(message.contains("FAILED: 0 passed, 1 failed"), "{message}");
}

/// Whether a snapshot that differs fails, as it fails insta's assertions (it is written in
/// place, and passes, under `INSTA_UPDATE=always`; `cargo insta test`'s `INSTA_FORCE_PASS`
/// passes it too).
fn insta_fails_on_a_difference() -> bool {
    let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
    let force_pass = std::env::var("INSTA_FORCE_PASS").unwrap_or_default();
    !matches!(update.as_str(), "always" | "force") && !matches!(force_pass.as_str(), "1" | "true")
}

/// Whether `.snap.new` is written beside a snapshot that differs, as insta writes it:
/// `INSTA_UPDATE=new`, or its default (`auto`) outside CI (insta's own test of `CI` and
/// `TF_BUILD`).
fn insta_writes_new_files() -> bool {
    let on_ci = match std::env::var("CI").ok().as_deref() {
        Some("false") | Some("0") | Some("") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    };
    match std::env::var("INSTA_UPDATE").unwrap_or_default().as_str() {
        "new" => true,
        "" | "auto" => !on_ci,
        _ => false,
    }
}

#[test]
fn snapshots_new_changed_and_orphaned_each_fail_and_an_accepted_one_passes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_dir = dir.path().join("scenarios");
    let snapshot_dir = dir.path().join("snapshots");
    std::fs::create_dir_all(&scenario_dir).unwrap();
    write(
        &scenario_dir,
        "change.json",
        &property_change(json!(["web"])),
    );
    let snapshot = snapshot_dir.join("change.snap");
    let with_snapshots = || scenarios(&scenario_dir).snapshots(&snapshot_dir);
    if !insta_fails_on_a_difference() {
        // insta accepts every snapshot here: the API must pass and write it.
        with_snapshots().assert_pass();
        assert!(snapshot.is_file());
        return;
    }

    let message = panic_message(|| with_snapshots().assert_pass());
    assert!(
        message.contains(&format!(
            "snapshot: no snapshot `{}` yet",
            snapshot.display()
        )),
        "{message}"
    );
    if !insta_writes_new_files() {
        // Without `.snap.new` (insta on CI, unless `INSTA_UPDATE=new`) there is nothing to
        // accept; `.ci/run` sets `INSTA_UPDATE=new` so the rest runs there too.
        assert!(!snapshot_dir.join("change.snap.new").exists());
        return;
    }
    let new = snapshot_dir.join("change.snap.new");
    assert!(
        message.contains(&format!("mv {} {}", new.display(), snapshot.display())),
        "the hint moves the new file over the snapshot: {message}"
    );
    std::fs::rename(&new, &snapshot).expect("the API wrote `change.snap.new`");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(text.contains("scenario: change"), "{text}");
    assert!(
        text.contains("librarySha256:"),
        "the header names the library: {text}"
    );
    with_snapshots().assert_pass();

    std::fs::write(&snapshot, text.replace("x:2", "x:3")).unwrap();
    let message = panic_message(|| with_snapshots().assert_pass());
    assert!(
        message.contains(&format!(
            "snapshot: the transcript differs from `{}` (+",
            snapshot.display()
        )),
        "{message}"
    );
    let diff_line = |mark: &str, text: &str| {
        message
            .lines()
            .any(|line| line.trim_start().starts_with(mark) && line.contains(text))
    };
    assert!(
        diff_line("-", "x:3") && diff_line("+", "x:2"),
        "the diff: {message}"
    );
    assert!(
        message.contains("INSTA_UPDATE=always cargo test"),
        "how to accept: {message}"
    );
    // Only the snapshot failed it: `run --snapshots` counts it as a failed scenario too.
    assert!(message.contains("FAILED: 0 passed, 1 failed"), "{message}");
    assert!(message.contains("snapshots: 1 differs"), "{message}");
    assert!(!message.contains("stopped before its end"), "{message}");

    std::fs::write(&snapshot, &text).unwrap();
    std::fs::remove_file(snapshot_dir.join("change.snap.new")).unwrap();
    std::fs::write(snapshot_dir.join("ghost.snap"), "---\n").unwrap();
    let message = panic_message(|| with_snapshots().assert_pass());
    assert!(
        message.contains(&format!(
            "`{}` has no scenario",
            snapshot_dir.join("ghost.snap").display()
        )),
        "{message}"
    );
}

#[test]
fn a_folder_without_scenarios_and_a_scenario_without_a_library_are_errors_with_hints() {
    let dir = tempfile::tempdir().unwrap();
    let err = scenarios(dir.path()).run().expect_err("nothing to play");
    assert!(matches!(err, TestingError::NoScenarios { .. }), "{err:?}");
    write(dir.path(), "a.json", &property_change(json!([])));
    let err = Scenarios::in_dir(dir.path())
        .worker(worker())
        .run()
        .expect_err("no library");
    assert!(matches!(err, TestingError::NoLibrary { .. }), "{err:?}");
    assert!(err
        .explain()
        .contains("hint: call `.library_of_this_crate()`"));
}

#[test]
fn explore_from_a_test_passes_on_the_clean_simulator_and_panics_with_the_shrunk_history() {
    use symphony_harness::testing::Explore;
    let clean = Explore::library(lib(Lib::Sim))
        .worker(worker())
        .seed(2)
        .cases(16)
        .run()
        .unwrap_or_else(|err| panic!("{}", err.explain()));
    assert!(clean.passed(), "{:#?}", clean.failure);
    assert_eq!(clean.played, 16);

    let message = panic_message(|| {
        Explore::library(lib(Lib::Sim))
            .in_this_process()
            .config("sim.bugs", "drop-property")
            .seed(1)
            .assert_passes()
    });
    assert!(
        message.contains("a history broke an invariant"),
        "{message}"
    );
    assert!(message.contains("expect.appliedOnDevice"), "{message}");
    assert!(message.contains("history:"), "{message}");

    let missing = Explore::library("/no/such/libp.so")
        .in_this_process()
        .run()
        .expect_err("no library");
    assert!(matches!(missing, TestingError::Subject(_)), "{missing:?}");
}
