//! The suite proves itself: for every bug in the simulated provider's catalog
//! (`sim-provider/src/bugs.rs`), the check designed for it fails on the simulator with that bug
//! and names the problem; the clean simulator fails no check.

use serde_json::Value;

use crate::support::{harness, lib, path_str, workspace_root, Lib};

/// Each bug of the catalog, the check designed for it, the extra binding config the bug needs
/// to show, and text the failure's message holds.
const TABLE: &[(&str, &str, &[&str], &str)] = &[
    ("lying-get", "get.empty-device", &[], "reported"),
    ("ignore-delete", "delete.removes", &[], "still"),
    ("unstable-property", "get.stable", &[], "observedAt"),
    (
        "drop-property",
        "rule.compared-are-reported",
        &["sim.changeDetection=replicas"],
        "replicas",
    ),
    ("dry-run-mutates", "dry-run.no-change", &[], "dry run"),
    ("panic-on-get", "errors.edge-inputs", &[], "panic"),
    ("panic-on-apply", "errors.edge-inputs", &[], "panic"),
    ("hang-on-apply", "errors.edge-inputs", &[], "timeout"),
    ("empty-error", "errors.message", &[], "empty"),
    (
        "incomplete-results",
        "apply.results-complete",
        &[],
        "result",
    ),
    (
        "status-lies",
        "apply.statuses-truthful",
        &["sim.failComponents=apply-statuses-truthful-1"],
        "apply-statuses-truthful-1",
    ),
    (
        "instance-state",
        "lifecycle.new-instances",
        &[],
        "new provider",
    ),
    (
        "wrong-type",
        "get.types-preserved",
        &[],
        "example_type-wrong",
    ),
    (
        "extra-components",
        "get.only-referenced",
        &[],
        "get-only-referenced-",
    ),
    (
        "stringify-numbers",
        "rendering.numbers-and-case",
        &[],
        "1e+06",
    ),
    (
        "case-change",
        "rendering.numbers-and-case",
        &["sim.changeDetection=*"],
        "MIXEDCASE",
    ),
    ("racy", "lifecycle.concurrent", &[], "overwrote"),
    ("null-create", "load.create", &[], "NULL"),
];

/// The bug names the catalog documents (`/// \`name\`: …` on each variant).
fn catalog() -> Vec<String> {
    let text = std::fs::read_to_string(workspace_root().join("sim-provider/src/bugs.rs"))
        .expect("the bug catalog");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("/// `"))
        .filter_map(|rest| rest.split_once("`:").map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn the_table_covers_every_bug_of_the_catalog() {
    let mut documented = catalog();
    documented.sort();
    let mut tabled: Vec<String> = TABLE.iter().map(|(bug, ..)| bug.to_string()).collect();
    tabled.sort();
    assert_eq!(tabled, documented);
    for (_, id, ..) in TABLE {
        assert!(
            symphony_harness::check::catalog::find(id).is_some(),
            "no check `{id}`"
        );
    }
}

#[test]
fn the_check_designed_for_each_bug_fails_on_it_and_names_the_problem() {
    let sim = lib(Lib::Sim);
    let mut wrong = Vec::new();
    for (bug, id, extra, names) in TABLE {
        let bugs = format!("sim.bugs={bug}");
        let mut args = vec![
            "check",
            path_str(&sim),
            "--only",
            id,
            "--config",
            &bugs,
            "--call-timeout",
            "3s",
            "--format",
            "json",
        ];
        for config in extra.iter() {
            args.extend(["--config", config]);
        }
        let run = harness(&args);
        let doc: Value = match serde_json::from_str(&run.stdout) {
            Ok(doc) => doc,
            Err(err) => {
                wrong.push(format!("{bug}: no JSON ({err}): {}", run.stderr));
                continue;
            }
        };
        let check = &doc["libraries"][0]["checks"][0];
        let message = check["message"].as_str().unwrap_or("");
        let evidence = check["evidence"].to_string();
        // A bug that leaves Symphony no provider at all exits as `load` does for it (5), as
        // every command does; every other failing check exits 10.
        let code = if *id == "load.create" { 5 } else { 10 };
        if check["status"] != "fail" || run.code != Some(code) {
            wrong.push(format!(
                "{bug}: `{id}` is {} (exit {:?}): {message}",
                check["status"], run.code
            ));
        } else if !message.contains(names) && !evidence.contains(names) {
            wrong.push(format!(
                "{bug}: `{id}` fails but does not name `{names}`: {message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
