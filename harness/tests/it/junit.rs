//! JUnit from `check`, `run` and `explore`, read back with quick-junit's parser: every test
//! case has a `time`, every suite a `timestamp` and a `time`, every failure a `type` (as
//! nextest writes them); `explore`'s test case is named the same whatever the seed.

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::json;

use crate::support::{harness, lib, path_str, workspace_root, Lib};

/// The report a command printed, parsed; panics unless it is JUnit with at least one case.
fn parsed(xml: &str) -> Report {
    let report =
        Report::deserialize_from_str(xml).unwrap_or_else(|err| panic!("not JUnit ({err}):\n{xml}"));
    assert!(report.tests > 0, "no test case:\n{xml}");
    report
}

/// Every suite has a timestamp and a time, every case a time, and every failure or error a
/// type; returns the failure types, in order.
fn assert_timed_and_typed(report: &Report, xml: &str) -> Vec<String> {
    assert!(report.timestamp.is_some(), "no report timestamp:\n{xml}");
    assert!(report.time.is_some(), "no report time:\n{xml}");
    let mut types = Vec::new();
    for suite in &report.test_suites {
        assert!(
            suite.timestamp.is_some(),
            "suite `{}` has no timestamp:\n{xml}",
            suite.name.as_str()
        );
        assert!(
            suite.time.is_some(),
            "suite `{}` has no time:\n{xml}",
            suite.name.as_str()
        );
        for case in &suite.test_cases {
            assert!(
                case.time.is_some(),
                "case `{}` has no time:\n{xml}",
                case.name.as_str()
            );
            if let TestCaseStatus::NonSuccess { ty, .. } = &case.status {
                let ty = ty.as_ref().unwrap_or_else(|| {
                    panic!("case `{}` fails without a type:\n{xml}", case.name.as_str())
                });
                types.push(ty.as_str().to_string());
            }
        }
    }
    types
}

#[test]
fn check_junit_has_times_timestamps_and_typed_failures() {
    let sim = lib(Lib::Sim);
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=ignore-delete",
        "--only",
        "delete",
        "--format",
        "junit",
    ]);
    assert_eq!(run.code, Some(10), "{}\n{}", run.stderr, run.stdout);
    let report = parsed(&run.stdout);
    let types = assert_timed_and_typed(&report, &run.stdout);
    assert!(
        !types.is_empty(),
        "a sim bug fails no check:\n{}",
        run.stdout
    );
    assert!(types.iter().all(|t| t == "check-failed"), "{types:?}");
    // A suite's timestamp is when it ran: today, not the epoch.
    let suite = &report.test_suites[0];
    let age = chrono::Local::now().fixed_offset() - suite.timestamp.unwrap();
    assert!(
        age.num_minutes().abs() < 60,
        "timestamp {:?}",
        suite.timestamp
    );
    assert!(suite.time.unwrap() >= suite.test_cases[0].time.unwrap());
}

#[test]
fn run_junit_types_a_failed_expectation_and_an_unplayable_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let target = workspace_root().join("scenarios/targets/mock-target.json");
    let scenario = |steps| {
        json!({
            "description": "junit",
            "objects": {"target": path_str(&target)},
            "steps": steps,
        })
        .to_string()
    };
    std::fs::write(
        dir.path().join("a-passes.json"),
        scenario(json!([{"reconcile": {"untilConverged": 3}, "expect": {"converged": true}}])),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b-fails.json"),
        scenario(json!([
            {"reconcile": {}},
            {"reconcile": {}, "expect": {"updates": ["mock-component"]}}
        ])),
    )
    .unwrap();
    let sim = lib(Lib::Sim);
    let run = harness(&[
        "run",
        "--simulator",
        path_str(&sim),
        "--no-bundles",
        "--format",
        "junit",
        path_str(dir.path()),
    ]);
    assert_eq!(run.code, Some(9), "{}", run.stderr);
    let report = parsed(&run.stdout);
    assert_eq!(
        assert_timed_and_typed(&report, &run.stdout),
        ["scenario-failed"]
    );
    let suite = &report.test_suites[0];
    let failed = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "b-fails")
        .unwrap();
    assert!(
        matches!(
            &failed.status,
            TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, message: Some(m), .. }
                if m.as_str().contains("expect.updates")
        ),
        "{:?}",
        failed.status
    );
}

#[test]
fn explore_junit_names_its_search_the_same_for_every_seed_and_types_a_broken_invariant() {
    let sim = lib(Lib::Sim);
    let explore = |seed: &str, bugs: &[&str]| {
        let mut args = vec![
            "explore",
            path_str(&sim),
            "--seed",
            seed,
            "--cases",
            "8",
            "--no-persist",
            "--format",
            "junit",
        ];
        args.extend_from_slice(bugs);
        let run = harness(&args);
        let report = parsed(&run.stdout);
        let types = assert_timed_and_typed(&report, &run.stdout);
        let names: Vec<String> = report.test_suites[0]
            .test_cases
            .iter()
            .map(|c| c.name.as_str().to_string())
            .collect();
        (run, names, types)
    };
    let (first, first_names, first_types) = explore("3", &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first_types.is_empty(), "{first_types:?}");
    let (second, second_names, _) = explore("4", &[]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(first_names, ["search"]);
    assert_eq!(first_names, second_names);
    assert!(
        first.stdout.contains("seed 3"),
        "the seed is in its output:\n{}",
        first.stdout
    );

    let (broken, names, types) = explore("3", &["--config", "sim.bugs=drop-property"]);
    assert_eq!(broken.code, Some(11), "{}", broken.stderr);
    assert_eq!(names, ["search"]);
    assert_eq!(types, ["invariant-broken"]);
}
