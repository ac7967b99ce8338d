//! The scenario corpus under `scenarios/`: every file parses, runs against the simulated
//! provider in a worker, meets every expectation it states, and its transcript equals the
//! reviewed snapshot under `snapshots/` (`cargo insta review` accepts a change). A snapshot
//! with no scenario fails too.

use std::path::{Path, PathBuf};

use symphony_harness::scenario::{read_scenario, run_scenario, scenario_files, RunSettings};
use symphony_harness::worker::Backend;

use crate::support::{lib, workspace_root, Lib};

/// Settings that run scenarios in workers of the harness binary built for these tests.
pub fn settings(scratch: &Path) -> RunSettings {
    RunSettings {
        backend: Backend {
            worker_program: Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness"))),
            ..Backend::default()
        },
        simulator: lib(Lib::Sim),
        scratch: scratch.to_path_buf(),
        store_dirs: Vec::new(),
    }
}

fn corpus() -> Vec<PathBuf> {
    scenario_files(&workspace_root().join("scenarios")).expect("scenarios/ is readable")
}

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_snapshot() {
    let files = corpus();
    assert!(!files.is_empty(), "no scenario under scenarios/");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut failures = Vec::new();
    for file in &files {
        let loaded = read_scenario(file).unwrap_or_else(|err| panic!("{err}"));
        let scenario = &loaded.scenario;
        let run = run_scenario(scenario, &settings(scratch.path()))
            .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        if let Some(error) = &run.error {
            failures.push(format!("{}: stopped: {error}", scenario.name));
        }
        for mismatch in &run.mismatches {
            failures.push(format!("{}: {}", scenario.name, mismatch.describe()));
        }
        // Where the transcript came from goes to the snapshot's header, not its body: a
        // rebuilt simulator must not change every snapshot.
        let mut transcript = run.transcript_json();
        let header = serde_json::json!({
            "librarySha256": transcript.as_object_mut().and_then(|t| t.remove("librarySha256")),
            "harnessVersion": transcript.as_object_mut().and_then(|t| t.remove("harnessVersion")),
        });
        insta::with_settings!({
            snapshot_path => workspace_root().join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => scenario.description.clone(),
            info => &header,
        }, {
            insta::assert_yaml_snapshot!(scenario.name.clone(), transcript);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_snapshot_belongs_to_a_scenario() {
    let names: Vec<String> = corpus()
        .iter()
        .filter_map(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(workspace_root().join("snapshots")).expect("snapshots/") {
        let path = entry.expect("an entry").path();
        let Some(file) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".snap") else {
            continue;
        };
        if !names.iter().any(|name| name == stem) {
            orphans.push(file);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a scenario (delete them, or restore the scenario): {orphans:?}"
    );
}
