use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{harness, path_str, workspace_root};

fn sample() -> PathBuf {
    workspace_root().join("harness/tests/data/wire-0.49/deployment.json")
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn plan(args: &[&str]) -> Value {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    let run = harness(&all);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.json()
}

/// Each step as `target/role[*first]: +a -b`.
fn show(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let comps: Vec<String> = s["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    format!(
                        "{}{}",
                        if c["action"] == "update" { "+" } else { "-" },
                        c["component"]["name"].as_str().unwrap()
                    )
                })
                .collect();
            format!(
                "{}/{}{}: {}",
                s["target"].as_str().unwrap(),
                s["role"].as_str().unwrap(),
                if s["isFirst"] == true { "*" } else { "" },
                comps.join(" ")
            )
        })
        .collect()
}

#[test]
fn wire_sample_plans_one_step_matching_the_wire_sample_step() {
    let doc = plan(&["--deployment", path_str(&sample())]);
    assert_eq!(
        show(&doc["getPlan"]),
        ["rust-target/rust-workload*: +comp-a +comp-b"]
    );
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("harness/tests/data/wire-0.49/step.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["plan"][0], expected, "the step is the JSON Go sends");
}

#[test]
fn component_gone_from_the_solution_is_deleted_last() {
    let dir = tempfile::tempdir().unwrap();
    let previous = write(
        dir.path(),
        "state.json",
        &json!({
            "components": [{"name": "comp-a", "type": "rust-workload"}, {"name": "old", "type": "rust-workload"}],
            "targets": [{"name": "rust-target"}],
            "targetComponent": {"comp-a::rust-target": "rust-workload", "old::rust-target": "rust-workload"}
        }),
    );
    let doc = plan(&[
        "--deployment",
        path_str(&sample()),
        "--previous",
        path_str(&previous),
    ]);
    assert_eq!(
        show(&doc["plan"]),
        [
            "rust-target/rust-workload*: +comp-a +comp-b",
            "rust-target/rust-workload*: -old"
        ]
    );
    assert_eq!(
        doc["mergedState"]["targetComponent"]["old::rust-target"],
        "-rust-workload"
    );
}

#[test]
fn a_previous_state_as_symphony_stores_it_plans_the_same_and_a_misspelt_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let go = write(
        dir.path(),
        "go.json",
        &json!({
            "Components": [{"name": "comp-a", "type": "rust-workload"}, {"name": "old", "type": "rust-workload"}],
            "Targets": [{"Name": "rust-target", "Spec": {}}],
            "TargetComponent": {"comp-a::rust-target": "rust-workload", "old::rust-target": "rust-workload"}
        }),
    );
    let doc = plan(&[
        "--deployment",
        path_str(&sample()),
        "--previous",
        path_str(&go),
    ]);
    assert_eq!(
        show(&doc["plan"]),
        [
            "rust-target/rust-workload*: +comp-a +comp-b",
            "rust-target/rust-workload*: -old"
        ],
        "the same plan as from the camelCase state"
    );
    let typo = write(
        dir.path(),
        "typo.json",
        &json!({"Components": [], "TargetComponnet": {"old::rust-target": "rust-workload"}}),
    );
    let run = harness(&[
        "plan",
        "--deployment",
        path_str(&sample()),
        "--previous",
        path_str(&typo),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("typo.json:1:")
            && run.stderr.contains("unknown field `TargetComponnet`"),
        "{}",
        run.stderr
    );
}

#[test]
fn component_reported_by_get_but_not_desired_is_deleted_with_its_type_as_role() {
    let dir = tempfile::tempdir().unwrap();
    let current = write(
        dir.path(),
        "get.json",
        &json!({"rust-target": [{"name": "stray", "type": null}]}),
    );
    let doc = plan(&[
        "--deployment",
        path_str(&sample()),
        "--current",
        path_str(&current),
    ]);
    assert_eq!(
        show(&doc["plan"]),
        [
            "rust-target/rust-workload*: +comp-a +comp-b",
            "rust-target/instance*: -stray"
        ]
    );
    assert_eq!(
        doc["mergedState"]["targetComponent"]["stray::rust-target"],
        "-container"
    );
}

#[test]
fn removal_deletes_the_dependent_first_in_its_own_step() {
    let doc = plan(&["--deployment", path_str(&sample()), "--remove"]);
    assert_eq!(
        show(&doc["plan"]),
        [
            "rust-target/rust-workload: -comp-b",
            "rust-target/rust-workload*: -comp-a"
        ]
    );
}

#[test]
fn deployment_with_048_names_plans_the_same() {
    let mut deployment: Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).unwrap()).unwrap();
    let map = deployment.as_object_mut().unwrap();
    let name = map.remove("solutionversionName").unwrap();
    let solution = map.remove("solutionversion").unwrap();
    map.insert("solutionName".into(), name);
    map.insert("solution".into(), solution);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.json", &deployment);
    assert_eq!(
        plan(&["--deployment", path_str(&path)])["plan"],
        plan(&["--deployment", path_str(&sample())])["plan"]
    );
}

#[test]
fn circular_dependency_exits_1_naming_the_components() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "d.json",
        &json!({
            "solutionversion": {"metadata": {}, "spec": {"components": [
                {"name": "a", "dependencies": ["b"]}, {"name": "b", "dependencies": ["a"]}]}},
            "instance": {"metadata": {"name": "i"}, "spec": {"solutionversion": "s"}},
            "targets": {}
        }),
    );
    let run = harness(&["plan", "--deployment", path_str(&path)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("components `a`, `b` cannot be sorted"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_target_given_as_the_deployment_is_refused_not_planned_empty() {
    let target = workspace_root().join("scenarios/targets/mock-target.json");
    let run = harness(&["plan", "--deployment", path_str(&target)]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "no plan printed: {}", run.stdout);
    assert!(
        run.stderr.contains("this is a Symphony target object"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("reconcile --target"), "{}", run.stderr);
}

#[test]
fn an_empty_deployment_is_refused_and_with_a_previous_state_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "d.json", &json!({}));
    let run = harness(&["plan", "--deployment", path_str(&empty)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("d.json` has no components and no targets"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);

    // With a previous state an empty deployment still plans its deletions, loudly.
    let previous = write(
        dir.path(),
        "state.json",
        &json!({"components": [{"name": "old", "type": "w"}], "targets": [{"name": "t"}],
                "targetComponent": {"old::t": "w"}}),
    );
    let args = [
        "plan",
        "--deployment",
        path_str(&empty),
        "--previous",
        path_str(&previous),
    ];
    let run = harness(&args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("warning: deployment"), "{}", run.stderr);
    assert_eq!(show(&run.json()["plan"]), ["t/w*: -old"]);
    let mut strict = args.to_vec();
    strict.push("--strict");
    assert_eq!(harness(&strict).code, Some(1));
}
