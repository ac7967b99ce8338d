use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{
    bound_target, harness, lib, path_str, workspace_root, write_target, Lib, Run,
};

/// The directory `--extensions` maps `/extensions/` to: where the built sim library is.
fn extensions() -> PathBuf {
    lib(Lib::Sim)
        .parent()
        .expect("library has a directory")
        .to_path_buf()
}

fn tutorial(name: &str) -> PathBuf {
    workspace_root().join("scenarios/targets").join(name)
}

fn reconcile(target: &Path, extra: &[&str]) -> Run {
    let ext = extensions();
    let mut args = vec![
        "reconcile",
        "--target",
        path_str(target),
        "--extensions",
        path_str(&ext),
    ];
    args.extend_from_slice(extra);
    harness(&args)
}

/// A Target file in `dir` binding role `w` to the sim, with extra binding config.
fn sim_target(dir: &Path, name: &str, components: Value, config: Value) -> PathBuf {
    write_target(
        dir,
        name,
        name,
        components,
        "libsymphony_sim_provider.so",
        "any",
        config,
    )
}

#[test]
fn tutorial_targets_register_then_delete_and_converge() {
    for name in ["mock-target.json", "my-target.json"] {
        let run = reconcile(&tutorial(name), &["--remove"]);
        assert_eq!(run.code, Some(0), "{name}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("verdict: converged after 2 round(s)"),
            "{name}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("mock-component: 8004"),
            "{name}: update result: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("mock-component: 8005"),
            "{name}: delete result: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(
                "removal done: `apply` gave every deleted component a result, `get` reported \
                 each before and reports none now; state dropped"
            ),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn tutorial_target_json_reports_every_call_and_round() {
    let run = reconcile(
        &tutorial("mock-target.json"),
        &["--remove", "--format", "json"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["deployment"], "target-runtime-mock-target");
    assert_eq!(doc["verdict"], json!({"verdict": "converged", "rounds": 2}));
    let rounds = doc["rounds"].as_array().unwrap();
    assert_eq!(rounds[0]["steps"][0]["step"]["role"], "example_type");
    assert_eq!(
        rounds[0]["steps"][0]["results"]["mock-component"]["status"],
        8004
    );
    assert_eq!(
        rounds[0]["steps"][0]["decision"]["reason"]["kind"],
        "no-previous-state"
    );
    assert_eq!(rounds[1]["steps"][0]["decision"]["decision"], "skip");
    assert_eq!(doc["removal"]["state"], "dropped");
    assert_eq!(doc["waitedSeconds"], 30);
}

#[test]
fn symphony_048_deployment_reaches_the_provider_through_the_translating_host() {
    let run = reconcile(
        &tutorial("my-target.json"),
        &["--symphony", "0.48", "--format", "json"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["symphony"], "0.48");
    assert_eq!(run.json()["verdict"]["verdict"], "converged");
}

#[test]
fn one_round_never_converges_because_the_first_round_always_applies() {
    let run = reconcile(&tutorial("my-target.json"), &["--rounds", "1"]);
    assert_eq!(run.code, Some(7), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("never converged in 1 round(s)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no previous state"), "{}", run.stdout);
}

#[test]
fn dry_run_repeats_every_round_with_the_flag_and_saves_nothing() {
    let run = reconcile(
        &tutorial("my-target.json"),
        &["--dry-run", "--rounds", "3", "--format", "json"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["verdict"]["verdict"], "dry-run");
    assert_eq!(doc["verdict"]["rounds"], 3);
    assert_eq!(
        doc["rounds"].as_array().unwrap().len(),
        3,
        "Symphony repeats a dry run"
    );
    for round in doc["rounds"].as_array().unwrap() {
        assert_eq!(round["state"], "not-saved-dry-run");
        assert_eq!(round["applied"], 1, "every round applies again");
    }
    let message = doc["rounds"][0]["steps"][0]["results"]["mock-component"]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.starts_with("dry run:") && message.ends_with("nothing changed"),
        "{message}"
    );
}

#[test]
fn provider_error_fails_every_round_with_call_failed() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w"}]),
        json!({"sim.bugs": "empty-error"}),
    );
    let run = reconcile(&target, &["--rounds", "2"]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("error-without-message"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Symphony waits 5 s"), "{}", run.stdout);
    assert!(run.stdout.contains("Symphony waits 15 s"), "{}", run.stdout);
    assert!(
        run.stdout.contains("verdict: round 2 failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_closed_stdout_keeps_the_verdicts_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w"}]),
        json!({"sim.bugs": "empty-error"}),
    );
    let ext = extensions();
    for format in ["human", "json"] {
        let run = crate::support::harness_with_closed_stdout(&[
            "reconcile",
            "--target",
            path_str(&target),
            "--extensions",
            path_str(&ext),
            "--rounds",
            "1",
            "--format",
            format,
        ]);
        assert_eq!(run.code, Some(6), "{format}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{format}: {}", run.stderr);
    }
}

#[test]
fn a_target_without_spec_is_refused_as_symphony_would_crash() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.json");
    std::fs::write(&target, r#"{"metadata": {"name": "bare"}}"#).unwrap();
    let run = reconcile(&target, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("target `bare` has no `spec`"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("converged"), "{}", run.stdout);
}

#[test]
fn unknown_target_keys_are_warned_about_and_fail_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w", "propertys": {"x": 1}}]),
        json!({}),
    );
    let run = reconcile(&target, &["--rounds", "1"]);
    assert!(
        run.stderr.contains(
            "unknown key `spec.components[0].propertys`: Symphony ignores it; did you mean `properties`?"
        ),
        "{}",
        run.stderr
    );
    let run = reconcile(&target, &["--strict"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);
}

#[test]
fn a_library_missing_under_extensions_is_reported_once_with_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let run = harness(&[
        "reconcile",
        "--target",
        path_str(&tutorial("my-target.json")),
        "--extensions",
        path_str(dir.path()),
    ]);
    assert_eq!(
        run.code,
        Some(1),
        "as `load` of a missing file: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !run.stdout.contains("round 1"),
        "no round runs: {}",
        run.stdout
    );
    let looked_at = dir.path().join("libsymphony_sim_provider.so");
    assert!(
        run.stderr
            .contains(&format!("was looked for at `{}`", looked_at.display())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--extensions target/release"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("retrying on every poll"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("error:").count(),
        1,
        "once: {}",
        run.stderr
    );
}

#[test]
fn a_removal_the_provider_ignores_is_caught_by_a_get_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "web", "type": "w"}]),
        json!({"sim.bugs": "ignore-delete"}),
    );
    let run = reconcile(&target, &["--remove"]);
    assert_eq!(run.code, Some(7), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "removal incomplete: apply reported success, but `get` still reports `web` on `t`"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("removal done"), "{}", run.stdout);
    let json = reconcile(&target, &["--remove", "--format", "json"]).json();
    assert_eq!(json["leftAfterRemoval"][0]["component"], "web");
    // A provider that deletes: the check confirms it.
    let clean = sim_target(
        dir.path(),
        "c",
        json!([{"name": "web", "type": "w"}]),
        json!({}),
    );
    let run = reconcile(&clean, &["--remove"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("`get` reported each before and reports none now"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_dry_run_whose_calls_fail_is_not_a_success() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w"}]),
        json!({"sim.bugs": "empty-error"}),
    );
    let run = reconcile(&target, &["--dry-run", "--rounds", "2"]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("verdict: round 2 failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_null_provider_fails_once_stops_the_run_and_exits_as_load_does() {
    let dir = tempfile::tempdir().unwrap();
    let target = bound_target(
        dir.path(),
        "t",
        "libfixture_null_provider.so",
        "any",
        json!({}),
    );
    let ext = lib(Lib::NullProvider).parent().unwrap().to_path_buf();
    let run = harness(&[
        "reconcile",
        "--target",
        path_str(&target),
        "--extensions",
        path_str(&ext),
    ]);
    assert_eq!(run.code, Some(5), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("round 1"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("round 2"),
        "stops after one round: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("every later round would fail the same way"),
        "{}",
        run.stdout
    );
    let load = harness(&["load", path_str(&lib(Lib::NullProvider))]);
    assert_eq!(load.code, Some(5), "`load` agrees: {}", load.stderr);
}

#[test]
fn load_failures_give_the_same_exit_codes_as_load() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "hash mismatch",
            "libsymphony_sim_provider.so",
            "ab".repeat(32),
            Lib::Sim,
            5,
        ),
        (
            "not a provider",
            "libfixture_not_provider.so",
            "any".to_string(),
            Lib::NotProvider,
            4,
        ),
        (
            "old ABI",
            "libfixture_old_abi.so",
            "any".to_string(),
            Lib::OldAbi,
            4,
        ),
    ];
    for (case, file, hash, which, code) in cases {
        let target = bound_target(dir.path(), file, file, &hash, json!({}));
        let ext = lib(which).parent().unwrap().to_path_buf();
        let run = harness(&[
            "reconcile",
            "--target",
            path_str(&target),
            "--extensions",
            path_str(&ext),
        ]);
        assert_eq!(run.code, Some(code), "{case}: {}{}", run.stdout, run.stderr);
        let load = harness(&["load", path_str(&lib(which)), "--hash", &hash]);
        assert_eq!(
            load.code,
            Some(code),
            "{case}: `load` agrees: {}",
            load.stderr
        );
        assert!(!run.stdout.contains("round 1"), "{case}: {}", run.stdout);
    }
}

#[test]
fn component_type_without_binding_fails_like_symphony() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "unbound"}]),
        json!({}),
    );
    let run = reconcile(&target, &[]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("target doesn't have a 'unbound' role defined"),
        "{}",
        run.stdout
    );
}

#[test]
fn unsupported_expression_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w", "properties": {"x": "${{$property(os)}}"}}]),
        json!({}),
    );
    let run = reconcile(&target, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("unsupported expression in component `a` properties key `x`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}

#[test]
fn several_targets_without_an_instance_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = sim_target(dir.path(), "a", json!([]), json!({}));
    let b = sim_target(dir.path(), "b", json!([]), json!({}));
    let run = harness(&[
        "reconcile",
        "--target",
        path_str(&a),
        "--target",
        path_str(&b),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("reconcile one target at a time"),
        "{}",
        run.stderr
    );
}

#[test]
fn instance_deployment_orders_dependencies_and_deletes_dependents_first() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "edge-1",
        json!([]),
        json!({"sim.device": "edge-1"}),
    );
    let solution = dir.path().join("solution.json");
    std::fs::write(&solution, json!({
        "metadata": {"name": "app-v-v1"},
        "spec": {"components": [
            {"name": "web", "type": "w", "dependencies": ["db"], "properties": {"replicas": "1.0"}},
            {"name": "db", "type": "w", "properties": {"image": "postgres:16"}}
        ]}
    }).to_string()).unwrap();
    let instance = dir.path().join("instance.json");
    std::fs::write(
        &instance,
        json!({
            "metadata": {"name": "app"},
            "spec": {"solutionversion": "app:v1", "target": {"name": "edge-*"}}
        })
        .to_string(),
    )
    .unwrap();
    let ext = extensions();
    let run = harness(&[
        "reconcile",
        "--target",
        path_str(&target),
        "--solution",
        path_str(&solution),
        "--instance",
        path_str(&instance),
        "--extensions",
        path_str(&ext),
        "--remove",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["deployment"], "app-v-v1");
    let step = &doc["rounds"][0]["steps"][0]["step"];
    let names: Vec<&str> = step["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["component"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "web"], "dependency first, one step");
    assert_eq!(
        step["components"][1]["component"]["properties"]["replicas"], "1",
        "evaluated: \"1.0\" is sent as \"1\""
    );
    let removal: Vec<Vec<&str>> = doc["removal"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["step"]["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["component"]["name"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        removal,
        [vec!["web"], vec!["db"]],
        "deletes cannot satisfy a dependency: web first, alone"
    );
    assert_eq!(doc["verdict"]["rounds"], 2);
}

#[test]
fn in_process_backend_converges_the_same_way() {
    let run = reconcile(
        &tutorial("my-target.json"),
        &["--in-process", "--remove", "--format", "json"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["verdict"],
        json!({"verdict": "converged", "rounds": 2})
    );
    assert_eq!(run.json()["removal"]["state"], "dropped");
}

#[test]
fn symphony_host_with_048_names_is_refused_with_the_flags_to_use() {
    let run = reconcile(
        &tutorial("my-target.json"),
        &["--host", "symphony", "--symphony", "0.48", "--rounds", "1"],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);
    assert!(
        run.stderr.contains("use `--host harness`"),
        "{}",
        run.stderr
    );
}

#[test]
fn symphony_host_refuses_an_old_abi_library_as_the_harness_host_does() {
    let dir = tempfile::tempdir().unwrap();
    let target = bound_target(dir.path(), "t", "libfixture_old_abi.so", "any", json!({}));
    let ext = lib(Lib::OldAbi).parent().unwrap().to_path_buf();
    for extra in [
        &["--host", "symphony"][..],
        &["--host", "symphony", "--in-process"][..],
        &[][..],
    ] {
        let mut args = vec![
            "reconcile",
            "--target",
            path_str(&target),
            "--extensions",
            path_str(&ext),
        ];
        args.extend_from_slice(extra);
        let run = harness(&args);
        assert_eq!(run.code, Some(4), "{extra:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("init_provider"),
            "{extra:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn apply_killed_at_its_deadline_is_indeterminate_and_stops_the_run_as_symphony_would_wait_for_ever()
{
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let target = sim_target(
        dir.path(),
        "slow-target",
        json!([{"name": "web", "type": "w", "properties": {"image": "nginx"}}]),
        json!({"sim.device": "slow", "sim.store": path_str(&store), "sim.bugs": "hang-on-apply"}),
    );
    // Loading a debug build on a busy machine may take longer than the short call deadline.
    let args = [
        "--rounds",
        "2",
        "--call-timeout",
        "1500ms",
        "--load-timeout",
        "60s",
        "--remove",
    ];
    let run = reconcile(&target, &args);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    let rounds: Vec<&str> = run.stdout.split("\nround ").collect();
    assert_eq!(rounds.len(), 2, "one round, no removal: {}", run.stdout);
    assert!(
        rounds[1].contains("apply failed (timeout)"),
        "{}",
        rounds[1]
    );
    assert!(rounds[1].contains("indeterminate:"), "{}", rounds[1]);
    let verdict = run.stdout.split("verdict:").nth(1).expect("a verdict");
    assert!(
        verdict.contains("Symphony would not survive round 1")
            && verdict.contains("[web] ended `timeout`")
            && verdict.contains("would wait for this call for ever"),
        "{verdict}"
    );
    assert_eq!(run.stdout.matches("verdict:").count(), 1, "said once");
}

#[test]
fn a_panic_in_apply_is_the_headline_and_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "web", "type": "w"}]),
        json!({"sim.bugs": "panic-on-apply"}),
    );
    let run = reconcile(&target, &["--rounds", "5", "--remove"]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("round 2"), "{}", run.stdout);
    let verdict = run.stdout.split("verdict:").nth(1).expect("a verdict");
    assert!(
        verdict.contains("Symphony would not survive round 1")
            && verdict.contains("apply of step 0 `t`/`w` [web] ended `panic`")
            && verdict.contains("the whole symphony-api process down"),
        "{verdict}"
    );
    assert!(verdict.contains("(at "), "the panic's location: {verdict}");
    assert!(
        verdict.contains("hint: a panic cannot be caught"),
        "{verdict}"
    );
    assert!(!verdict.contains("zero rule"), "{verdict}");
}

#[test]
fn rounds_that_fail_the_same_way_are_summed_up_once_with_a_hint_for_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "a", "type": "w"}]),
        json!({"sim.bugs": "empty-error"}),
    );
    let run = reconcile(&target, &["--rounds", "3"]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    let verdict = run.stdout.split("verdict:").nth(1).expect("a verdict");
    assert!(
        verdict.contains("every round (3) failed the same way: apply of step 0 `t`/`w` [a] ended `error-without-message`"),
        "{verdict}"
    );
    assert!(
        verdict.contains("hint: return `Err` with a message"),
        "{verdict}"
    );
    let json = reconcile(&target, &["--rounds", "2", "--format", "json"]).json();
    assert!(
        json["why"][0]
            .as_str()
            .unwrap()
            .starts_with("every round (2) failed the same way"),
        "{}",
        json["why"]
    );
}

#[test]
fn stringified_numbers_from_get_never_converge_and_the_verdict_names_key_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "edge-1",
        json!([{"name": "web", "type": "w", "properties": {"image": "nginx", "replicas": 1000000}}]),
        json!({"sim.device": "stringify", "sim.bugs": "stringify-numbers"}),
    );
    let run = reconcile(&target, &["--rounds", "3"]);
    assert_eq!(run.code, Some(7), "{}{}", run.stdout, run.stderr);
    let verdict = run.stdout.split("verdict:").nth(1).expect("a verdict");
    assert!(
        verdict.contains("never converged in 3 round(s)"),
        "{verdict}"
    );
    assert!(
        verdict.contains("entry `*` key `replicas`: `1000000` vs `1e+06`"),
        "{verdict}"
    );
    assert_eq!(
        run.stdout.matches("ok: results {web: 8004}").count(),
        3,
        "{}",
        run.stdout
    );
}

#[test]
fn route_filter_is_a_finding_and_a_host_abort_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "edge-2",
        json!([{"name": "web", "type": "w", "properties": {"image": "nginx"},
                "routes": [{"route": "r", "type": "http",
                            "filters": [{"direction": "in", "type": "auth"}]}]}]),
        json!({"sim.device": "route-filter"}),
    );
    let run = reconcile(&target, &["--rounds", "1"]);
    assert_eq!(run.code, Some(6), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("[route-filter-without-filter-type]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("get failed (host-abort)") && run.stdout.contains("`filterType`"),
        "{}",
        run.stdout
    );
}

/// What a transcript call printed on `stream` (`stdout`, `stderr`, or the Symphony `host`'s
/// log), `""` when nothing.
fn printed(call: &Value, stream: &str) -> Value {
    let label = match stream {
        "stdout" => "provider stdout",
        "stderr" => "provider stderr",
        _ => "symphony host log",
    };
    call["printed"].get(label).cloned().unwrap_or(json!(""))
}

/// The calls of a JSON document's first round named `call`, as its transcript records them.
fn calls_named<'d>(doc: &'d Value, call: &str) -> Vec<&'d Value> {
    doc["transcript"]["rounds"][0]["events"]
        .as_array()
        .expect("an events list")
        .iter()
        .filter_map(|event| event.get("call"))
        .filter(|c| c["call"] == call)
        .collect()
}

/// A target binding the sim with `sim.print` lines per call, in a fresh directory.
fn chatty_target(dir: &Path, lines: u32) -> PathBuf {
    sim_target(
        dir,
        "chatty",
        json!([{"name": "web", "type": "w", "properties": {"image": "nginx"}}]),
        json!({"sim.device": format!("chatty-{lines}"), "sim.print": lines.to_string()}),
    )
}

#[test]
fn json_stays_valid_and_carries_each_calls_output_in_process_and_in_workers() {
    let dir = tempfile::tempdir().unwrap();
    let target = chatty_target(dir.path(), 2);
    for backend in [&["--in-process"][..], &[][..]] {
        let mut args = vec!["--format", "json", "--rounds", "1"];
        args.extend_from_slice(backend);
        let run = reconcile(&target, &args);
        assert_eq!(
            run.code,
            Some(7),
            "{backend:?}: {}{}",
            run.stdout,
            run.stderr
        );
        // `json` panics unless stdout is one JSON document: nothing printed into it.
        let doc = run.json();
        let get = calls_named(&doc, "get");
        assert_eq!(get.len(), 1, "{backend:?}: {doc:#}");
        assert_eq!(get[0]["outcome"], "ok");
        assert_eq!(
            printed(get[0], "stdout"),
            "sim stdout: get line 1/2 on device chatty-2\nsim stdout: get line 2/2 on device chatty-2\n",
            "{backend:?}"
        );
        assert_eq!(
            printed(get[0], "stderr"),
            "sim stderr: get line 1/2 on device chatty-2\nsim stderr: get line 2/2 on device chatty-2\n",
            "{backend:?}: stderr apart from stdout"
        );
        let apply = calls_named(&doc, "apply");
        assert_eq!(apply.len(), 1, "{backend:?}: {doc:#}");
        assert!(
            printed(apply[0], "stdout")
                .as_str()
                .unwrap()
                .starts_with("sim stdout: apply line 1/2"),
            "{backend:?}: {doc:#}"
        );
        let created = calls_named(&doc, "create_provider");
        assert!(
            printed(created[0], "stdout")
                .as_str()
                .unwrap()
                .starts_with("sim stdout: create_provider line 1/2"),
            "{backend:?}: {doc:#}"
        );
        assert!(
            !run.stderr.contains("sim stderr"),
            "{backend:?}: the provider's stderr is not the harness's: {}",
            run.stderr
        );
    }
}

#[test]
fn human_output_shows_what_the_provider_printed_under_its_call() {
    let dir = tempfile::tempdir().unwrap();
    let target = chatty_target(dir.path(), 1);
    let run = reconcile(&target, &["--in-process", "--rounds", "1"]);
    assert_eq!(run.code, Some(7), "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let get = lines
        .iter()
        .position(|l| l.trim_start().starts_with("get ") && l.contains("get-phase step 0"))
        .unwrap_or_else(|| panic!("no get line in:\n{}", run.stdout));
    assert_eq!(
        &lines[get + 1..get + 6],
        &[
            "    ok: reported []",
            "    provider stdout:",
            "      | sim stdout: get line 1/1 on device chatty-1",
            "    provider stderr:",
            "      | sim stderr: get line 1/1 on device chatty-1",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("    provider stdout during `create_provider`:\n      | sim stdout: create_provider line 1/1"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_long_output_is_cut_with_a_count_in_human_output_and_whole_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let target = chatty_target(dir.path(), 30);
    let human = reconcile(&target, &["--rounds", "1"]);
    assert_eq!(human.code, Some(7), "{}{}", human.stdout, human.stderr);
    assert!(
        human.stdout.contains(
            "      | sim stdout: get line 20/30 on device chatty-30\n      … 10 more lines\n"
        ),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("get line 21/30"), "{}", human.stdout);
    let json = reconcile(&target, &["--rounds", "1", "--format", "json"]);
    let doc = json.json();
    let stdout = printed(calls_named(&doc, "get")[0], "stdout")
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(stdout.lines().count(), 30, "{stdout}");
    assert!(stdout.ends_with("get line 30/30 on device chatty-30\n"));
}

/// The `create_provider` call's output of a `--host symphony` run of `target`.
fn symphony_host_create_output(target: &Path, backend: &[&str]) -> Value {
    let mut args = vec!["--host", "symphony", "--format", "json", "--rounds", "1"];
    args.extend_from_slice(backend);
    let doc = reconcile(target, &args).json();
    let created = calls_named(&doc, "create_provider")[0];
    json!({
        "stdout": printed(created, "stdout"),
        "stderr": printed(created, "stderr"),
        "host": printed(created, "host"),
    })
}

#[test]
fn the_symphony_hosts_own_log_is_labelled_as_the_hosts_not_the_providers() {
    let dir = tempfile::tempdir().unwrap();
    // In this process the host's `tracing` goes through the harness's subscriber (warnings
    // shown), so its warning about `libHash: any` is there.
    let output = symphony_host_create_output(&chatty_target(dir.path(), 1), &["--in-process"]);
    let host = output["host"].as_str().unwrap();
    assert!(
        host.contains("Validation of shared library's hash value has been disabled!"),
        "{output:#}"
    );
    for stream in ["stdout", "stderr"] {
        let text = output[stream].as_str().unwrap();
        assert!(!text.contains("Validation of"), "{stream}: {text}");
        assert!(
            text.contains("create_provider line 1/1"),
            "{stream}: {text}"
        );
    }
    // In a worker the host sets up its own subscriber (errors only, to stdout): a hash
    // mismatch is logged, and labelled the host's, in both modes.
    let wrong = sim_target(
        dir.path(),
        "wrong-hash",
        json!([{"name": "web", "type": "w"}]),
        json!({"libHash": "00", "sim.print": "1"}),
    );
    for backend in [&["--in-process"][..], &[][..]] {
        let output = symphony_host_create_output(&wrong, backend);
        let host = output["host"].as_str().unwrap();
        assert!(
            host.contains("Hash validation failed: Hash mismatch!"),
            "{backend:?}: {output:#}"
        );
        assert!(
            !output["stdout"].as_str().unwrap().contains("Hash"),
            "{backend:?}: {output:#}"
        );
    }
}

#[test]
fn the_tutorial_like_fixture_that_prints_on_every_call_keeps_json_valid_in_process() {
    let fixture = lib(Lib::EchoConfig);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("echo.json");
    let file_name = fixture.file_name().unwrap().to_str().unwrap();
    let body = json!({
        "metadata": {"name": "echo"},
        "spec": {"components": [{"name": "a", "type": "w"}],
                 "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                    "config": {"name": "p", "libFile": format!("/extensions/{file_name}"), "libHash": "any"}}]}]}
    });
    std::fs::write(&target, body.to_string()).unwrap();
    let ext = fixture.parent().unwrap();
    let run = harness(&[
        "reconcile",
        "--target",
        path_str(&target),
        "--extensions",
        path_str(ext),
        "--in-process",
        "--rounds",
        "1",
        "--format",
        "json",
    ]);
    let doc = run.json();
    let get = calls_named(&doc, "get");
    assert_eq!(
        printed(get[0], "stdout"),
        "echo-config: get called\n",
        "{doc:#}"
    );
}

#[test]
fn an_in_process_panic_keeps_its_message_on_stderr_though_output_is_captured() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "panics",
        json!([{"name": "web", "type": "w"}]),
        json!({"sim.bugs": "panic-on-get", "sim.print": "1"}),
    );
    let run = reconcile(&target, &["--in-process", "--format", "json"]);
    assert_eq!(
        run.code, None,
        "the panic aborts the harness: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sim bug panic-on-get"),
        "what the call printed goes to stderr as the process dies: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sim stdout: get line 1/1"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("sim stdout"), "{}", run.stdout);
}

#[test]
fn a_removal_nothing_confirms_is_not_called_done_and_says_what_is_not_known() {
    // The tutorial's skeleton: `apply` ignores deletes (no result for them) and `get` never
    // reports anything, so its absence after the removal proves nothing.
    let skeleton = lib(Lib::Skeleton);
    let dir = tempfile::tempdir().unwrap();
    let target = bound_target(dir.path(), "t", "libfixture_skeleton.so", "any", json!({}));
    let folder = skeleton.parent().expect("a folder");
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "reconcile".to_string(),
            "--target".into(),
            path_str(&target).into(),
            "--extensions".into(),
            path_str(folder).into(),
            "--remove".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let human = args(&[]);
    let run = harness(&human.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!run.stdout.contains("removal done"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "removal not confirmed: `apply` returned `ok` and Symphony counts the removal as \
             done (state dropped), but nothing shows these were deleted:"
        ) && run.stdout.contains(
            "  - `a` on `t`: `apply` returned no result for it, and `get` never reported it"
        ),
        "{}",
        run.stdout
    );
    let json = args(&["--format", "json"]);
    let doc = harness(&json.iter().map(String::as_str).collect::<Vec<_>>()).json();
    assert_eq!(
        doc["removalUnconfirmed"],
        json!([{"target": "t", "component": "a", "noResult": true, "neverReported": true}])
    );
}

/// A solution with `components` and an instance selecting every `edge-*` target, in `dir`.
fn solution_and_instance(dir: &Path, components: Value) -> (PathBuf, PathBuf) {
    let solution = dir.join("solution.json");
    std::fs::write(
        &solution,
        json!({"metadata": {"name": "app-v-v1"}, "spec": {"components": components}}).to_string(),
    )
    .unwrap();
    let instance = dir.join("instance.json");
    std::fs::write(
        &instance,
        json!({
            "metadata": {"name": "app"},
            "spec": {"solutionversion": "app:v1", "target": {"name": "edge-*"}}
        })
        .to_string(),
    )
    .unwrap();
    (solution, instance)
}

#[test]
fn target_name_reconciles_one_target_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let edge_1 = sim_target(
        dir.path(),
        "edge-1",
        json!([]),
        json!({"sim.device": "edge-1"}),
    );
    let edge_2 = sim_target(
        dir.path(),
        "edge-2",
        json!([]),
        json!({"sim.device": "edge-2"}),
    );
    let (solution, instance) =
        solution_and_instance(dir.path(), json!([{"name": "web", "type": "w"}]));
    let ext = extensions();
    let run_with = |name: &str| {
        harness(&[
            "reconcile",
            "--target",
            path_str(&edge_1),
            "--target",
            path_str(&edge_2),
            "--solution",
            path_str(&solution),
            "--instance",
            path_str(&instance),
            "--extensions",
            path_str(&ext),
            "--target-name",
            name,
            "--rounds",
            "1",
            "--format",
            "json",
        ])
    };
    let run = run_with("edge-2");
    assert_eq!(
        run.code,
        Some(7),
        "one round never converges: {}",
        run.stderr
    );
    let doc = run.json();
    let targets: Vec<&str> = calls_named(&doc, "get")
        .into_iter()
        .chain(calls_named(&doc, "apply"))
        .map(|call| call["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["edge-2", "edge-2"], "{doc:#}");
    let summary = &doc["rounds"][0]["summary"];
    assert_eq!(summary["targetCount"], 2);
    assert_eq!(summary["successCount"], 1);
    assert_eq!(summary["plannedDeployment"], 2, "every planned step counts");
    assert_eq!(summary["targets"].as_object().unwrap().len(), 1);

    let run = run_with("edge-3");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`--target-name edge-3` names no target of the deployment (its targets: `edge-1`, `edge-2`)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}

#[test]
fn a_dependency_symphony_cannot_sort_fails_the_round_before_any_call_and_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "web", "type": "w", "dependencies": ["db"]}]),
        json!({"sim.device": "t"}),
    );
    let run = reconcile(&target, &["--rounds", "3", "--format", "json"]);
    assert_eq!(
        run.code,
        Some(6),
        "a failed round: {}{}",
        run.stdout,
        run.stderr
    );
    let doc = run.json();
    let rounds = doc["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 1, "every later round would fail the same way");
    let failure = &rounds[0]["failure"];
    assert_eq!(failure["stage"], "plan");
    assert_eq!(failure["outcome"], "symphony");
    assert!(calls_named(&doc, "get").is_empty() && calls_named(&doc, "create_provider").is_empty());
    assert_eq!(
        rounds[0]["summary"]["message"],
        "failed to create target manager state from deployment spec: circular dependencies or \
         unresolved dependencies detected in components"
    );
    assert!(
        doc["stopped"]
            .as_str()
            .unwrap()
            .contains("before any provider call"),
        "{doc:#}"
    );
}

/// Issue 21: the provider's own rule decides how much matching a comparison takes. One that
/// needs more than the engine's budget stops the run with an error naming the entry and the
/// keys, before matching anything, instead of stalling in it.
#[test]
fn a_provider_rule_too_costly_to_compare_stops_the_run_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    // 1,000 keys of 40 bytes under 10,000 wildcard entries: about 10^9 steps, five budgets.
    let properties: serde_json::Map<String, Value> =
        (0..1_000).map(|i| (format!("{i:040}"), json!(i))).collect();
    let entries = vec!["*a"; 10_000].join(",");
    let target = sim_target(
        dir.path(),
        "t",
        json!([{"name": "wide", "type": "w", "properties": properties}]),
        json!({"sim.changeDetection": entries}),
    );
    let run = reconcile(&target, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "comparing component `wide` needs more than 200000000 matching steps: properties \
             entry `*a` (2 characters) is matched against 1000 keys"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: every wildcard (`*`) entry name"),
        "{}",
        run.stderr
    );
}
