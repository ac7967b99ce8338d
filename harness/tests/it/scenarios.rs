//! The scenario corpus under `scenarios/`: every file parses, runs against the simulated
//! provider in a worker, meets every expectation it states, and its transcript equals the
//! reviewed snapshot under `snapshots/`, all through `symphony-harness run --snapshots`, as a
//! provider's CI would run it. A changed transcript fails and is written beside its snapshot
//! as `.snap.new` (insta's `INSTA_UPDATE` applies: `INSTA_UPDATE=always` accepts it). A
//! snapshot with no scenario fails too.

use crate::support::{harness_in, lib, path_str, workspace_root, Lib};

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_snapshot() {
    let sim = lib(Lib::Sim);
    // From the repository's root, as its README runs it; insta's variables pass through.
    let run = harness_in(
        &workspace_root(),
        &[
            "run",
            "--simulator",
            path_str(&sim),
            "--snapshots",
            "snapshots",
            "scenarios",
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let count = std::fs::read_dir(workspace_root().join("scenarios"))
        .expect("scenarios/")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    assert!(count > 20, "the corpus is there: {count} scenarios");
    // Every one compared (and, unless `INSTA_UPDATE=always` rewrote some, matched).
    let line = run
        .stdout
        .lines()
        .find(|line| line.starts_with("snapshots: "))
        .unwrap_or_else(|| panic!("no snapshot counts:\n{}", run.stdout));
    let compared: usize = line
        .trim_start_matches("snapshots: ")
        .split(", ")
        .filter_map(|part| part.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(compared, count, "{line}");
    assert!(
        !run.stderr.contains("is the snapshot of no scenario"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_snapshot_belongs_to_a_scenario() {
    let names: Vec<String> = std::fs::read_dir(workspace_root().join("scenarios"))
        .expect("scenarios/")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "json")
                .then(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))?
        })
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
