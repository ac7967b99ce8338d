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
        // `get` never reports what `apply` deployed: the checks about it fail...
        ("apply.converges", "fail"),
        ("lifecycle.new-instances", "fail"),
        // ...and the checks that need `get` to show a deployment are not judged for it.
        ("lifecycle.concurrent", "skip"),
        ("delete.removes", "skip"),
        // A `get` that shows no deployment cannot show that a dry run deployed nothing.
        ("dry-run.no-change", "skip"),
        // Deletes are ignored: no result for them.
        ("apply.results-complete", "fail"),
    ];
    for (id, status) in expected {
        assert_eq!(
            statuses.get(id).map(String::as_str),
            Some(status),
            "`{id}` on the skeleton: {statuses:#?}"
        );
    }
    let causes = document["libraries"][0]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "{causes:#?}");
    assert_eq!(causes[0]["id"], "get-misses-applied");
    assert_eq!(causes[0]["status"], "fail");
    assert_eq!(
        causes[0]["foundBy"],
        serde_json::json!(["apply.converges", "lifecycle.new-instances"])
    );
    // The checks that judge what `get` reports after `apply` have nothing to judge: they must
    // not pass (they are not judged, for the cause above).
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
fn skeletons_removal_is_not_judged_because_get_never_reported_the_component() {
    let skeleton = lib(Lib::Skeleton);
    let run = harness(&[
        "check",
        path_str(&skeleton),
        "--only",
        "delete.removes",
        "--format",
        "json",
    ]);
    // A delete that is ignored looks like one that worked when `get` never reported the
    // component: the removal is not judged, and the cause fails the run.
    assert_eq!(run.code, Some(10), "{}", run.stderr);
    let library = &run.json()["libraries"][0];
    let entry = &library["checks"][0];
    assert_eq!(entry["status"], "skip", "{entry:#}");
    assert_eq!(entry["cause"], "get-misses-applied", "{entry:#}");
    let seen = library["causes"][0]["seen"].as_str().unwrap_or_default();
    assert!(
        seen.contains("`get` did not report `delete-removes-1`"),
        "{seen}"
    );
}
