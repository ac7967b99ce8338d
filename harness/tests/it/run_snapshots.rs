//! `symphony-harness run --snapshots DIR`: each transcript held to `DIR/<scenario>.snap` in
//! insta's format. An edited snapshot fails with a diff and a `.snap.new` beside it;
//! `--accept` updates it; a missing one is written for review (nothing on CI); the JSON and
//! JUnit reports carry each verdict; insta itself reads what `run` writes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::schemas::assert_valid;
use crate::support::{harness_in, lib, path_str, workspace_root, Lib, Run};
use insta::_macro_support::{serialize_value, SerializationFormat};

/// Two scenarios of the corpus, with their reviewed snapshots.
const SCENARIOS: [&str; 2] = ["first-deploy", "converged-noop"];

/// A folder holding `scenarios/` (two of the corpus) and `snapshots/` (theirs, or none).
fn project(with_snapshots: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = workspace_root();
    std::fs::create_dir_all(dir.path().join("scenarios/targets")).unwrap();
    std::fs::create_dir_all(dir.path().join("snapshots")).unwrap();
    for target in std::fs::read_dir(root.join("scenarios/targets")).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap();
        std::fs::copy(&target, dir.path().join("scenarios/targets").join(name)).unwrap();
    }
    for name in SCENARIOS {
        let file = format!("{name}.json");
        std::fs::copy(
            root.join("scenarios").join(&file),
            dir.path().join("scenarios").join(&file),
        )
        .unwrap();
        if with_snapshots {
            let snap = format!("{name}.snap");
            std::fs::copy(
                root.join("snapshots").join(&snap),
                dir.path().join("snapshots").join(&snap),
            )
            .unwrap();
        }
    }
    dir
}

/// `run --snapshots snapshots scenarios` in `dir` with `extra` flags, outside CI with insta's
/// default (`INSTA_UPDATE` unset) unless `env` says otherwise.
fn run(dir: &Path, extra: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let sim = lib(Lib::Sim);
    let mut args = vec![
        "run",
        "--simulator",
        path_str(&sim),
        "--no-bundles",
        "--snapshots",
        "snapshots",
    ];
    args.extend_from_slice(extra);
    args.push("scenarios");
    let mut vars: Vec<(&str, Option<&str>)> = vec![
        ("CI", None),
        ("TF_BUILD", None),
        ("INSTA_UPDATE", None),
        ("INSTA_FORCE_PASS", None),
        ("INSTA_YAML_BLOCK_STYLE", None),
    ];
    vars.extend_from_slice(env);
    harness_in(dir, &args, &vars)
}

fn snap(dir: &Path, name: &str) -> PathBuf {
    dir.join("snapshots").join(format!("{name}.snap"))
}

fn new_snap(dir: &Path, name: &str) -> PathBuf {
    dir.join("snapshots").join(format!("{name}.snap.new"))
}

#[test]
fn the_reviewed_snapshots_pass_and_each_verdict_is_in_json_and_junit() {
    let dir = project(true);
    let passed = run(dir.path(), &[], &[]);
    assert_eq!(passed.code, Some(0), "{}{}", passed.stdout, passed.stderr);
    assert!(
        passed.stdout.contains("snapshots: 2 matched"),
        "{}",
        passed.stdout
    );
    let json = run(dir.path(), &["--format", "json"], &[]).json();
    assert_valid(&json, "run --snapshots, matched");
    for scenario in json["scenarios"].as_array().unwrap() {
        assert_eq!(scenario["snapshot"]["verdict"], "matched", "{scenario:#}");
        assert_eq!(scenario["snapshot"]["fails"], false);
    }
    let junit = run(dir.path(), &["--format", "junit"], &[]);
    let report = quick_junit::Report::deserialize_from_str(&junit.stdout).unwrap();
    for case in &report.test_suites[0].test_cases {
        let property = case
            .properties
            .iter()
            .find(|p| p.name.as_str() == "snapshot");
        assert_eq!(
            property.map(|p| p.value.as_str()),
            Some("matched"),
            "{}",
            junit.stdout
        );
    }
}

#[test]
fn an_edited_snapshot_fails_with_its_diff_and_a_snap_new_and_accept_updates_it() {
    let dir = project(true);
    let file = snap(dir.path(), "first-deploy");
    let reviewed = std::fs::read_to_string(&file).unwrap();
    let edited = reviewed.replacen("type: example_type", "type: edited_type", 1);
    assert_ne!(edited, reviewed, "the edit changes the snapshot");
    std::fs::write(&file, &edited).unwrap();

    let failed = run(dir.path(), &[], &[]);
    assert_eq!(failed.code, Some(9), "{}{}", failed.stdout, failed.stderr);
    let out = &failed.stdout;
    assert!(out.contains("FAIL first-deploy"), "{out}");
    assert!(out.contains("PASS converged-noop"), "{out}");
    assert!(
        out.contains(
            "snapshot: the transcript differs from `snapshots/first-deploy.snap` (+1 -1 lines); \
             the new one is `snapshots/first-deploy.snap.new`"
        ),
        "{out}"
    );
    assert!(
        out.contains("-          type: edited_type"),
        "the diff: {out}"
    );
    assert!(
        out.contains("+          type: example_type"),
        "the diff: {out}"
    );
    assert!(out.contains("snapshots: 1 matched, 1 differs"), "{out}");
    for hint in [
        "--accept",
        "INSTA_UPDATE=always",
        "cargo insta review",
        "cargo install cargo-insta --locked",
        "mv snapshots/first-deploy.snap.new snapshots/first-deploy.snap",
    ] {
        assert!(out.contains(hint), "the hint names {hint:?}: {out}");
    }
    let pending = new_snap(dir.path(), "first-deploy");
    assert_eq!(
        std::fs::read_to_string(&pending)
            .unwrap()
            .split("\n---\n")
            .nth(1),
        reviewed.split("\n---\n").nth(1),
        "`.snap.new` holds the transcript as reviewed"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited, "untouched");

    let json = run(dir.path(), &["--format", "json"], &[]).json();
    assert_valid(&json, "run --snapshots, differs");
    let entry = &json["scenarios"][1];
    assert_eq!(entry["name"], "first-deploy");
    assert_eq!(entry["snapshot"]["verdict"], "differs", "{entry:#}");
    assert_eq!(entry["snapshot"]["diff"]["added"], 1);
    assert_eq!(
        entry["snapshot"]["newFile"],
        "snapshots/first-deploy.snap.new"
    );
    let junit = run(dir.path(), &["--format", "junit"], &[]);
    assert!(
        junit.stdout.contains(r#"type="snapshot-differs""#),
        "{}",
        junit.stdout
    );

    let accepted = run(dir.path(), &["--accept"], &[]);
    assert_eq!(
        accepted.code,
        Some(0),
        "{}{}",
        accepted.stdout,
        accepted.stderr
    );
    assert!(
        accepted
            .stdout
            .contains("PASS first-deploy (2 steps, snapshot updated)"),
        "{}",
        accepted.stdout
    );
    assert!(!pending.exists(), "the stale `.snap.new` is removed");
    let now = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        now.split("\n---\n").nth(1),
        reviewed.split("\n---\n").nth(1)
    );
    assert!(now.contains("source: scenarios/first-deploy.json"), "{now}");
    let again = run(dir.path(), &[], &[]);
    assert_eq!(again.code, Some(0), "{}", again.stdout);
}

#[test]
fn insta_update_always_accepts_and_no_writes_nothing() {
    let dir = project(true);
    let file = snap(dir.path(), "converged-noop");
    let reviewed = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        reviewed.replacen("scenario: converged-noop", "scenario: x", 1),
    )
    .unwrap();
    let refused = run(dir.path(), &[], &[("INSTA_UPDATE", Some("no"))]);
    assert_eq!(refused.code, Some(9), "{}", refused.stdout);
    assert!(
        refused.stdout.contains("not written: `INSTA_UPDATE=no`"),
        "{}",
        refused.stdout
    );
    assert!(!new_snap(dir.path(), "converged-noop").exists());
    let always = run(dir.path(), &[], &[("INSTA_UPDATE", Some("always"))]);
    assert_eq!(always.code, Some(0), "{}", always.stdout);
    assert!(
        always.stdout.contains("snapshot updated"),
        "{}",
        always.stdout
    );
    let bad = run(dir.path(), &[], &[("INSTA_UPDATE", Some("sometimes"))]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("`INSTA_UPDATE` is `sometimes`, which insta does not know"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_missing_snapshot_is_written_for_review_and_fails_on_ci_nothing_is_written() {
    let dir = project(false);
    let on_ci = run(dir.path(), &[], &[("CI", Some("true"))]);
    assert_eq!(on_ci.code, Some(9), "{}", on_ci.stdout);
    assert!(
        on_ci
            .stdout
            .contains("no snapshot `snapshots/first-deploy.snap` yet"),
        "{}",
        on_ci.stdout
    );
    assert!(
        on_ci.stdout.contains("not written on CI"),
        "{}",
        on_ci.stdout
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("snapshots"))
            .unwrap()
            .count(),
        0,
        "nothing written on CI"
    );
    let json = run(dir.path(), &["--format", "json"], &[("CI", Some("true"))]).json();
    assert_valid(&json, "run --snapshots, missing on CI");
    assert_eq!(json["scenarios"][0]["snapshot"]["verdict"], "missing");
    assert_eq!(json["scenarios"][0]["snapshot"]["newFile"], Value::Null);

    let local = run(dir.path(), &[], &[]);
    assert_eq!(local.code, Some(9), "{}", local.stdout);
    assert!(
        local.stdout.contains("snapshots: 2 missing"),
        "{}",
        local.stdout
    );
    for name in SCENARIOS {
        assert!(new_snap(dir.path(), name).is_file(), "{name}.snap.new");
        assert!(!snap(dir.path(), name).exists());
    }

    let accepted = run(dir.path(), &["--accept"], &[("CI", Some("true"))]);
    assert_eq!(accepted.code, Some(0), "{}", accepted.stdout);
    assert!(
        accepted.stdout.contains("snapshots: 2 created"),
        "{}",
        accepted.stdout
    );
    for name in SCENARIOS {
        let written = std::fs::read_to_string(snap(dir.path(), name)).unwrap();
        let reviewed = std::fs::read_to_string(
            workspace_root()
                .join("snapshots")
                .join(format!("{name}.snap")),
        )
        .unwrap();
        assert_eq!(
            written.split("\n---\n").nth(1),
            reviewed.split("\n---\n").nth(1),
            "{name}: the corpus's reviewed transcript"
        );
        assert!(!new_snap(dir.path(), name).exists());
    }
}

#[test]
fn insta_reads_a_snapshot_run_writes_and_finds_it_equal_to_its_own_rendering() {
    let dir = project(false);
    let written = run(dir.path(), &["--accept"], &[]);
    assert_eq!(written.code, Some(0), "{}", written.stdout);
    let json = run(dir.path(), &["--format", "json"], &[]).json();
    for entry in json["scenarios"].as_array().unwrap() {
        let name = entry["name"].as_str().unwrap();
        let mut transcript = entry["transcript"].clone();
        let fields = transcript.as_object_mut().unwrap();
        let sha = fields.remove("librarySha256").unwrap();
        fields.remove("harnessVersion").unwrap();
        // insta's own reader (what `cargo insta review` uses) on the file `run` wrote.
        let snapshot = insta::Snapshot::from_file(&snap(dir.path(), name))
            .unwrap_or_else(|err| panic!("insta cannot read {name}.snap: {err}"));
        let ours = snapshot
            .contents()
            .as_text()
            .expect("a text snapshot")
            .to_string();
        let insta_yaml = serialize_value(&transcript, SerializationFormat::Yaml);
        assert_eq!(
            ours,
            insta_yaml.trim_end(),
            "{name}: insta renders the same YAML"
        );
        assert_eq!(
            snapshot.metadata().description(),
            entry["description"].as_str()
        );
        assert_eq!(
            snapshot.metadata().source(),
            Some(format!("scenarios/{name}.json").as_str())
        );
        assert!(
            format!("{:?}", snapshot.metadata()).contains(sha.as_str().unwrap()),
            "the header's info names the library"
        );
    }
}

#[test]
fn two_scenarios_of_one_name_are_refused_before_either_shares_a_snapshot() {
    let dir = project(false);
    let other = dir.path().join("more");
    std::fs::create_dir_all(other.join("targets")).unwrap();
    std::fs::copy(
        dir.path().join("scenarios/targets/mock-target.json"),
        other.join("targets/mock-target.json"),
    )
    .unwrap();
    std::fs::copy(
        dir.path().join("scenarios/first-deploy.json"),
        other.join("first-deploy.json"),
    )
    .unwrap();
    let run = harness_in(
        dir.path(),
        &[
            "run",
            "--snapshots",
            "snapshots",
            "scenarios/first-deploy.json",
            "more/first-deploy.json",
        ],
        &[],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "are both scenario `first-deploy`: their transcripts would share one snapshot"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("snapshots"))
            .unwrap()
            .count(),
        0
    );
}
