//! `symphony-harness run` and `replay` from the command line: verdicts and exit codes, the
//! failure's detail (file, step, line, round, expected, actual), reproduction bundles and their
//! replay, partitions, JUnit, and scenario files that cannot be used.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{harness, lib, lib_copy, path_str, workspace_root, Lib};

/// A scenario on the tutorial's mock target (by absolute path), with `steps`.
fn scenario(description: &str, provider: Value, steps: Value) -> Value {
    let target = workspace_root().join("scenarios/targets/mock-target.json");
    json!({
        "description": description,
        "provider": provider,
        "objects": {"target": path_str(&target)},
        "steps": steps,
    })
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

fn passing() -> Value {
    scenario(
        "deploys and converges",
        json!({}),
        json!([{"reconcile": {"untilConverged": 3}, "expect": {"rounds": 2, "converged": true}}]),
    )
}

fn failing() -> Value {
    scenario(
        "expects an update that does not happen",
        json!({}),
        json!([
            {"reconcile": {}},
            {"reconcile": {}, "expect": {"updates": ["mock-component"]}}
        ]),
    )
}

fn run_args<'a>(dir: &'a Path, sim: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "--simulator", path_str(sim)];
    args.extend_from_slice(extra);
    args.push(path_str(dir));
    args
}

#[test]
fn a_passing_suite_exits_0_and_a_failing_one_9_with_file_step_line_round_expected_and_actual() {
    let dir = tempfile::tempdir().unwrap();
    let bundles = dir.path().join("bundles");
    let sim = lib(Lib::Sim);
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    write(&scenarios, "good.json", &passing());
    let ok = harness(&run_args(
        &scenarios,
        &sim,
        &["--bundles", path_str(&bundles)],
    ));
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("PASS good (1 steps)"), "{}", ok.stdout);
    assert!(ok.stdout.contains("1 passed, 0 failed"), "{}", ok.stdout);
    assert!(!bundles.exists(), "no bundle for a pass");

    let bad = write(&scenarios, "bad.json", &failing());
    let run = harness(&run_args(
        &scenarios,
        &sim,
        &["--bundles", path_str(&bundles)],
    ));
    assert_eq!(run.code, Some(9), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("FAIL bad"), "{}", run.stdout);
    assert!(
        run.stdout.contains(path_str(&bad)),
        "names the file: {}",
        run.stdout
    );
    let line = std::fs::read_to_string(&bad)
        .unwrap()
        .lines()
        .position(|l| l.contains("\"expect\""))
        .unwrap();
    // The step object's `{` is on the line before its `"expect"` key (keys are written sorted;
    // only step 2 has one): `line` is the 0-based index of that key, so the brace's 1-based line.
    assert!(
        run.stdout.contains("step 2 (line ")
            && run
                .stdout
                .contains(", round 2): expect.updates: expected `mock-component`, got none"),
        "{}",
        run.stdout
    );
    let reported: usize = run
        .stdout
        .split("step 2 (line ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reported, line, "{}", run.stdout);
    assert!(run.stdout.contains("1 passed, 1 failed"), "{}", run.stdout);
    let bundle = bundles.join("bad");
    for file in ["scenario.json", "bundle.json", "transcript.json"] {
        assert!(bundle.join(file).is_file(), "{file} in the bundle");
    }
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("bundle.json")).unwrap())
            .unwrap();
    assert_eq!(info["format"], "symphony-harness/bundle/v2");
    assert_eq!(info["scenario"], "bad");
    assert_eq!(info["mismatches"][0]["what"], "expect.updates");
    assert_eq!(info["librarySha256"].as_str().unwrap().len(), 64);
    assert!(
        info["fingerprint"]["device_channel"].is_string(),
        "{info:#}"
    );
    assert!(
        run.stdout.contains(&format!("replay {}", bundle.display())),
        "says how to reproduce: {}",
        run.stdout
    );

    let replay = harness(&["replay", "--simulator", path_str(&sim), path_str(&bundle)]);
    assert_eq!(replay.code, Some(9), "{}{}", replay.stdout, replay.stderr);
    assert!(
        replay
            .stderr
            .contains("reproduced: the same failures, and the same transcript"),
        "{}",
        replay.stderr
    );
}

#[test]
fn replay_refuses_a_bundle_edited_or_damaged_since_it_was_written_naming_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("s");
    std::fs::create_dir(&scenarios).unwrap();
    write(&scenarios, "bad.json", &failing());
    let bundles = dir.path().join("bundles");
    let sim = lib(Lib::Sim);
    let run = harness(&run_args(
        &scenarios,
        &sim,
        &["--bundles", path_str(&bundles)],
    ));
    assert_eq!(run.code, Some(9), "{}{}", run.stdout, run.stderr);
    let written = bundles.join("bad");
    let replay =
        |bundle: &Path| harness(&["replay", "--simulator", path_str(&sim), path_str(bundle)]);
    // Each edit on a fresh copy of the bundle: (what, the edit, what the refusal names).
    type Edit = fn(&Path);
    let edits: [(&str, Edit, &str); 5] = [
        (
            "an expectation removed from the scenario",
            |b| {
                let path = b.join("scenario.json");
                let text = std::fs::read_to_string(&path).unwrap();
                let edited = text.replace("\"updates\"", "\"deletes\"");
                assert_ne!(text, edited);
                std::fs::write(path, edited).unwrap();
            },
            "scenario.json",
        ),
        (
            "the transcript deleted",
            |b| {
                std::fs::remove_file(b.join("transcript.json")).unwrap();
            },
            "transcript.json",
        ),
        (
            "the transcript damaged",
            |b| {
                std::fs::write(b.join("transcript.json"), "{\"steps\": [").unwrap();
            },
            "transcript.json",
        ),
        (
            "the seed edited in bundle.json",
            |b| {
                let path = b.join("bundle.json");
                let mut info: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                info["seed"] = json!(99);
                std::fs::write(path, info.to_string()).unwrap();
            },
            "its seed is 99",
        ),
        (
            "a bundle of the older format",
            |b| {
                let path = b.join("bundle.json");
                let mut info: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                info["format"] = json!("symphony-harness/bundle/v1");
                std::fs::write(path, info.to_string()).unwrap();
            },
            "this harness reads `symphony-harness/bundle/v2`",
        ),
    ];
    for (case, edit, names) in edits {
        let copy = dir.path().join(case.replace(' ', "-"));
        std::fs::create_dir(&copy).unwrap();
        for file in ["scenario.json", "bundle.json", "transcript.json"] {
            std::fs::copy(written.join(file), copy.join(file)).unwrap();
        }
        edit(&copy);
        let refused = replay(&copy);
        assert_eq!(
            refused.code,
            Some(1),
            "{case}: {}{}",
            refused.stdout,
            refused.stderr
        );
        assert!(refused.stderr.contains(names), "{case}: {}", refused.stderr);
        assert!(
            !refused.stderr.contains("did not reproduce") && !refused.stdout.contains("FAIL"),
            "{case}: nothing is played: {}{}",
            refused.stdout,
            refused.stderr
        );
    }
    let untouched = replay(&written);
    assert_eq!(
        untouched.code,
        Some(9),
        "{}{}",
        untouched.stdout,
        untouched.stderr
    );
}

#[test]
fn a_scenario_that_expects_nothing_while_every_round_fails_passes_loudly_and_fails_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("s");
    std::fs::create_dir(&scenarios).unwrap();
    let quiet = scenario(
        "expects nothing",
        json!({}),
        json!([
            {"fault": {"call": "get", "effect": "fail", "times": 5}},
            {"reconcile": {"rounds": 2}}
        ]),
    );
    write(&scenarios, "quiet.json", &quiet);
    let sim = lib(Lib::Sim);
    let run = harness(&run_args(&scenarios, &sim, &["--no-bundles"]));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("warning: `quiet` passes, but no step expects anything, and every one of its 2 round(s) failed"),
        "{}",
        run.stdout
    );
    let json = harness(&run_args(
        &scenarios,
        &sim,
        &["--no-bundles", "--format", "json"],
    ));
    let doc = json.json();
    crate::schemas::assert_valid(&doc, "a warning");
    assert_eq!(doc["scenarios"][0]["passed"], true);
    assert!(doc["scenarios"][0]["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("every one")));
    let strict = harness(&run_args(&scenarios, &sim, &["--no-bundles", "--strict"]));
    assert_eq!(strict.code, Some(9), "{}{}", strict.stdout, strict.stderr);
    assert!(
        strict.stdout.contains("warning, an error under --strict"),
        "{}",
        strict.stdout
    );
    // One expectation, and the scenario says what it checks: no warning.
    let mut checked = quiet.clone();
    checked["steps"][1]["expect"] = json!({"outcome": "error"});
    write(&scenarios, "quiet.json", &checked);
    let run = harness(&run_args(&scenarios, &sim, &["--no-bundles", "--strict"]));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);
}

#[test]
fn a_scenario_cannot_make_the_simulator_write_outside_the_run_unless_a_flag_names_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("s");
    std::fs::create_dir(&scenarios).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let sim = lib(Lib::Sim);
    for (case, store) in [
        ("an absolute folder", path_str(&elsewhere).to_string()),
        ("a relative folder", "relative/devices".to_string()),
        (
            "a way out of the scratch folder",
            "/tmp/../tmp/symphony-harness-elsewhere".to_string(),
        ),
    ] {
        let mut escaping = passing();
        escaping["provider"] = json!({"config": {"sim.store": store}});
        write(&scenarios, "escaping.json", &escaping);
        let run = harness(&run_args(&scenarios, &sim, &["--no-bundles"]));
        assert_eq!(run.code, Some(9), "{case}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(&format!("`sim.store` is `{store}`"))
                && run.stdout.contains("--sim-store-dir"),
            "{case}: {}",
            run.stdout
        );
        assert!(!elsewhere.exists(), "{case}: the folder was made");
        assert!(!Path::new("relative/devices").exists(), "{case}");
    }
    let mut allowed = passing();
    allowed["provider"] = json!({"config": {"sim.store": path_str(&elsewhere)}});
    write(&scenarios, "escaping.json", &allowed);
    let run = harness(&run_args(
        &scenarios,
        &sim,
        &["--no-bundles", "--sim-store-dir", path_str(dir.path())],
    ));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(elsewhere.is_dir(), "the named folder holds the devices");
    let mut memory = passing();
    memory["provider"] = json!({"config": {"sim.store": "memory"}});
    write(&scenarios, "escaping.json", &memory);
    let run = harness(&run_args(&scenarios, &sim, &["--no-bundles"]));
    assert_eq!(
        run.code,
        Some(0),
        "memory writes nothing: {}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn replay_refuses_a_library_whose_bytes_changed_naming_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let library = lib_copy(Lib::Sim, dir.path(), "libprovider.so");
    let mut bad = failing();
    bad["provider"] = json!({"library": path_str(&library)});
    let scenarios = dir.path().join("s");
    std::fs::create_dir(&scenarios).unwrap();
    write(&scenarios, "bad.json", &bad);
    let bundles = dir.path().join("bundles");
    let sim = lib(Lib::Sim);
    let run = harness(&run_args(
        &scenarios,
        &sim,
        &["--bundles", path_str(&bundles)],
    ));
    assert_eq!(run.code, Some(9), "{}{}", run.stdout, run.stderr);
    let recorded = symphony_harness::load::LibraryFile::open(&library)
        .unwrap()
        .sha256()
        .to_string();
    std::fs::copy(lib(Lib::EchoConfig), &library).unwrap();
    let now = symphony_harness::load::LibraryFile::open(&library)
        .unwrap()
        .sha256()
        .to_string();
    let replay = harness(&["replay", path_str(&bundles.join("bad"))]);
    assert_eq!(replay.code, Some(1), "{}{}", replay.stdout, replay.stderr);
    assert!(
        replay.stderr.contains(&recorded) && replay.stderr.contains(&now),
        "both hashes: {}",
        replay.stderr
    );
    assert!(
        !replay.stdout.contains("PASS") && !replay.stdout.contains("FAIL"),
        "nothing played"
    );
}

#[test]
fn partitions_split_the_suite_into_disjoint_shards_that_cover_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    for name in ["a", "b", "c"] {
        write(dir.path(), &format!("{name}.json"), &passing());
    }
    let names = |shard: &str| -> Vec<String> {
        let run = harness(&run_args(
            dir.path(),
            &sim,
            &["--partition", shard, "--format", "json", "--no-bundles"],
        ));
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.json()["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("1/2"), ["a", "c"]);
    assert_eq!(names("2/2"), ["b"]);
    let bad = harness(&run_args(dir.path(), &sim, &["--partition", "3/2"]));
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("K/N"), "{}", bad.stderr);
}

#[test]
fn junit_output_has_a_test_case_per_scenario_and_the_failure_reason() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    write(dir.path(), "good.json", &passing());
    write(dir.path(), "bad.json", &failing());
    let report = dir.path().join("junit.xml");
    let run = harness(&run_args(
        dir.path(),
        &sim,
        &[
            "--format",
            "junit",
            "--output",
            path_str(&report),
            "--no-bundles",
            "--jobs",
            "2",
        ],
    ));
    assert_eq!(run.code, Some(9), "{}", run.stderr);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"good\""), "{xml}");
    assert!(
        xml.contains("expect.updates: expected `mock-component`, got none"),
        "{xml}"
    );
    assert!(
        run.stderr.contains("PASS good") && run.stderr.contains("FAIL bad"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_scenario_file_that_cannot_be_used_is_named_with_line_and_column_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    write(dir.path(), "good.json", &passing());
    let text = "{\n  \"description\": \"typo\",\n  \"objects\": {\"target\": \"nowhere.json\"},\n  \"steps\": [\n    {\"reconcle\": {}}\n  ]\n}\n";
    std::fs::write(dir.path().join("typo.json"), text).unwrap();
    let run = harness(&run_args(dir.path(), &sim, &[]));
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing played: {}", run.stdout);
    // The missing target file is named first (objects are read before steps).
    assert!(run.stderr.contains("typo.json:3:25"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("paths in a scenario start from the scenario file's folder"),
        "{}",
        run.stderr
    );
    std::fs::write(
        dir.path().join("typo.json"),
        text.replace(
            "nowhere.json",
            path_str(&workspace_root().join("scenarios/targets/mock-target.json")),
        ),
    )
    .unwrap();
    let run = harness(&run_args(dir.path(), &sim, &[]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("typo.json:5:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `reconcile`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_corpus_is_deterministic_and_passes_from_the_command_line() {
    let sim = lib(Lib::Sim);
    let corpus = workspace_root().join("scenarios/first-deploy.json");
    let run = harness(&[
        "run",
        "--simulator",
        path_str(&sim),
        "--check-determinism",
        "--no-bundles",
        "--format",
        "json",
        path_str(&corpus),
    ]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["passed"], 1);
    assert_eq!(
        doc["scenarios"][0]["transcript"]["scenario"],
        "first-deploy"
    );
}

#[test]
fn every_failed_rounds_cause_is_in_the_report_and_the_json_not_only_its_effect() {
    // A provider whose `apply` panics: every round fails in `apply` (and the run goes on, as
    // Symphony's polls do); the expectation alone would only say no update happened.
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    write(
        dir.path(),
        "panics.json",
        &scenario(
            "deploys",
            json!({"config": {"sim.bugs": "panic-on-apply"}}),
            json!([
                {"reconcile": {}, "expect": {"updates": ["mock-component"]}},
                {"reconcile": {}}
            ]),
        ),
    );
    let run = harness(&run_args(dir.path(), &sim, &["--no-bundles"]));
    assert_eq!(run.code, Some(9), "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "  rounds 1 to 2 (steps 1 to 2) failed: apply of step 0 `mock-target`/`example_type` \
             [mock-component] ended `panic`: the provider panicked: sim bug panic-on-apply"
        ),
        "{}",
        run.stdout
    );
    let json = harness(&run_args(
        dir.path(),
        &sim,
        &["--no-bundles", "--format", "json"],
    ))
    .json();
    let failed = &json["scenarios"][0]["failedRounds"];
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed}");
    assert_eq!(
        (
            &failed[0]["stage"],
            &failed[0]["outcome"],
            &failed[0]["rounds"],
            &failed[0]["lastStep"]
        ),
        (&json!("apply"), &json!("panic"), &json!(2), &json!(2))
    );
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("sim bug panic-on-apply"),
        "{failed}"
    );
}

#[test]
fn a_removal_that_passes_but_nothing_confirms_is_noted() {
    // The tutorial's skeleton ignores deletes (no result) and its `get` reports nothing.
    let dir = tempfile::tempdir().unwrap();
    let skeleton = lib(Lib::Skeleton);
    let file = write(
        dir.path(),
        "skeleton.json",
        &scenario(
            "removes",
            json!({"library": path_str(&skeleton)}),
            json!([
                {"reconcile": {}},
                {"remove": {}, "expect": {"outcome": "ok"}}
            ]),
        ),
    );
    let run = harness(&["run", "--no-bundles", path_str(&file)]);
    assert_eq!(run.code, Some(0), "the expectations hold: {}", run.stdout);
    assert!(
        run.stdout.contains(
            "note: `skeleton` passes, but step 2's removal (round 2) is not confirmed: \
             `mock-component` on `mock-target`: `apply` returned no result for it, and `get` \
             never reported it"
        ),
        "{}",
        run.stdout
    );
    let json = harness(&["run", "--no-bundles", "--format", "json", path_str(&file)]).json();
    assert_eq!(
        json["scenarios"][0]["removalUnconfirmed"],
        json!([{"step": 2, "round": 2, "target": "mock-target", "component": "mock-component",
                "noResult": true, "neverReported": true}])
    );
}

#[test]
fn an_old_abi_library_is_refused_before_loading_in_every_host_and_isolation() {
    // `symphony` 0.1.1 to 0.1.3: a 0.1.4/0.1.5 host would call it one trait slot off. No mode
    // may load it and call its `create_provider`, Symphony's own host functions in this
    // process included.
    let dir = tempfile::tempdir().unwrap();
    let old = lib(Lib::OldAbi);
    for host in ["harness", "symphony"] {
        for isolation in ["worker", "in-process"] {
            let name = format!("{host}-{isolation}.json");
            let file = write(
                dir.path(),
                &name,
                &scenario(
                    "deploys",
                    json!({"library": path_str(&old), "host": host, "isolation": isolation}),
                    json!([{"reconcile": {}, "expect": {"outcome": "null-provider"}}]),
                ),
            );
            let run = harness(&["run", "--no-bundles", "--format", "json", path_str(&file)]);
            let doc = run.json();
            let failed = &doc["scenarios"][0]["failedRounds"][0];
            assert_eq!(failed["stage"], "create-provider", "{name}: {doc:#}");
            assert!(
                failed["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("is incompatible with this host: old provider ABI"),
                "{name}: {failed}"
            );
            assert_eq!(run.code, Some(0), "{name}: the expectation holds: {doc:#}");
        }
    }
}

#[test]
fn a_misspelt_key_in_a_stored_state_from_symphony_is_refused_by_name_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sim = lib(Lib::Sim);
    let mut copied = passing();
    copied["stored"] = json!({
        "spec": {},
        "state": {"Components": [], "Targets": [], "TargetComponets": {}}
    });
    write(dir.path(), "copied.json", &copied);
    let run = harness(&run_args(dir.path(), &sim, &[]));
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing played: {}", run.stdout);
    assert!(
        run.stderr.contains(
            "not a valid stored state: unknown field `TargetComponets`, expected one of \
             `Components`, `Targets`, `TargetComponent`"
        ),
        "{}",
        run.stderr
    );
    // Pretty-printed: the key sits on its own line inside `state`.
    let line = std::fs::read_to_string(dir.path().join("copied.json"))
        .unwrap()
        .lines()
        .position(|l| l.contains("TargetComponets"))
        .unwrap()
        + 1;
    assert!(
        run.stderr.contains(&format!("copied.json:{line}:")),
        "line {line}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `TargetComponent`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn rounds_and_the_clock_count_over_restarts_and_every_round_has_symphonys_summary() {
    let sim = lib(Lib::Sim);
    let scenarios = workspace_root().join("scenarios");
    let run = harness(&[
        "run",
        "--simulator",
        path_str(&sim),
        "--no-bundles",
        "--format",
        "json",
        path_str(&scenarios.join("symphony-restart-redeploys.json")),
        path_str(&scenarios.join("unresolved-dependency-fails-rounds.json")),
    ]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let doc = run.json();
    let rounds_of = |index: usize| -> Vec<Value> {
        doc["scenarios"][index]["transcript"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|step| step["rounds"].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let restart = rounds_of(0);
    let numbers: Vec<u64> = restart
        .iter()
        .map(|r| r["round"].as_u64().unwrap())
        .collect();
    let clock: Vec<u64> = restart
        .iter()
        .map(|r| r["atSeconds"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5], "counted over the restart");
    assert_eq!(
        clock,
        [0, 30, 60, 75, 105],
        "15 s to the restarted Symphony's first poll"
    );
    assert!(restart.iter().all(|r| r["summary"]["targetCount"] == 1));

    let dependency = rounds_of(1);
    let failed: Vec<&Value> = dependency
        .iter()
        .filter(|r| r["failure"]["stage"] == "plan")
        .collect();
    assert_eq!(failed.len(), 2, "rounds 2 and 3");
    for round in failed {
        assert_eq!(round["failure"]["outcome"], "symphony");
        assert!(round["events"].as_array().unwrap().is_empty(), "no call");
        assert_eq!(round["stored"], json!(["db", "web"]));
        assert_eq!(
            round["storedKeys"],
            json!({"db::edge": "app", "web::edge": "app"})
        );
        assert_eq!(round["summary"]["successCount"], 0);
        assert!(round["summary"]["message"]
            .as_str()
            .unwrap()
            .starts_with("failed to create target manager state from deployment spec"));
    }
}
