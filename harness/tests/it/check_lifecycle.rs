//! `check`'s lifecycle checks on the real simulated provider: state must survive a new
//! provider per call (`lifecycle.new-instances`, made to fail by the `instance-state` bug) and
//! concurrent instances on one device must lose no update (`lifecycle.concurrent`, made to fail
//! by the `racy` bug).

use serde_json::Value;

use crate::support::{harness, lib, path_str, Lib};

/// Runs `check` on the simulated provider with `bugs` (`""`: none) and only `id`; returns the
/// exit code and the check's JSON entry.
fn check_sim(bugs: &str, id: &str) -> (Option<i32>, Value) {
    let sim = lib(Lib::Sim);
    let bugs = format!("sim.bugs={bugs}");
    let run = harness(&[
        "check",
        path_str(&sim),
        "--config",
        &bugs,
        "--only",
        id,
        "--format",
        "json",
    ]);
    let document = run.json();
    let entry = document["libraries"][0]["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_else(|| panic!("no `{id}` in {document:#}\n{}", run.stderr));
    (run.code, entry)
}

#[test]
fn new_instances_passes_on_the_clean_simulator() {
    let (code, entry) = check_sim("", "lifecycle.new-instances");
    assert_eq!(entry["status"], "pass", "{entry:#}");
    assert_eq!(code, Some(0));
}

#[test]
fn new_instances_fails_when_state_stays_in_the_provider_value() {
    let (code, entry) = check_sim("instance-state", "lifecycle.new-instances");
    assert_eq!(entry["status"], "fail", "{entry:#}");
    assert_eq!(code, Some(10));
    let message = entry["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`get` on a new provider does not report")
            && message.contains("`lifecycle-new-instances-1`"),
        "{message}"
    );
    // The evidence is the minimal sequence: the apply, then the new provider's empty `get`.
    let evidence: Vec<&str> = entry["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(evidence.len(), 2, "{evidence:#?}");
    assert!(evidence[0].starts_with("apply ["), "{evidence:#?}");
    assert!(evidence[1].ends_with("-> ok []"), "{evidence:#?}");
}

#[test]
fn concurrent_passes_on_the_clean_simulator_every_time() {
    // The clean simulator holds its device lock for the whole apply: no round may lose an
    // update, however the threads interleave. Twice, so a lucky interleaving is less likely
    // to hide a flaky pass.
    for attempt in 1..=2 {
        let (code, entry) = check_sim("", "lifecycle.concurrent");
        assert_eq!(entry["status"], "pass", "attempt {attempt}: {entry:#}");
        assert_eq!(code, Some(0));
    }
}

#[test]
fn concurrent_fails_when_applies_overwrite_each_other() {
    let (code, entry) = check_sim("racy", "lifecycle.concurrent");
    assert_eq!(entry["status"], "fail", "{entry:#}");
    assert_eq!(code, Some(10));
    let message = entry["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("an apply overwrote another's update"),
        "{message}"
    );
    let evidence = entry["evidence"].to_string();
    assert!(evidence.contains("thread 4: apply ["), "{evidence}");
}

#[test]
fn concurrent_is_not_judged_when_no_new_provider_sees_the_state_and_says_why() {
    let (code, entry) = check_sim("instance-state", "lifecycle.concurrent");
    assert_eq!(entry["status"], "skip", "{entry:#}");
    assert_eq!(entry["cause"], "get-misses-applied", "{entry:#}");
    // The cause fails the run, whichever check met it.
    assert_eq!(code, Some(10));
}
