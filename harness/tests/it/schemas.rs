//! Every command's JSON document is valid against its schema file in `docs/schemas/`, for
//! successful runs and failing ones alike: one shape whatever the input.

use serde_json::{json, Value};

use crate::support::{harness, lib, path_str, workspace_root, Lib};

/// Validates `document` against the schema its own `schema` field names.
pub fn assert_valid(document: &Value, case: &str) {
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

/// A schema file under `docs/schemas/`, compiled once per call site.
struct SchemaFile {
    file: &'static str,
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl SchemaFile {
    fn compile(file: &'static str) -> SchemaFile {
        let path = workspace_root().join("docs/schemas").join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let schema: Value =
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{file} is not JSON: {err}"));
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let location = format!("file://{}", path.display());
        compiler.add_resource(&location, schema).unwrap();
        let index = compiler
            .compile(&location, &mut schemas)
            .unwrap_or_else(|err| panic!("{file} does not compile: {err:#}"));
        SchemaFile {
            file,
            schemas,
            index,
        }
    }

    /// Why `document` is not valid, if it is not.
    fn errors(&self, document: &Value) -> Option<String> {
        self.schemas
            .validate(document, self.index)
            .err()
            .map(|err| format!("{err:#}"))
    }

    fn assert_valid(&self, document: &Value, case: &str) {
        if let Some(err) = self.errors(document) {
            panic!(
                "{case}: not valid against {}:\n{err}\n{document:#}",
                self.file
            );
        }
    }
}

fn scenario_files() -> Vec<std::path::PathBuf> {
    symphony_harness::scenario::scenario_files(&workspace_root().join("scenarios"))
        .expect("scenarios/ is readable")
}

#[test]
fn every_scenario_file_matches_the_scenario_schema() {
    let schema = SchemaFile::compile("scenario.v1.json");
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenario under scenarios/");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let document: Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{}: not JSON: {err}", file.display()));
        schema.assert_valid(&document, &file.display().to_string());
    }
}

/// Scenario texts both the schema and the parser accept: the schema is not stricter than the
/// parser on what scenarios are made of.
const ACCEPTED: [(&str, &str); 6] = [
    (
        "the smallest scenario",
        r#"{"description": "d", "objects": {"target": "targets/mock-target.json"},
            "steps": [{"reconcile": {}}]}"#,
    ),
    (
        "a `false` flag is no action, so the step's one action is `reconcile`",
        r#"{"description": "d", "objects": {"target": "targets/mock-target.json"},
            "steps": [{"reconcile": {}, "clearFaults": false, "restartWorker": false}]}"#,
    ),
    (
        "every step key once, and every expectation",
        r#"{
  "$schema": "../docs/schemas/scenario.v1.json",
  "description": "d",
  "seed": 42,
  "provider": {"hash": "any", "config": {"sim.latencyMs": "0"}, "symphony": "0.48",
               "instances": "reuse", "host": "harness", "isolation": "in-process",
               "stateStore": "persistent"},
  "objects": {"targets": ["targets/mock-target.json"]},
  "stored": {"deployed": ["mock-component"]},
  "steps": [
    {"reconcile": {"untilConverged": 3, "dryRun": true, "targetName": "mock-target"},
     "note": "n", "on": "mock-target",
     "expect": {"rounds": 3, "converged": true, "convergedWithin": 1,
                "neverConverges": {"component": "c", "entry": "*", "key": "image"},
                "updates": [], "deletes": [], "skips": ["mock-component"],
                "reasons": {"mock-component": "skip"},
                "calls": [{"call": "get", "target": "mock-target", "components": ["mock-component"],
                           "outcome": "ok"},
                          {"call": "apply", "dryRun": true}],
                "outcome": "symphony",
                "failure": {"stage": "apply", "messageContains": "x", "indeterminate": false},
                "results": {"mock-component": {"status": 8004, "messageContains": ""}},
                "device": {"mock-component": {}, "other": {"properties": {"a": 1}}},
                "stored": {"state": "not-saved-dry-run", "components": []},
                "leftAfterRemoval": [],
                "summary": {"targetCount": 1, "successCount": 0, "plannedDeployment": 1,
                            "currentDeployed": 1, "allAssignedDeployed": true,
                            "skipped": false, "isRemoval": false, "message": "",
                            "targets": {"mock-target": {"status": "OK", "message": "",
                                        "components": {"mock-component": {"status": 8004}}}}}}},
    {"reconcile": {"rounds": 2}},
    {"addComponent": {"name": "web", "type": "app", "properties": {"image": "nginx"}}},
    {"changeComponent": {"name": "web", "properties": {"image": "nginx:2", "old": null},
                         "type": "app", "dependencies": []}},
    {"removeComponent": "web"},
    {"device": {"setProperty": {"component": "mock-component", "property": "p", "value": [1]}}},
    {"device": {"deleteProperty": {"component": "mock-component", "property": "p"}}},
    {"device": {"addComponent": {"component": {"name": "foreign"}}}},
    {"device": {"deleteComponent": {"component": "foreign"}}},
    {"device": {"replace": {"components": []}}},
    {"fault": {"call": "apply", "effect": "fail-component", "component": "c", "message": "m",
               "times": "always"}},
    {"fault": {"call": "get", "effect": "latency", "ms": 5, "times": 2}},
    {"fault": {"call": "get_validation_rule", "effect": "zero-rule"}},
    {"clearFaults": true},
    {"restartWorker": true},
    {"restartSymphony": true},
    {"setObjects": {"target": "targets/my-target.json"}},
    {"remove": {}}
  ]
}"#,
    ),
    (
        "Symphony's own stored state, empty in Go's names",
        r#"{"description": "d", "objects": {"target": "targets/mock-target.json"},
            "stored": {"spec": {}, "state": {"Components": [], "Targets": [], "TargetComponent": {}}},
            "steps": [{"remove": {}}]}"#,
    ),
    (
        "Symphony's own stored state as Go stores it, capitalised keys and all",
        r#"{"description": "d", "objects": {"target": "targets/mock-target.json"},
            "stored": {"Spec": {}, "State": {
              "Components": [{"name": "mock-component", "type": "example_type"}],
              "Targets": [{"Name": "mock-target", "Spec": {}}],
              "TargetComponent": {"mock-component::mock-target": "example_type"}}},
            "steps": [{"reconcile": {}}]}"#,
    ),
    (
        "the harness's camelCase stored state",
        r#"{"description": "d", "objects": {"target": "targets/mock-target.json"},
            "stored": {"spec": {}, "state": {"components": [], "targets": [{"name": "t", "spec": null}],
                                             "targetComponent": {}}},
            "steps": [{"reconcile": {}}]}"#,
    ),
];

/// Scenario texts both refuse: the case, the text, and where and what the parser says.
const REFUSED: [(&str, &str, (usize, usize), &str); 14] = [
    (
        "a misspelt key in a stored state copied from Symphony",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"stored\": {\"spec\": {}, \"state\": {\"Components\": [], \"TargetComponnet\": {}}},\n \"steps\": [{\"reconcile\": {}}]}",
        (2, 69),
        "unknown field `TargetComponnet`, expected one of `Components`, `Targets`, `TargetComponent`",
    ),
    (
        "a stored state with nothing in it",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"stored\": {\"spec\": {}, \"state\": {}},\n \"steps\": [{\"reconcile\": {}}]}",
        (2, 34),
        "`stored.state` holds nothing",
    ),
    (
        "an unknown state store",
        "{\"description\": \"d\", \"provider\": {\"stateStore\": \"redis\"},\n \"objects\": {\"target\": \"targets/mock-target.json\"}, \"steps\": [{\"reconcile\": {}}]}",
        (1, 55),
        "unknown variant `redis`, expected `memory` or `persistent`",
    ),
    (
        "no steps",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": []}",
        (2, 2),
        "the scenario has no steps",
    ),
    (
        "a billion rounds",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [{\"reconcile\": {\"rounds\": 1000000000}}]}",
        (2, 12),
        "at most 10000",
    ),
    (
        "two actions in one step",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [\n  {\"reconcile\": {}, \"remove\": {}}\n ]}",
        (3, 3),
        "a step does one thing; this one has `reconcile`, `remove`",
    ),
    (
        "a step with no action",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [{\"note\": \"n\", \"clearFaults\": false}]}",
        (2, 12),
        "a step does nothing",
    ),
    (
        "an unknown step key",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [{\"reconcle\": {}}]}",
        (2, 22),
        "unknown field `reconcle`",
    ),
    (
        "an unknown top-level key",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"step\": []}",
        (2, 7),
        "unknown field `step`",
    ),
    (
        "no objects",
        "{\"description\": \"d\",\n \"steps\": []\n}",
        (3, 1),
        "missing field `objects`",
    ),
    (
        "objects without a target",
        "{\"description\": \"d\",\n \"objects\": {\"targets\": []}, \"steps\": []}",
        (2, 13),
        "the objects name no target",
    ),
    (
        "both `rounds` and `untilConverged`",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [{\"reconcile\": {\"rounds\": 2, \"untilConverged\": 3}}]}",
        (2, 12),
        "`reconcile` takes `rounds` (exactly) or `untilConverged` (at most), not both",
    ),
    (
        "an `omit` fault without its component",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"steps\": [{\"fault\": {\"call\": \"get\", \"effect\": \"omit\"}}]}",
        (2, 12),
        "effect `omit` needs a `component`",
    ),
    (
        "a stored state both Symphony's and `deployed`",
        "{\"description\": \"d\", \"objects\": {\"target\": \"targets/mock-target.json\"},\n \"stored\": {\"spec\": {}, \"state\": {}, \"deployed\": []}, \"steps\": []}",
        (2, 12),
        "a stored state is either Symphony's `spec` and `state`, or `deployed`",
    ),
];

#[test]
fn the_scenario_schema_and_the_parser_accept_and_refuse_the_same_texts() {
    use symphony_harness::scenario::{parse_scenario, ScenarioError};
    let schema = SchemaFile::compile("scenario.v1.json");
    // Paths in the texts resolve from the scenario's folder, as for a file in `scenarios/`.
    let path = workspace_root().join("scenarios/made-up.json");
    for (case, text) in ACCEPTED {
        let document: Value = serde_json::from_str(text).unwrap();
        schema.assert_valid(&document, case);
        if let Err(err) = parse_scenario(text, &path) {
            panic!("{case}: the parser refuses it: {err} ({:?})", err.hint());
        }
    }
    for (case, text, (line, column), message) in REFUSED {
        let document: Value = serde_json::from_str(text).unwrap();
        assert!(
            schema.errors(&document).is_some(),
            "{case}: the schema accepts it"
        );
        match parse_scenario(text, &path) {
            Ok(_) => panic!("{case}: the parser accepts it"),
            Err(ScenarioError::Invalid {
                line: found_line,
                column: found_column,
                message: found,
                ..
            }) => {
                assert_eq!(
                    (found_line, found_column),
                    (line, column),
                    "{case}: position of `{found}`"
                );
                assert!(found.contains(message), "{case}: message `{found}`");
            }
            Err(other) => panic!("{case}: not a positioned error: {other}"),
        }
    }
}

/// A Target bound to the simulated provider, inline in a scenario file.
const SIM_TARGET: &str = r#"{"metadata": {"name": "edge"}, "spec": {
  "components": [{"name": "web", "type": "app", "properties": {"image": "nginx:1.25"}}],
  "topologies": [{"bindings": [{"role": "app", "provider": "providers.target.rust",
    "config": {"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
               "libHash": "any", "sim.device": "edge"}}]}]}}"#;

#[test]
fn run_documents_match_their_schema_for_the_corpus_and_for_each_way_a_scenario_fails() {
    let schema = SchemaFile::compile("run.v1.json");
    let sim = lib(Lib::Sim);
    let corpus = workspace_root().join("scenarios");
    let doc = json_of(
        &[
            "run",
            path_str(&corpus),
            "--no-bundles",
            "--simulator",
            path_str(&sim),
            "--format",
            "json",
        ],
        0,
        "corpus",
    );
    assert_valid(&doc, "run corpus");
    schema.assert_valid(&doc, "run corpus");
    let entries = doc["scenarios"].as_array().unwrap();
    assert_eq!(entries.len(), scenario_files().len(), "{doc:#}");
    assert_eq!(doc["failed"], 0);
    assert!(entries
        .iter()
        .all(|entry| entry["transcript"]["steps"].is_array()));

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, provider: &str, steps: &str| {
        let text = format!(
            r#"{{"description": "{name}", {provider} "objects": {{"target": {SIM_TARGET}}}, "steps": {steps}}}"#
        );
        std::fs::write(dir.path().join(format!("{name}.json")), text).unwrap();
    };
    write(
        "a-expectation-fails",
        "",
        r#"[{"reconcile": {}, "expect": {"updates": ["db"], "outcome": "ok"}}]"#,
    );
    write(
        "b-stops-early",
        "",
        r#"[{"reconcile": {}}, {"removeComponent": "db"}, {"reconcile": {}}]"#,
    );
    write(
        "c-cannot-play",
        r#""provider": {"library": "missing.so"},"#,
        r#"[{"reconcile": {}}]"#,
    );
    let bundles = dir.path().join("bundles");
    let doc = json_of(
        &[
            "run",
            path_str(dir.path()),
            "--bundles",
            path_str(&bundles),
            "--simulator",
            path_str(&sim),
            "--format",
            "json",
        ],
        // `c-cannot-play`'s library cannot be read: 1, as in every command (exit_codes.rs).
        1,
        "failing",
    );
    assert_valid(&doc, "run failing");
    schema.assert_valid(&doc, "run failing");
    assert_eq!(
        (doc["passed"].clone(), doc["failed"].clone()),
        (json!(0), json!(3))
    );
    let [mismatch, stopped, unplayable] = [0, 1, 2].map(|i| &doc["scenarios"][i]);
    assert_eq!(
        mismatch["mismatches"][0]["what"], "expect.updates",
        "{doc:#}"
    );
    assert!(mismatch["bundle"].is_string(), "{doc:#}");
    let stop = stopped["failures"][0].as_str().unwrap();
    assert!(stop.starts_with("stopped before its end: step 2"), "{stop}");
    assert_eq!(stopped["transcript"]["steps"].as_array().unwrap().len(), 2);
    let cannot = unplayable["failures"][0].as_str().unwrap();
    assert!(cannot.starts_with("could not be played:"), "{cannot}");
    assert_eq!(unplayable.get("transcript"), None);
    // A bundle's scenario is a scenario file too.
    let bundled = bundles.join("a-expectation-fails/scenario.json");
    let bundled: Value = serde_json::from_str(&std::fs::read_to_string(bundled).unwrap()).unwrap();
    SchemaFile::compile("scenario.v1.json").assert_valid(&bundled, "a bundle's scenario.json");
}

// ---- The reconcile document's transcript: its one record of the calls (issue 19). ----

/// Asserts that the transcript holds the document's rounds (then its removal), each with
/// its calls, and that no round of the document records its calls a second time; returns
/// the transcript's rounds.
fn assert_transcript_holds_the_rounds(doc: &Value, case: &str) -> Vec<Value> {
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
        assert!(
            round.get("calls").is_none(),
            "{case}: round {} records its calls beside the transcript",
            round["round"]
        );
        let calls = recorded["events"]
            .as_array()
            .unwrap_or_else(|| panic!("no events in {recorded:#}"))
            .iter()
            .filter(|event| event.get("call").is_some())
            .count();
        assert!(calls > 0, "{case}: round {} made no call", round["round"]);
    }
    transcript
}

#[test]
fn the_reconcile_transcript_is_the_one_record_of_the_calls_for_the_tutorial_target() {
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
    let transcript = assert_transcript_holds_the_rounds(&doc, "tutorial");
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
    let transcript = assert_transcript_holds_the_rounds(&doc, "failed");
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

#[test]
fn check_documents_match_their_schema_passing_failing_and_unreadable() {
    let sim = lib(Lib::Sim);
    let doc = json_of(
        &["check", path_str(&sim), "--format", "json"],
        0,
        "check clean sim",
    );
    assert_valid(&doc, "check clean sim");
    let checks = doc["libraries"][0]["checks"].as_array().unwrap();
    assert_eq!(
        checks.len(),
        symphony_harness::check::CATALOG.len(),
        "every check has an entry: {doc:#}"
    );
    // A failing check, with evidence, beside a library that cannot be read: one document.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.so");
    let doc = json_of(
        &[
            "check",
            path_str(&sim),
            path_str(&missing),
            "--config",
            "sim.bugs=ignore-delete",
            "--only",
            "delete",
            "--format",
            "json",
        ],
        1,
        "check failing",
    );
    assert_valid(&doc, "check failing");
    let failed = &doc["libraries"][0]["checks"][0];
    assert_eq!(
        (failed["id"].as_str(), failed["status"].as_str()),
        (Some("delete.removes"), Some("fail")),
        "{doc:#}"
    );
    assert!(!failed["evidence"].as_array().unwrap().is_empty());
    assert_eq!(doc["libraries"][1]["passed"], false);
    assert!(doc["libraries"][1]["unreadable"].is_string(), "{doc:#}");
    assert_eq!(doc["passed"], false);
}

#[test]
fn diff_documents_match_their_schema_with_no_change_and_with_regressions() {
    let sim = lib(Lib::Sim);
    let skeleton = lib(Lib::Skeleton);
    let quick = [
        "--only",
        "apply.converges",
        "--cases",
        "1",
        "--no-save",
        "--format",
        "json",
    ];
    let same = json_of(
        &[&["diff", path_str(&sim), path_str(&sim)][..], &quick[..]].concat(),
        0,
        "diff same",
    );
    assert_valid(&same, "diff same");
    let regressed = json_of(
        &[
            &["diff", path_str(&sim), path_str(&skeleton)][..],
            &quick[..],
        ]
        .concat(),
        12,
        "diff skeleton",
    );
    assert_valid(&regressed, "diff skeleton");
    assert!(regressed["counts"]["regressed"].as_u64().unwrap() > 0);
}
