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
    assert_eq!(run.code, Some(10), "{}", run.stderr);
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
        create.to_string().contains("create_provider received: {"),
        "the config it was given, which the hint points at: {create}"
    );
    assert_eq!(status("apply.converges"), Some("skip"));
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
    assert_eq!(run.code, Some(10), "one library fails: {}", run.stderr);
    let doc = run.json();
    let libraries = doc["libraries"].as_array().unwrap();
    assert_eq!(libraries.len(), 2);
    assert_eq!(libraries[0]["library"], path_str(&bad));
    assert_eq!(libraries[0]["passed"], false);
    assert_eq!(libraries[1]["library"], path_str(&sim));
    assert_eq!(libraries[1]["passed"], true);
    assert_eq!(doc["passed"], false);
}
