//! `symphony-harness check`: the `apply.*` (but `apply.converges`), `delete.missing` and
//! `errors.*` checks pass on the clean simulated provider and fail, naming the problem, on
//! the simulator with the bug each is designed for.

use std::collections::BTreeMap;

use crate::support::{harness, lib, path_str, Lib};

/// The checks of this module.
const CHECKS: [&str; 8] = [
    "apply.results-complete",
    "apply.statuses-truthful",
    "apply.idempotent",
    "apply.property-change",
    "apply.dependencies",
    "delete.missing",
    "errors.message",
    "errors.edge-inputs",
];

/// One check's result: status, message and evidence.
#[derive(Debug)]
struct Found {
    status: String,
    message: String,
    evidence: Vec<String>,
}

/// Runs `check` on the simulated provider with `args` (config, timeouts) for the checks
/// `only`, and returns each check's result by id, with the exit code.
fn check(args: &[&str], only: &[&str]) -> (Option<i32>, BTreeMap<String, Found>) {
    let sim = lib(Lib::Sim);
    let mut command = vec!["check", path_str(&sim), "--format", "json"];
    command.extend_from_slice(args);
    for id in only {
        command.extend_from_slice(&["--only", id]);
    }
    let run = harness(&command);
    let json = run.json();
    let found = json["libraries"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks in the JSON:\n{}", run.stdout))
        .iter()
        .map(|c| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (
                text(&c["id"]),
                Found {
                    status: text(&c["status"]),
                    message: text(&c["message"]),
                    evidence: c["evidence"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect(),
                },
            )
        })
        .collect();
    (run.code, found)
}

/// The result of `id` with the simulator's `bugs` (and `more` arguments), checking it alone.
fn with_bug(bugs: &str, more: &[&str], id: &str) -> Found {
    let config = format!("sim.bugs={bugs}");
    let mut args = vec!["--config", config.as_str()];
    args.extend_from_slice(more);
    let (_, mut found) = check(&args, &[id]);
    found
        .remove(id)
        .unwrap_or_else(|| panic!("`{id}` did not run"))
}

#[test]
fn the_clean_simulator_passes_every_apply_delete_and_errors_check() {
    let (code, found) = check(&[], &CHECKS);
    for id in CHECKS {
        let result = found
            .get(id)
            .unwrap_or_else(|| panic!("`{id}` did not run"));
        assert_eq!(result.status, "pass", "{id}: {result:?}");
        assert!(!result.evidence.is_empty(), "{id} has no evidence");
    }
    assert_eq!(code, Some(0));
}

#[test]
fn incomplete_results_fails_results_complete_naming_the_missing_component() {
    let found = with_bug("incomplete-results", &[], "apply.results-complete");
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(
        found
            .message
            .contains("returned no result for `apply-results-complete-3`"),
        "{found:?}"
    );
}

#[test]
fn status_lies_fails_statuses_truthful_on_the_refused_component() {
    let found = with_bug("status-lies", &[], "apply.statuses-truthful");
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(
        found.message.contains(
            "reported `apply-statuses-truthful-2` 8004 (Updated) (step 2 round 1), but the \
             device does not hold it"
        ),
        "{found:?}"
    );
}

#[test]
fn an_honest_failure_status_passes_statuses_truthful_and_the_lie_about_it_fails() {
    let fail_third = "sim.failComponents=apply-statuses-truthful-3";
    let (code, mut honest) = check(&["--config", fail_third], &["apply.statuses-truthful"]);
    let honest = honest.remove("apply.statuses-truthful").expect("it ran");
    assert_eq!(honest.status, "pass", "{honest:?}");
    assert!(
        honest.evidence.iter().any(|line| line.contains("8001")),
        "an UpdateFailed status was returned: {honest:?}"
    );
    assert_eq!(code, Some(0));

    let lying = with_bug(
        "status-lies",
        &["--config", fail_third],
        "apply.statuses-truthful",
    );
    assert_eq!(lying.status, "fail", "{lying:?}");
    assert!(
        lying
            .evidence
            .iter()
            .any(|line| line.contains("`apply-statuses-truthful-3` 8004 (Updated)")),
        "the lie about the third component is in the evidence: {lying:?}"
    );
}

#[test]
fn ignore_delete_fails_statuses_truthful_on_a_deleted_status() {
    let found = with_bug("ignore-delete", &[], "apply.statuses-truthful");
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(
        found.message.contains("8005 (Deleted)") && found.message.contains("still holds it"),
        "{found:?}"
    );
}

#[test]
fn instance_state_fails_property_change_and_skips_idempotent() {
    let change = with_bug("instance-state", &[], "apply.property-change");
    assert_eq!(change.status, "fail", "{change:?}");
    assert!(
        change
            .message
            .contains("after the change was applied, the device does not hold the component"),
        "{change:?}"
    );
    // Symphony's `get` on a new provider never sees them: the cause, not a re-apply question.
    let idempotent = with_bug("instance-state", &[], "apply.idempotent");
    assert_eq!(idempotent.status, "skip", "{idempotent:?}");
    assert_eq!(
        idempotent.message,
        "not judged: `get` does not report what `apply` deployed (cause `get-misses-applied`)",
        "{idempotent:?}"
    );
}

#[test]
fn empty_error_fails_errors_message_and_skips_what_needs_a_result_map() {
    let found = with_bug("empty-error", &[], "errors.message");
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(
        found
            .message
            .contains("returned an error with an empty message"),
        "{found:?}"
    );
    let results = with_bug("empty-error", &[], "apply.results-complete");
    assert_eq!(results.status, "skip", "{results:?}");
    assert_eq!(
        results.message,
        "not judged: `apply` fails (`error-without-message`) (cause \
         `apply-error-without-message`)",
        "{results:?}"
    );
}

#[test]
fn errors_message_provokes_the_refusal_the_rule_announces() {
    let (_, mut typed) = check(
        &[
            "--config",
            "sim.componentType=example_type",
            "--component-type",
            "example_type",
        ],
        &["errors.message"],
    );
    let typed = typed.remove("errors.message").expect("it ran");
    assert_eq!(typed.status, "pass", "{typed:?}");
    assert!(
        typed.message.contains("(the rule requires `example_type`)")
            && typed
                .message
                .contains("failed with a message: validation failed"),
        "{typed:?}"
    );
    let (_, mut required) = check(
        &["--config", "sim.requiredProperties=image"],
        &["errors.message"],
    );
    let required = required.remove("errors.message").expect("it ran");
    assert_eq!(required.status, "pass", "{required:?}");
    assert!(
        required
            .message
            .contains("a component without the required properties (image)"),
        "{required:?}"
    );
}

#[test]
fn panics_in_apply_or_get_fail_edge_inputs_with_the_outcome() {
    for (bug, call) in [("panic-on-apply", "apply"), ("panic-on-get", "get")] {
        let found = with_bug(bug, &[], "errors.edge-inputs");
        assert_eq!(found.status, "fail", "{bug}: {found:?}");
        assert!(
            found
                .message
                .contains(&format!("`{call}` of an empty step ended in `panic`")),
            "{bug}: {found:?}"
        );
    }
}

#[test]
fn a_hanging_apply_fails_edge_inputs_as_a_timeout() {
    let found = with_bug(
        "hang-on-apply",
        &["--call-timeout", "2s"],
        "errors.edge-inputs",
    );
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(found.message.contains("ended in `timeout`"), "{found:?}");
    assert!(
        found
            .evidence
            .iter()
            .any(|line| line.contains("the other edge inputs were not tried")),
        "it stops at the first hang: {found:?}"
    );
}

#[test]
fn a_failure_status_for_a_delete_of_a_missing_component_warns_and_an_error_fails() {
    // `sim.failComponents` makes the simulator answer `DeleteFailed` in an `Ok` map: Symphony
    // never reads statuses, so the removal counts as done; the instance status shows the
    // failure. A warning, never a pass.
    let (code, found) = check(
        &["--config", "sim.failComponents=delete-missing-1"],
        &["delete.missing"],
    );
    let missing = &found["delete.missing"];
    assert_eq!(missing.status, "warn", "{missing:?}");
    assert!(
        missing.message.contains("8002 (DeleteFailed)")
            && missing.message.contains("delete-missing-1"),
        "{missing:?}"
    );
    assert_eq!(code, Some(0));
    let (code, _) = check(
        &[
            "--config",
            "sim.failComponents=delete-missing-1",
            "--deny-warnings",
        ],
        &["delete.missing"],
    );
    assert_eq!(code, Some(10));
    // An `Err` for it fails the removal in Symphony: a failure.
    let (code, found) = check(&["--config", "sim.bugs=empty-error"], &["delete.missing"]);
    assert_eq!(found["delete.missing"].status, "fail", "{found:?}");
    assert_eq!(code, Some(10));
}
