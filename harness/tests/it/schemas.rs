//! Every command's JSON document is valid against its schema file in `docs/schemas/`, for
//! successful runs and failing ones alike: one shape whatever the input.

use serde_json::{json, Value};

use crate::support::{harness, lib, path_str, workspace_root, Lib};

/// Validates `document` against the schema its own `schema` field names.
fn assert_valid(document: &Value, case: &str) {
    let name = document["schema"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}: no `schema` field in {document}"));
    let (_, file) = symphony_harness::report::json::SCHEMAS
        .iter()
        .find(|(schema, _)| *schema == name)
        .unwrap_or_else(|| panic!("{case}: unknown schema `{name}`"));
    let path = workspace_root().join("docs/schemas").join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let location = format!("file://{}", path.display());
    compiler.add_resource(&location, schema).unwrap();
    let index = compiler.compile(&location, &mut schemas).unwrap();
    if let Err(err) = schemas.validate(document, index) {
        panic!("{case}: not valid against {file}:\n{err:#}\n{document:#}");
    }
}

fn json_of(args: &[&str], code: i32, case: &str) -> Value {
    let run = harness(args);
    assert_eq!(run.code, Some(code), "{case}: {}", run.stderr);
    run.json()
}

#[test]
fn inspect_documents_match_their_schema_for_a_provider_and_for_a_file_that_is_not_elf() {
    let sim = lib(Lib::Sim);
    let doc = json_of(&["inspect", path_str(&sim), "--format", "json"], 0, "sim");
    assert_valid(&doc, "inspect sim");
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.so");
    std::fs::write(&text, "not a library").unwrap();
    let doc = json_of(
        &["inspect", path_str(&text), "--format", "json"],
        4,
        "text file",
    );
    assert_valid(&doc, "inspect text file");
    assert_eq!(doc["verdict"]["level"], "not-a-provider");
    assert_eq!(doc["fingerprint"], Value::Null);
}

#[test]
fn load_documents_have_one_shape_for_one_library_and_for_several() {
    let sim = lib(Lib::Sim);
    let not = lib(Lib::NotProvider);
    let one = json_of(&["load", path_str(&sim), "--format", "json"], 0, "one");
    assert_valid(&one, "load one");
    assert_eq!(one["libraries"].as_array().unwrap().len(), 1);
    let two = json_of(
        &["load", path_str(&sim), path_str(&not), "--format", "json"],
        4,
        "two",
    );
    assert_valid(&two, "load two");
    assert_eq!(two["libraries"][1]["exitCode"], 4);
    assert!(two["libraries"][1]["error"].is_string());
}

#[test]
fn reconcile_documents_match_their_schema_converged_failed_and_removed() {
    let ext = lib(Lib::Sim).parent().unwrap().to_path_buf();
    let target = workspace_root().join("scenarios/targets/my-target.json");
    let doc = json_of(
        &[
            "reconcile",
            "--target",
            path_str(&target),
            "--extensions",
            path_str(&ext),
            "--remove",
            "--format",
            "json",
        ],
        0,
        "converged",
    );
    assert_valid(&doc, "reconcile converged");
    let dir = tempfile::tempdir().unwrap();
    let failing = crate::support::bound_target(
        dir.path(),
        "t",
        "libsymphony_sim_provider.so",
        "any",
        json!({"sim.bugs": "empty-error"}),
    );
    let doc = json_of(
        &[
            "reconcile",
            "--target",
            path_str(&failing),
            "--extensions",
            path_str(&ext),
            "--rounds",
            "2",
            "--format",
            "json",
        ],
        6,
        "failed",
    );
    assert_valid(&doc, "reconcile failed");
    assert_eq!(
        doc["rounds"][1]["failure"]["outcome"],
        "error-without-message"
    );
}

#[test]
fn plan_and_compare_documents_match_their_schemas() {
    let deployment = workspace_root().join("harness/tests/data/wire-0.49/deployment.json");
    let doc = json_of(
        &["plan", "--deployment", path_str(&deployment), "--remove"],
        0,
        "plan",
    );
    assert_valid(&doc, "plan");
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    std::fs::write(
        &old,
        r#"{"name": "web", "properties": {"replicas": 1000000}}"#,
    )
    .unwrap();
    std::fs::write(
        &new,
        r#"{"name": "web", "properties": {"replicas": "1000000"}}"#,
    )
    .unwrap();
    let doc = json_of(
        &[
            "compare",
            path_str(&old),
            path_str(&new),
            "--format",
            "json",
        ],
        8,
        "compare",
    );
    assert_valid(&doc, "compare");
    assert_eq!(doc["changed"], true);
}

#[test]
#[should_panic(expected = "not valid against compare.v1.json")]
fn a_document_that_breaks_its_schema_is_caught() {
    assert_valid(
        &json!({"schema": "symphony-harness/compare/v1", "changed": "yes", "reasons": []}),
        "broken on purpose",
    );
}

#[test]
fn load_of_a_chatty_provider_stays_valid_json_and_carries_what_each_call_printed() {
    let sim = lib(Lib::Sim);
    for backend in [&["--in-process"][..], &[][..]] {
        let mut args = vec![
            "load",
            path_str(&sim),
            "--config",
            "sim.print=1",
            "--format",
            "json",
        ];
        args.extend_from_slice(backend);
        // `json_of` panics unless stdout is one JSON document.
        let doc = json_of(&args, 0, "chatty load");
        assert_valid(&doc, "chatty load");
        let output = &doc["libraries"][0]["output"];
        assert_eq!(
            output["create_provider"]["stdout"],
            "sim stdout: create_provider line 1/1 on device default\n",
            "{backend:?}: {doc:#}"
        );
        assert_eq!(
            output["get_validation_rule"]["stderr"],
            "sim stderr: get_validation_rule line 1/1 on device default\n",
            "{backend:?}: {doc:#}"
        );
    }
    let human = harness(&[
        "load",
        path_str(&sim),
        "--config",
        "sim.print=1",
        "--in-process",
    ]);
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("provider stdout during `get_validation_rule`:"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("| sim stdout: get_validation_rule line 1/1 on device default"),
        "{}",
        human.stdout
    );
}

// ---- The reconcile document's transcript (issue 10, "Transcripts and one report layer"). ----

/// The calls of a transcript round, in the shape of the document's `calls`: phase, step,
/// target, role, call, dry run, outcome, and what was printed, by stream.
fn transcript_calls(round: &Value) -> Vec<Value> {
    round["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {round:#}"))
        .iter()
        .filter_map(|event| event.get("call"))
        .map(|call| {
            let phase = match call["phase"].as_str() {
                Some("get-phase") => "get",
                Some("apply-phase") => "apply",
                other => other.unwrap_or_else(|| panic!("no phase in {call:#}")),
            };
            let printed = |label: &str| call["printed"].get(label).cloned().unwrap_or(json!(""));
            json!({
                "phase": phase,
                "step": call["step"],
                "target": call["target"],
                "role": call["role"],
                "call": call["call"],
                "dryRun": call["dryRun"],
                "outcome": call["outcome"],
                "output": {
                    "stdout": printed("provider stdout"),
                    "stderr": printed("provider stderr"),
                    "host": printed("symphony host log"),
                },
            })
        })
        .collect()
}

/// The document's own calls of `round`, with what was printed on a blank stream as the
/// transcript keeps it (left out), and a missing `dryRun` as `null`.
fn document_calls(round: &Value) -> Vec<Value> {
    round["calls"]
        .as_array()
        .unwrap_or_else(|| panic!("no calls in {round:#}"))
        .iter()
        .map(|call| {
            let mut call = call.clone();
            for stream in ["stdout", "stderr", "host"] {
                let text = call["output"][stream].as_str().unwrap_or_default();
                if text.trim().is_empty() {
                    call["output"][stream] = json!("");
                }
            }
            call["dryRun"] = call.get("dryRun").cloned().unwrap_or(Value::Null);
            call
        })
        .collect()
}

/// Asserts that the transcript holds the document's rounds (then its removal), each with the
/// same calls in the same order; returns the transcript's rounds.
fn assert_transcript_matches_calls(doc: &Value, case: &str) -> Vec<Value> {
    let transcript = doc["transcript"]["rounds"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: no transcript in {doc:#}"))
        .clone();
    let rounds: Vec<&Value> = doc["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["removal"].as_object().map(|_| &doc["removal"]))
        .collect();
    assert_eq!(transcript.len(), rounds.len(), "{case}: {doc:#}");
    for (recorded, round) in transcript.iter().zip(rounds) {
        assert_eq!(recorded["round"], round["round"], "{case}");
        assert_eq!(recorded["state"], round["state"], "{case}");
        assert_eq!(
            recorded.get("remove").is_some(),
            round["remove"] == true,
            "{case}: round {}",
            round["round"]
        );
        let calls = document_calls(round);
        assert!(
            !calls.is_empty(),
            "{case}: round {} made no call",
            round["round"]
        );
        assert_eq!(
            transcript_calls(recorded),
            calls,
            "{case}: round {}",
            round["round"]
        );
    }
    transcript
}

#[test]
fn the_reconcile_transcript_holds_the_calls_the_document_lists_for_the_tutorial_target() {
    let sim = lib(Lib::Sim);
    let ext = sim.parent().unwrap().to_path_buf();
    let target = workspace_root().join("scenarios/targets/my-target.json");
    let doc = json_of(
        &[
            "reconcile",
            "--target",
            path_str(&target),
            "--extensions",
            path_str(&ext),
            "--remove",
            "--format",
            "json",
        ],
        0,
        "tutorial",
    );
    assert_valid(&doc, "tutorial");
    let transcript = assert_transcript_matches_calls(&doc, "tutorial");
    let events: Vec<&Value> = transcript
        .iter()
        .flat_map(|round| round["events"].as_array().unwrap())
        .collect();
    assert!(
        events.iter().any(|e| e["decision"]["decision"] == "apply"),
        "the first round applies: {doc:#}"
    );
    assert!(
        events.iter().any(|e| e["call"]["call"] == "apply"
            && e["call"]["returned"].is_object()
            && e["call"]["instance"].as_u64() > Some(0)),
        "an apply with its result map and provider instance: {doc:#}"
    );
    assert_eq!(transcript.last().unwrap()["remove"], true, "{doc:#}");
}

#[test]
fn the_reconcile_transcript_of_a_failing_run_has_the_failed_calls_and_stays_valid() {
    let ext = lib(Lib::Sim).parent().unwrap().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let failing = crate::support::bound_target(
        dir.path(),
        "t",
        "libsymphony_sim_provider.so",
        "any",
        json!({"sim.bugs": "empty-error", "sim.print": "1"}),
    );
    let doc = json_of(
        &[
            "reconcile",
            "--target",
            path_str(&failing),
            "--extensions",
            path_str(&ext),
            "--rounds",
            "2",
            "--format",
            "json",
        ],
        6,
        "failed",
    );
    assert_valid(&doc, "failed");
    let transcript = assert_transcript_matches_calls(&doc, "failed");
    let last = transcript.last().unwrap();
    assert_eq!(last["failure"], doc["rounds"][1]["failure"], "{doc:#}");
    let failed: Vec<&Value> = last["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["call"]["outcome"] == "error-without-message")
        .collect();
    assert_eq!(failed.len(), 1, "{doc:#}");
    assert!(
        failed[0]["call"]["printed"]["provider stdout"]
            .as_str()
            .is_some_and(|text| text.contains("sim stdout: apply")),
        "what the failing apply printed: {doc:#}"
    );
}
