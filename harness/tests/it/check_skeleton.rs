//! `check` on a provider built to the tutorial's skeleton (`get` returns nothing, `apply`
//! answers `Updated` and ignores deletes, the default rule): Symphony would load and call it
//! without an error, so only the checks that look at `get` after `apply` can catch it.

use std::collections::BTreeMap;

use crate::support::{harness, lib, path_str, Lib};

#[test]
fn skeleton_fails_the_checks_that_read_get_after_apply_and_passes_the_rest() {
    let skeleton = lib(Lib::Skeleton);
    let run = harness(&["check", path_str(&skeleton), "--format", "json"]);
    assert_eq!(run.code, Some(10), "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["passed"], false);
    let statuses: BTreeMap<String, String> = document["libraries"][0]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected = [
        ("build.abi", "pass"),
        ("build.models", "pass"),
        ("build.toolchain", "pass"),
        ("load.create", "pass"),
        ("load.hash", "pass"),
        ("rule.returns", "pass"),
        ("get.empty-device", "pass"),
        ("dry-run.no-change", "pass"),
        // `get` never reports what `apply` deployed.
        ("apply.converges", "fail"),
        ("lifecycle.new-instances", "fail"),
        ("lifecycle.concurrent", "fail"),
        // Deletes are ignored, and nothing shows otherwise.
        ("delete.removes", "fail"),
    ];
    for (id, status) in expected {
        assert_eq!(
            statuses.get(id).map(String::as_str),
            Some(status),
            "`{id}` on the skeleton: {statuses:#?}"
        );
    }
    // The checks that judge what `get` reports after `apply` have nothing to judge: they must
    // not pass (they skip, pointing at the checks above).
    for id in [
        "rule.compared-are-reported",
        "rule.reported-are-watched",
        "get.only-referenced",
        "get.types-preserved",
        "get.stable",
        "rendering.numbers-and-case",
    ] {
        let status = statuses.get(id).map(String::as_str);
        assert!(
            matches!(status, Some("fail" | "skip")),
            "`{id}` on the skeleton is {status:?}: {statuses:#?}"
        );
    }
}

#[test]
fn skeletons_delete_failure_says_get_never_reported_the_component() {
    let skeleton = lib(Lib::Skeleton);
    let run = harness(&[
        "check",
        path_str(&skeleton),
        "--only",
        "delete.removes",
        "--format",
        "json",
    ]);
    let entry = &run.json()["libraries"][0]["checks"][0];
    assert_eq!(entry["status"], "fail", "{entry:#}");
    let message = entry["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`get` did not report `delete-removes-1` before its removal"),
        "{message}"
    );
}
