//! `symphony-harness check` from the command line: the clean simulated provider passes every
//! check that runs, a library that is not a provider fails its build checks and skips the
//! rest, selection by id and area, exit codes, JSON and JUnit.

use serde_json::Value;

use crate::support::{harness, lib, path_str, Lib};

fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["libraries"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_clean_simulated_provider_fails_no_check_and_prints_the_pinned_binding() {
    let sim = lib(Lib::Sim);
    let run = harness(&["check", path_str(&sim)]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("0 failed"), "{}", run.stdout);
    let sha = symphony_harness::load::LibraryFile::open(&sim)
        .unwrap()
        .sha256()
        .to_string();
    assert!(
        run.stdout.contains(&format!("\"libHash\":\"{sha}\"")),
        "the binding with the verified hash: {}",
        run.stdout
    );
    let json = harness(&["check", path_str(&sim), "--format", "json"]);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let doc = json.json();
    assert_eq!(doc["schema"], "symphony-harness/check/v1");
    let all = statuses(&doc);
    assert_eq!(all.len(), symphony_harness::check::CATALOG.len());
    assert!(all.iter().all(|(_, s)| s != "fail"), "{all:?}");
}

#[test]
fn a_library_that_is_not_a_provider_fails_the_build_checks_and_skips_every_call() {
    let run = harness(&[
        "check",
        path_str(&lib(Lib::NotProvider)),
        "--format",
        "json",
    ]);
    // The report is printed, and the code is `load`'s for it: 4, not a provider.
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    let doc = run.json();
    let all = statuses(&doc);
    let status = |id: &str| all.iter().find(|(i, _)| i == id).map(|(_, s)| s.as_str());
    assert_eq!(status("build.abi"), Some("fail"));
    assert_eq!(status("load.create"), Some("fail"));
    let create = &doc["libraries"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "load.create")
        .unwrap()["evidence"];
    assert!(
        create
            .to_string()
            .contains("create_provider would receive: {"),
        "the config it would be given: {create}"
    );
    // The one fact, stated once as a cause; every call check says it was not judged for it.
    let causes = doc["libraries"][0]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0]["id"], "no-provider");
    assert_eq!(causes[0]["status"], "fail");
    assert_eq!(
        causes[0]["foundBy"],
        serde_json::json!(["build.abi", "load.create"])
    );
    assert_eq!(status("apply.converges"), Some("skip"));
    let converges = doc["libraries"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apply.converges")
        .unwrap();
    assert_eq!(converges["cause"], "no-provider");
    assert!(converges.get("symptom").is_none(), "{converges}");
}

#[test]
fn only_and_skip_select_by_id_and_area_and_an_unknown_name_is_a_usage_error() {
    let sim = lib(Lib::Sim);
    let run = harness(&[
        "check",
        path_str(&sim),
        "--only",
        "build",
        "--only",
        "delete.removes",
        "--skip",
        "build.toolchain",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let ids: Vec<String> = statuses(&run.json())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["build.abi", "build.models", "delete.removes"]);
    let bad = harness(&["check", path_str(&sim), "--only", "aply"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("no check or area `aply`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn any_hash_warns_and_warnings_fail_only_when_denied_and_junit_reports_each_check() {
    let sim = lib(Lib::Sim);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("check.xml");
    let run = harness(&[
        "check",
        path_str(&sim),
        "--hash",
        "any",
        "--only",
        "load",
        "--format",
        "junit",
        "--output",
        path_str(&report),
    ]);
    assert_eq!(run.code, Some(0), "a warning alone passes: {}", run.stderr);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.contains("<testcase name=\"load.hash\""), "{xml}");
    let denied = harness(&[
        "check",
        path_str(&sim),
        "--hash",
        "any",
        "--only",
        "load",
        "--deny-warnings",
    ]);
    assert_eq!(denied.code, Some(10), "{}", denied.stdout);
    assert!(
        denied.stdout.contains("WARN load.hash"),
        "{}",
        denied.stdout
    );
    assert!(
        denied.stdout.contains("symphony-harness binding"),
        "the fix: {}",
        denied.stdout
    );
}

#[test]
fn several_libraries_are_each_reported_in_the_order_given() {
    let sim = lib(Lib::Sim);
    let bad = lib(Lib::NotProvider);
    let run = harness(&[
        "check",
        path_str(&bad),
        path_str(&sim),
        "--jobs",
        "2",
        "--only",
        "build",
        "--format",
        "json",
    ]);
    // One library is not a provider: `load`'s code for it, 4, before any check's verdict.
    assert_eq!(run.code, Some(4), "one library fails: {}", run.stderr);
    let doc = run.json();
    let libraries = doc["libraries"].as_array().unwrap();
    assert_eq!(libraries.len(), 2);
    assert_eq!(libraries[0]["library"], path_str(&bad));
    assert_eq!(libraries[0]["passed"], false);
    assert_eq!(libraries[1]["library"], path_str(&sim));
    assert_eq!(libraries[1]["passed"], true);
    assert_eq!(doc["passed"], false);
}

#[test]
fn config_and_properties_files_and_a_target_file_reach_the_checks_and_a_bad_value_is_named() {
    let sim = lib(Lib::Sim);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, r#"{"sim.changeDetection": "replicas"}"#).unwrap();
    let properties = dir.path().join("props.json");
    std::fs::write(&properties, r#"{"replicas": 3, "zone": "b"}"#).unwrap();
    // The config reaches the provider (its rule compares only `replicas`) and the properties
    // reach the device: `get` reports `zone`, which no entry watches.
    let config_arg = format!("@{}", path_str(&config));
    let properties_arg = format!("@{}", path_str(&properties));
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        &config_arg,
        "--properties",
        &properties_arg,
        "--only",
        "rule.reported-are-watched",
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code,
        Some(0),
        "a warning passes: {}{}",
        run.stdout,
        run.stderr
    );
    let check = &run.json()["libraries"][0]["checks"][0];
    assert_eq!(check["status"], "warn", "{check:#}");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains("zone") && !message.contains("image"),
        "{message}"
    );

    std::fs::write(&config, r#"{"sim.seed": 3}"#).unwrap();
    let bad = harness(&[
        "check",
        path_str(&sim),
        "--config",
        &config_arg,
        "--only",
        "load",
    ]);
    assert_eq!(bad.code, Some(2), "a wrong flag value: {}", bad.stderr);
    assert!(bad.stderr.contains("`sim.seed` is 3"), "{}", bad.stderr);

    // A Target file gives the role (the component type) and the binding's own keys.
    let target = crate::support::workspace_root().join("scenarios/targets/my-target.json");
    let run = harness(&[
        "check",
        path_str(&sim),
        "--target",
        path_str(&target),
        "--only",
        "load",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["libraries"][0]["componentType"], "my_type");
}

#[test]
fn a_failed_check_saved_as_a_scenario_fails_again_under_run() {
    let sim = lib(Lib::Sim);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("failures");
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=ignore-delete",
        "--only",
        "delete.removes",
        "--save-failures",
        path_str(&saved),
    ]);
    assert_eq!(run.code, Some(10), "{}{}", run.stdout, run.stderr);
    let file = saved.join("delete.removes.json");
    assert!(file.is_file(), "{}", run.stderr);
    let replay = harness(&["run", "--no-bundles", path_str(&file)]);
    assert_eq!(replay.code, Some(9), "{}{}", replay.stdout, replay.stderr);
    assert!(
        replay.stdout.contains("expect.leftAfterRemoval"),
        "the same failure: {}",
        replay.stdout
    );
}

#[test]
fn a_provider_that_panics_fails_its_checks_one_by_one_and_the_suite_goes_on() {
    let sim = lib(Lib::Sim);
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=panic-on-apply",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(10), "{}", run.stderr);
    let all = statuses(&run.json());
    assert_eq!(
        all.len(),
        symphony_harness::check::CATALOG.len(),
        "every check reported"
    );
    let status = |id: &str| all.iter().find(|(i, _)| i == id).map(|(_, s)| s.as_str());
    assert_eq!(status("errors.edge-inputs"), Some("fail"));
    // Every check ran and reported, each in workers of its own, whatever crashed before it.
    assert_eq!(status("rule.returns"), Some("pass"));
    assert_eq!(status("build.toolchain"), Some("pass"));
    let doc = run.json();
    let library = &doc["libraries"][0];
    // The panic is said once, first, with what Symphony does about it.
    let cause = &library["causes"][0];
    assert_eq!(cause["id"], "apply-panic", "{cause}");
    assert_eq!(cause["outcome"], "panic");
    assert!(
        cause["symphony"]
            .as_str()
            .unwrap()
            .contains("symphony-api process aborts"),
        "{cause}"
    );
    // A convergence the panic never let it reach is not judged, and says why in one line.
    let converges = library["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apply.converges")
        .unwrap();
    assert_eq!(converges["status"], "skip");
    assert_eq!(converges["cause"], "apply-panic");
    assert_eq!(
        converges["message"],
        "not judged: `apply` panics (cause `apply-panic`)"
    );
    assert!(converges.get("fix").is_none(), "{converges}");
}

#[test]
fn junit_has_a_test_case_per_cause_and_the_checks_it_decided_are_skipped_naming_it() {
    let sim = lib(Lib::Sim);
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=panic-on-apply",
        "--only",
        "apply.converges",
        "--only",
        "delete.removes",
        "--format",
        "junit",
    ]);
    // The cause fails the run, though no selected check failed on its own.
    assert_eq!(run.code, Some(10), "{}", run.stderr);
    let xml = &run.stdout;
    let cause = xml
        .find("<testcase name=\"cause.apply-panic\" classname=\"causes\"")
        .unwrap_or_else(|| panic!("no test case for the cause: {xml}"));
    let converges = xml
        .find("<testcase name=\"apply.converges\"")
        .unwrap_or_else(|| panic!("{xml}"));
    assert!(cause < converges, "the cause comes first: {xml}");
    assert!(
        xml[cause..converges].contains("<failure")
            && xml[cause..converges].contains("symphony-api process aborts"),
        "{xml}"
    );
    assert!(
        xml[converges..]
            .contains("<skipped message=\"not judged: `apply` panics (cause `apply-panic`)\""),
        "{xml}"
    );
}
