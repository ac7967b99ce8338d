//! `symphony-harness diff OLD NEW`: two real libraries (or one with two binding configs)
//! played the same inputs through the real loader, and what Symphony would observe
//! differently classified as regressed, fixed or changed.

use std::collections::BTreeSet;
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::{json, Value};

use crate::schemas::assert_valid;
use crate::support::{harness, lib, lib_copy, path_str, Lib};

/// The differences of `kind` in a diff document.
fn differences<'a>(document: &'a Value, kind: &str) -> Vec<&'a Value> {
    document["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .filter(|d| d["kind"] == kind)
        .collect()
}

/// `area: what` of each difference.
fn described(list: &[&Value]) -> Vec<String> {
    list.iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["area"].as_str().unwrap_or(""),
                d["what"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A scenario whose one component has `replicas`, the alphabetically last of its properties
/// (the one the simulator's `drop-property` bug leaves out), deployed until converged.
fn replicas_scenario(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("replicas.json");
    let scenario = json!({
        "description": "one component with an image and replicas, deployed",
        "objects": {"target": {
            "metadata": {"name": "edge"},
            "spec": {
                "components": [{"name": "web", "type": "app", "properties": {"image": "nginx:1.25", "replicas": 2}}],
                "topologies": [{"bindings": [{"role": "app", "provider": "providers.target.rust",
                    "config": {"name": "sim", "libFile": "/extensions/lib.so", "libHash": "any", "sim.device": "edge"}}]}]
            }
        }},
        "steps": [{"reconcile": {"untilConverged": 3}}]
    });
    std::fs::write(&file, serde_json::to_string_pretty(&scenario).unwrap()).unwrap();
    file
}

#[test]
fn a_library_against_its_own_copy_shows_no_change_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let copy = lib_copy(Lib::Sim, dir.path(), "libcopy.so");
    let sim = lib(Lib::Sim);
    let save = dir.path().join("saved");
    let args = [
        "diff",
        path_str(&sim),
        path_str(&copy),
        "--save",
        path_str(&save),
    ];
    let run = harness(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(run.code, Some(0), "{}\n{}", run.stderr, run.stdout);
    let document = run.json();
    assert_valid(&document, "diff of a copy");
    assert_eq!(document["noChange"], true, "{document:#}");
    assert_eq!(
        document["counts"],
        json!({"regressed": 0, "fixed": 0, "changed": 0})
    );
    assert_eq!(
        document["played"]["histories"], 32,
        "the default number of histories"
    );
    assert!(
        document["played"]["checks"].as_u64().unwrap() > 20,
        "{}",
        document["played"]
    );
    assert!(document["facts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["old"] == f["new"]));
    assert_eq!(document["old"]["sha256"], document["new"]["sha256"]);
    assert!(!save.exists(), "nothing to reproduce, so nothing written");
    // The human report of a quick diff (a check and two histories) says the same.
    let human = harness(&[&args[..], &["--only", "apply.converges", "--cases", "2"]].concat());
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("no observable change: the library facts, ")
            && human
                .stdout
                .contains("(both libraries have the same bytes)"),
        "{}",
        human.stdout
    );
}

#[test]
fn the_simulator_with_drop_property_names_the_dropped_property_as_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = replicas_scenario(dir.path());
    let sim = lib(Lib::Sim);
    let save = dir.path().join("saved");
    let run = harness(&[
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--new-config",
        "sim.bugs=drop-property",
        "--only",
        "apply",
        "--scenarios",
        path_str(&scenario),
        "--cases",
        "4",
        "--save",
        path_str(&save),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(12), "{}", run.stderr);
    let document = run.json();
    assert_valid(&document, "drop-property");
    assert_eq!(
        document["new"]["config"],
        json!({"sim.bugs": "drop-property"})
    );
    let regressed = differences(&document, "regressed");
    let dropped = regressed
        .iter()
        .find(|d| d["what"] == "`get` no longer reports property `replicas`")
        .unwrap_or_else(|| panic!("no `replicas` regression: {:#?}", described(&regressed)));
    assert_eq!(dropped["area"], "get");
    assert_eq!(dropped["firstInput"]["kind"], "scenario");
    assert_eq!(dropped["firstInput"]["name"], "replicas");
    assert_eq!(dropped["at"], "step 1, round 2");
    let old = dropped["old"][0].as_str().unwrap();
    let new = dropped["new"][0].as_str().unwrap();
    assert!(old.contains("with `replicas` = 2"), "{old}");
    assert!(new.contains("`web` {image} without `replicas`"), "{new}");
    assert_eq!(dropped["scenarioFile"], path_str(&scenario));
    let reproduce = dropped["reproduce"].as_str().unwrap();
    assert!(
        reproduce.contains("--new-config sim.bugs=drop-property")
            && reproduce.contains(&format!("--scenarios {}", path_str(&scenario))),
        "{reproduce}"
    );
    // A history breaks explore's `appliedOnDevice` invariant on the new build only: written out,
    // without the new build's own config (the diff command line gives it).
    let invariant = regressed
        .iter()
        .find(|d| d["what"] == "`appliedOnDevice` no longer holds")
        .unwrap_or_else(|| panic!("no invariant regression: {:#?}", described(&regressed)));
    assert_eq!(invariant["firstInput"]["kind"], "history");
    let file = invariant["scenarioFile"]
        .as_str()
        .expect("a history is written");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert!(written["provider"].get("config").is_none(), "{written:#}");
    assert_eq!(document["counts"]["fixed"], 0);
}

#[test]
fn the_simulator_against_the_tutorial_skeleton_regresses_in_apply_get_and_delete() {
    let sim = lib(Lib::Sim);
    let skeleton = lib(Lib::Skeleton);
    let run = harness(&[
        "diff",
        path_str(&sim),
        path_str(&skeleton),
        "--cases",
        "4",
        "--no-save",
        "--fail-on",
        "regressed",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(12), "{}", run.stderr);
    let document = run.json();
    assert_valid(&document, "sim against skeleton");
    let regressed = described(&differences(&document, "regressed"));
    for expected in [
        "check: `apply.converges`: pass -> fail",
        // Decided by the skeleton's stateless `get`, a failing cause: worse than a pass.
        "check: `delete.removes`: pass -> not judged (cause `get-misses-applied`)",
        "check: `lifecycle.new-instances`: pass -> fail",
        "get: `get` no longer reports a component it reported",
        "check: `apply.results-complete`: pass -> fail",
        "reconcile: a reconcile no longer converges",
    ] {
        assert!(
            regressed.contains(&expected.to_string()),
            "`{expected}` not in {regressed:#?}"
        );
    }
    // The skeleton has no device channel: a fact that changed, not a regression.
    let changed = described(&differences(&document, "changed"));
    assert!(
        changed.contains(&"inspect: the device channel differs".to_string()),
        "{changed:#?}"
    );
    let without = differences(&document, "regressed");
    let reproduce = without[0]["reproduce"].as_str().unwrap();
    assert!(
        reproduce.starts_with("symphony-harness diff "),
        "{reproduce}"
    );
    // Without --save a history is shown again from the seed.
    let history = without
        .iter()
        .find(|d| d["firstInput"]["kind"] == "history")
        .expect("a history regresses");
    let reproduce = history["reproduce"].as_str().unwrap();
    assert!(reproduce.contains("--seed 0 --cases "), "{reproduce}");
    assert!(history.get("scenarioFile").is_none());
}

#[test]
fn the_other_way_round_the_same_checks_are_fixed() {
    let run = harness(&[
        "diff",
        path_str(&lib(Lib::Skeleton)),
        path_str(&lib(Lib::Sim)),
        "--only",
        "apply.converges",
        "--only",
        "delete",
        "--cases",
        "0",
        "--no-save",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(12), "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["counts"]["regressed"], 0, "{document:#}");
    let fixed = described(&differences(&document, "fixed"));
    for expected in [
        "check: `apply.converges`: fail -> pass",
        "check: `delete.removes`: not judged (cause `get-misses-applied`) -> pass",
    ] {
        assert!(
            fixed.contains(&expected.to_string()),
            "`{expected}` not in {fixed:#?}"
        );
    }
    // Fixes alone do not fail a run that fails on regressions only.
    let lenient = harness(&[
        "diff",
        path_str(&lib(Lib::Skeleton)),
        path_str(&lib(Lib::Sim)),
        "--only",
        "apply.converges",
        "--cases",
        "0",
        "--fail-on",
        "regressed",
    ]);
    assert_eq!(lenient.code, Some(0), "{}", lenient.stdout);
    assert!(lenient.stdout.contains("FIXED (1)"), "{}", lenient.stdout);
}

#[test]
fn a_changed_rule_changes_without_regressing_and_fail_on_chooses_the_exit_code() {
    let sim = lib(Lib::Sim);
    let args = [
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--new-config",
        "sim.changeDetection=*/skipIfMissing",
        "--no-checks",
        "--cases",
        "2",
        "--no-save",
    ];
    let any = harness(&args);
    assert_eq!(any.code, Some(12), "{}", any.stdout);
    assert!(
        any.stdout.contains("CHANGED (1)")
            && any
                .stdout
                .contains("rule: `get_validation_rule` returns another rule")
            && any
                .stdout
                .contains("CHANGED: 0 regressed, 0 fixed, 1 changed"),
        "{}",
        any.stdout
    );
    let regressions_only = harness(&[&args[..], &["--fail-on", "regressed"]].concat());
    assert_eq!(
        regressions_only.code,
        Some(0),
        "{}",
        regressions_only.stdout
    );
}

#[test]
fn junit_has_a_test_case_per_input_failing_on_each_regression() {
    let sim = lib(Lib::Sim);
    let dir = tempfile::tempdir().unwrap();
    let scenario = replicas_scenario(dir.path());
    let common = [
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--new-config",
        "sim.bugs=drop-property",
        "--only",
        "apply",
        "--scenarios",
        path_str(&scenario),
        "--cases",
        "4",
        "--no-save",
    ];
    let json_run = harness(&[&common[..], &["--format", "json"]].concat());
    let document = json_run.json();
    let xml_file = dir.path().join("diff.xml");
    let junit = harness(
        &[
            &common[..],
            &["--format", "junit", "--output", path_str(&xml_file)],
        ]
        .concat(),
    );
    assert_eq!(junit.code, Some(12), "{}", junit.stderr);
    assert!(junit.stderr.contains("REGRESSED: "), "{}", junit.stderr);
    let report = Report::deserialize_from_str(&std::fs::read_to_string(&xml_file).unwrap())
        .expect("JUnit XML");
    let cases = &report.test_suites[0].test_cases;
    let inputs = document["inputs"].as_array().unwrap();
    assert_eq!(cases.len(), inputs.len(), "a test case per input");
    let failing: BTreeSet<String> = cases
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                TestCaseStatus::NonSuccess {
                    kind: NonSuccessKind::Failure,
                    ..
                }
            )
        })
        .map(|c| c.name.to_string())
        .collect();
    let label = |input: &Value| match input["kind"].as_str().unwrap() {
        "inspect" => "inspect".to_string(),
        kind => format!("{kind} {}", input["name"].as_str().unwrap()),
    };
    let regressing: BTreeSet<String> = inputs
        .iter()
        .filter(|i| {
            i["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["kind"] == "regressed")
        })
        .map(|i| label(&i["input"]))
        .collect();
    assert!(!regressing.is_empty());
    assert_eq!(
        failing, regressing,
        "exactly the inputs with a regression fail"
    );
    for difference in differences(&document, "regressed") {
        assert!(
            failing.contains(&label(&difference["firstInput"])),
            "{difference:#}"
        );
    }
    assert!(failing.contains("scenario replicas"), "{failing:?}");
    let replicas = cases
        .iter()
        .find(|c| c.name.as_str() == "scenario replicas")
        .unwrap();
    let TestCaseStatus::NonSuccess {
        message,
        description,
        ..
    } = &replicas.status
    else {
        panic!("not a failure");
    };
    assert_eq!(
        message.as_ref().map(|m| m.to_string()).as_deref(),
        Some("regressed: `get` no longer reports property `replicas`")
    );
    assert!(
        description
            .as_ref()
            .is_some_and(|d| d.contains("old | ") && d.contains("new | ")),
        "{description:?}"
    );
}

#[test]
fn an_unreadable_build_or_a_bad_flag_is_refused_with_its_exit_code() {
    let sim = lib(Lib::Sim);
    let missing = harness(&["diff", path_str(&sim), "/no/such/lib.so", "--cases", "0"]);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("cannot settle the new build")
            && missing.stderr.contains("/no/such/lib.so"),
        "{}",
        missing.stderr
    );
    let reserved = harness(&[
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--new-config",
        "libHash=abc",
    ]);
    assert_eq!(reserved.code, Some(2), "{}", reserved.stderr);
    assert!(
        reserved.stderr.contains("`--new-hash`"),
        "{}",
        reserved.stderr
    );
    let unknown = harness(&[
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--only",
        "no-such-check",
    ]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"steps\": [").unwrap();
    let bad = harness(&[
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--scenarios",
        path_str(&broken),
    ]);
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
    assert!(bad.stderr.contains("broken.json"), "{}", bad.stderr);
}

#[test]
fn a_scenario_neither_build_can_play_is_said_to_compare_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = replicas_scenario(dir.path());
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    // Devices outside the build's own folder would be shared by both builds: refused.
    scenario["provider"] = json!({"config": {"sim.store": path_str(dir.path())}});
    std::fs::write(&file, scenario.to_string()).unwrap();
    let sim = lib(Lib::Sim);
    let args = [
        "diff",
        path_str(&sim),
        path_str(&sim),
        "--scenarios",
        path_str(&file),
        "--no-checks",
        "--cases",
        "0",
    ];
    let human = harness(&args);
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    assert!(
        human.stdout.contains("warning: scenario replicas compares nothing: it could be played on neither build: `sim.store`"),
        "{}",
        human.stdout
    );
    let document = harness(&[&args[..], &["--format", "json"]].concat()).json();
    assert_valid(&document, "unplayed");
    assert_eq!(document["inputs"][1]["old"], "not played");
    assert!(document["inputs"][1]["unplayed"]
        .as_str()
        .unwrap()
        .contains("sim.store"));
}
