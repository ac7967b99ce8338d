//! The suite proves itself, and tells the truth. For every bug in the simulated provider's
//! catalog (`sim-provider/src/bugs.rs`) the check designed for it fails (or warns) on the
//! simulator with that bug and names the problem; the clean simulator fails no check. And
//! for every bug and every fixture library, the whole report is true to its evidence: each
//! fact that decides several checks is a cause stated once, the checks it decided print no
//! symptom or fix of their own, no claim contradicts what the calls showed (issue 20).

use serde_json::Value;

use crate::support::{harness, lib, path_str, workspace_root, Lib};

/// A bug of the catalog: the check designed for it, the status it gets, the extra binding
/// config the bug needs to show, and text the finding's message (or evidence) holds.
struct BugRow {
    bug: &'static str,
    id: &'static str,
    status: &'static str,
    extra: &'static [&'static str],
    names: &'static str,
}

const fn row(
    bug: &'static str,
    id: &'static str,
    status: &'static str,
    extra: &'static [&'static str],
    names: &'static str,
) -> BugRow {
    BugRow {
        bug,
        id,
        status,
        extra,
        names,
    }
}

const TABLE: &[BugRow] = &[
    // A `get` that echoes its references: Symphony deploys once and never repairs; a warning.
    row("lying-get", "get.empty-device", "warn", &[], "asked about"),
    row("ignore-delete", "delete.removes", "fail", &[], "still"),
    // Under the default rule (`*`, skipIfMissing) Symphony ignores the counter: a warning.
    row("unstable-property", "get.stable", "warn", &[], "observedAt"),
    row(
        "drop-property",
        "rule.compared-are-reported",
        "fail",
        &["sim.changeDetection=replicas"],
        "replicas",
    ),
    row(
        "dry-run-mutates",
        "dry-run.no-change",
        "fail",
        &[],
        "dry run",
    ),
    row("panic-on-get", "errors.edge-inputs", "fail", &[], "panic"),
    row("panic-on-apply", "errors.edge-inputs", "fail", &[], "panic"),
    row(
        "hang-on-apply",
        "errors.edge-inputs",
        "fail",
        &[],
        "timeout",
    ),
    row("empty-error", "errors.message", "fail", &[], "empty"),
    row(
        "incomplete-results",
        "apply.results-complete",
        "fail",
        &[],
        "result",
    ),
    row(
        "status-lies",
        "apply.statuses-truthful",
        "fail",
        &["sim.failComponents=apply-statuses-truthful-1"],
        "apply-statuses-truthful-1",
    ),
    row(
        "instance-state",
        "lifecycle.new-instances",
        "fail",
        &[],
        "new provider",
    ),
    row(
        "wrong-type",
        "get.types-preserved",
        "fail",
        &[],
        "example_type-wrong",
    ),
    row(
        "extra-components",
        "get.only-referenced",
        "fail",
        &[],
        "get-only-referenced-",
    ),
    row(
        "stringify-numbers",
        "rendering.numbers-and-case",
        "fail",
        &[],
        "1e+06",
    ),
    row(
        "case-change",
        "rendering.numbers-and-case",
        "fail",
        &["sim.changeDetection=*"],
        "MIXEDCASE",
    ),
    row("racy", "lifecycle.concurrent", "fail", &[], "overwrote"),
    row("null-create", "load.create", "fail", &[], "no provider"),
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
    let mut tabled: Vec<String> = TABLE.iter().map(|row| row.bug.to_string()).collect();
    tabled.sort();
    assert_eq!(tabled, documented);
    for row in TABLE {
        assert!(
            symphony_harness::check::catalog::find(row.id).is_some(),
            "no check `{}`",
            row.id
        );
    }
}

/// `check --format json` of `library` with `args` added; the document and the exit code.
fn check_json(library: &std::path::Path, args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["check", path_str(library), "--format", "json"];
    all.extend_from_slice(args);
    let run = harness(&all);
    let doc = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "`check {}`: no JSON ({err}): {}",
            args.join(" "),
            run.stderr
        )
    });
    (doc, run.code)
}

/// A check of a report, by id.
fn check_of<'a>(doc: &'a Value, id: &str) -> Option<&'a Value> {
    doc["libraries"][0]["checks"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Claims no report may make whatever the evidence: `build.models` is never a parse failure
/// (Symphony's host parses, not the provider), no hint points at text "above", a `get` that
/// leaves a property out does not show the device runs without it, and a provider Symphony
/// cannot create has no `get` or `apply` called.
const NEVER: &[&str] = &[
    "fails to parse",
    "fails to read the deployment",
    "missing field",
    "printed above",
    "the device runs without it while",
    "every `get` and `apply` of",
];

/// Everything in `doc` (one library's report) that is not true to its own evidence, a line
/// each; `what` names the report.
fn contradictions(what: &str, doc: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let library = &doc["libraries"][0];
    let whole = doc.to_string();
    for claim in NEVER {
        if whole.contains(claim) {
            wrong.push(format!("{what}: the report says {claim:?}"));
        }
    }
    let causes = library["causes"].as_array().cloned().unwrap_or_default();
    for cause in &causes {
        if text(&cause["seen"]).is_empty() || text(&cause["symphony"]).is_empty() {
            wrong.push(format!("{what}: a cause without what was seen: {cause}"));
        }
    }
    for check in library["checks"].as_array().into_iter().flatten() {
        let id = text(&check["id"]);
        let status = text(&check["status"]);
        let message = text(&check["message"]);
        let evidence = check["evidence"].to_string();
        let texts = format!("{} {}", text(&check["symptom"]), text(&check["fix"]));
        match check.get("cause").map(text) {
            Some(cause) => {
                // A cause's texts are said once, with the cause: none of the check's own.
                if check.get("symptom").is_some() || check.get("fix").is_some() {
                    wrong.push(format!(
                        "{what}: `{id}` decided by `{cause}` has texts: {check}"
                    ));
                }
                if !causes.iter().any(|c| c["id"] == cause) {
                    wrong.push(format!("{what}: `{id}` names cause `{cause}`, not listed"));
                }
                if status == "skip" && !message.starts_with("not judged: ") {
                    wrong.push(format!("{what}: `{id}`: {message}"));
                }
            }
            None if matches!(status, "fail" | "warn")
                && (check.get("symptom").is_none() || check.get("fix").is_none()) =>
            {
                wrong.push(format!("{what}: `{id}` {status} without texts"));
            }
            None => {}
        }
        // The row's texts of a check are only printed for its own failure.
        if texts.contains("fails in the get phase")
            && !(evidence.contains("get [") && evidence.contains("-> error"))
        {
            wrong.push(format!(
                "{what}: `{id}` says the get phase fails, but no `get` failed: {evidence}"
            ));
        }
        if texts.contains("aborts the whole") && !message.contains("panic") {
            wrong.push(format!(
                "{what}: `{id}` claims an abort without a panic: {message}"
            ));
        }
        if id == "dry-run.no-change" && status == "fail" {
            let before_dry_run = check["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .find(|line| line.starts_with("step 1 round 1: get"));
            if before_dry_run.is_some_and(|line| line.contains("returned [dry-run-no-change-1")) {
                wrong.push(format!(
                    "{what}: `{id}` says the dry run deployed, but `get` reported the component \
                     before it: {evidence}"
                ));
            }
        }
        // A `get` that never reports what was deployed cannot show what a dry run did.
        if id == "dry-run.no-change"
            && status == "pass"
            && causes.iter().any(|c| c["id"] == "get-misses-applied")
        {
            wrong.push(format!(
                "{what}: `{id}` passes on a `get` that never reports what was deployed: {message}"
            ));
        }
        if id == "delete.removes"
            && status == "fail"
            && !evidence.contains("returned [delete-removes-1]")
            && !evidence.contains("expect.device")
        {
            wrong.push(format!(
                "{what}: `{id}` says the delete left the component, but nothing ever showed it: \
                 {evidence}"
            ));
        }
    }
    wrong
}

/// The bugs, each played through the whole suite (a hang through the checks that show it:
/// every timed-out call costs the deadline), `jobs` at a time.
fn each_bug(run: impl Fn(&BugRow) -> Vec<String> + Sync) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut wrong = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(row) = TABLE.get(index) else {
                            return wrong;
                        };
                        wrong.extend(run(row));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a table worker"))
            .collect()
    })
}

#[test]
fn every_bug_fails_its_check_naming_it_and_no_verdict_contradicts_its_evidence() {
    let sim = lib(Lib::Sim);
    let wrong = each_bug(|row| {
        let bugs = format!("sim.bugs={}", row.bug);
        let mut args = vec!["--config", bugs.as_str()];
        for config in row.extra {
            args.extend(["--config", config]);
        }
        // Every timed-out call costs its deadline: a short one, and the checks that show it.
        // (Other bugs keep the default deadline: a loaded machine must not time them out.)
        if row.bug == "hang-on-apply" {
            args.extend([
                "--call-timeout",
                "2s",
                "--only",
                "errors",
                "--only",
                "apply.converges",
            ]);
        }
        let (doc, code) = check_json(&sim, &args);
        let mut wrong = contradictions(row.bug, &doc);
        let Some(check) = check_of(&doc, row.id) else {
            wrong.push(format!("{}: `{}` did not run", row.bug, row.id));
            return wrong;
        };
        let said = format!("{} {}", text(&check["message"]), check["evidence"]);
        if check["status"] != row.status {
            wrong.push(format!(
                "{}: `{}` is {} (exit {code:?}), not {}: {}",
                row.bug, row.id, check["status"], row.status, check["message"]
            ));
        } else if !said.contains(row.names) {
            wrong.push(format!(
                "{}: `{}` does not name `{}`: {said}",
                row.bug, row.id, row.names
            ));
        }
        // A bug that leaves Symphony no provider at all exits as `load` does for it (5), as
        // every command does; every other failing check exits 10.
        let expected_code = match (row.id, row.status) {
            ("load.create", _) => 5,
            (_, "fail") => 10,
            _ => 0,
        };
        if code != Some(expected_code) {
            wrong.push(format!("{}: exit {code:?}, not {expected_code}", row.bug));
        }
        wrong
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_panic_in_apply_is_named_by_every_failure_and_stated_once_first() {
    let sim = lib(Lib::Sim);
    let (doc, code) = check_json(&sim, &["--config", "sim.bugs=panic-on-apply"]);
    assert_eq!(code, Some(10));
    let library = &doc["libraries"][0];
    for cause in library["causes"].as_array().unwrap() {
        assert_eq!(cause["id"], "apply-panic", "{cause}");
        assert!(text(&cause["seen"]).contains("panic"), "{cause}");
    }
    let failures: Vec<&Value> = library["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(!failures.is_empty());
    for failure in failures {
        assert!(
            text(&failure["message"]).contains("panic"),
            "every FAIL names the panic: {failure}"
        );
    }
    let human = harness(&[
        "check",
        path_str(&sim),
        "--config",
        "sim.bugs=panic-on-apply",
    ]);
    let first_section = human
        .stdout
        .lines()
        .find(|line| !line.is_empty() && !line.starts_with(' ') && !line.contains("sha256"));
    assert_eq!(
        first_section,
        Some("causes: each decides several checks below"),
        "{}",
        human.stdout
    );
    assert_eq!(
        human.stdout.matches("symphony-api process aborts").count(),
        1,
        "the cause's consequence is said once: {}",
        human.stdout
    );
}

#[test]
fn deny_warnings_fails_a_device_that_drops_a_property() {
    let sim = lib(Lib::Sim);
    let bug = [
        "--config",
        "sim.bugs=drop-property",
        "--only",
        "get.round-trip",
    ];
    let (doc, code) = check_json(&sim, &bug);
    assert_eq!(code, Some(0), "a warning alone passes: {doc}");
    let mut denied = bug.to_vec();
    denied.push("--deny-warnings");
    let (doc, code) = check_json(&sim, &denied);
    assert_eq!(code, Some(10), "{doc}");
    let check = check_of(&doc, "get.round-trip").expect("get.round-trip ran");
    assert_eq!(check["status"], "warn");
    assert!(text(&check["message"]).contains("`replicas`"), "{check}");
}

/// Each fixture library, its causes' ids, and the exit code: a library Symphony gets no
/// provider from exits as `load` does for it (4 not a provider, 5 NULL or a load that never
/// ends), a failed check 10.
const FIXTURES: &[(Lib, &[&str], i32)] = &[
    (Lib::NotProvider, &["no-provider"], 4),
    (Lib::NullProvider, &["no-provider"], 5),
    (Lib::OldAbi, &["no-provider"], 4),
    (Lib::EchoConfig, &["apply-error"], 10),
    (Lib::LoopInit, &["create-provider-timeout"], 5),
    (Lib::Skeleton, &["get-misses-applied"], 10),
    (Lib::Symphony014, &["get-reports-unapplied"], 0),
];

#[test]
fn every_fixture_is_judged_by_its_causes_and_no_verdict_contradicts_its_evidence() {
    let mut wrong = Vec::new();
    for (which, causes, exit) in FIXTURES {
        let library = lib(*which);
        let what = format!("{which:?}");
        // Loading `LoopInit` never ends: a short deadline; the others keep the default one.
        let deadline: &[&str] = if *which == Lib::LoopInit {
            &["--call-timeout", "2s"]
        } else {
            &[]
        };
        let (doc, code) = check_json(&library, deadline);
        wrong.extend(contradictions(&what, &doc));
        let ids: Vec<&str> = doc["libraries"][0]["causes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| text(&c["id"]))
            .collect();
        if ids != *causes {
            wrong.push(format!("{what}: causes {ids:?}, not {causes:?}"));
        }
        if code != Some(*exit) {
            wrong.push(format!("{what}: exit {code:?}, not {exit}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_provider_built_on_0_1_4_fails_nothing_and_is_never_said_to_fail_parsing() {
    let library = lib(Lib::Symphony014);
    let (doc, code) = check_json(&library, &[]);
    assert_eq!(code, Some(0), "{doc}");
    let checks = doc["libraries"][0]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] != "fail"), "{doc:#}");
    let models = check_of(&doc, "build.models").unwrap();
    assert_eq!(models["status"], "pass", "{models}");
    assert!(
        text(&models["message"]).contains("checked against Symphony 0.49")
            && text(&models["message"]).contains("so it runs"),
        "{models}"
    );
    let notes = models["notes"].to_string();
    assert!(notes.contains("`deployment.solution_name`"), "{notes}");
    assert!(notes.contains("symphony = \\\"=0.1.4\\\""), "{notes}");
    // Checked as the release it was built for, the models match.
    let (doc, _) = check_json(&library, &["--only", "build.models", "--symphony", "0.48"]);
    let models = check_of(&doc, "build.models").unwrap();
    assert_eq!(models["status"], "pass");
    assert!(models.get("notes").is_none(), "{models}");
    assert_eq!(doc["libraries"][0]["symphony"], "0.48");
}

#[test]
fn the_null_providers_message_is_said_at_most_twice() {
    let library = lib(Lib::NullProvider);
    let run = harness(&["check", path_str(&library)]);
    assert_eq!(run.code, Some(5), "as `load` exits: {}", run.stderr);
    let said = run.stdout.matches("backend unavailable").count();
    assert!(
        (1..=2).contains(&said),
        "said {said} times:\n{}",
        run.stdout
    );
    // Each check it decided says so in one short line.
    let skips: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("SKIP") && !l.contains("SKIP build."))
        .collect();
    assert!(!skips.is_empty());
    for line in &skips {
        assert!(
            line.ends_with("not judged: Symphony gets no provider (cause `no-provider`)"),
            "{line}"
        );
    }
    // The summary says how many were not judged, and that the cause fails the run.
    assert!(
        run.stdout.contains(&format!(
            "skipped ({} of them not judged, for 1 failing cause)",
            skips.len()
        )),
        "{}",
        run.stdout
    );
}
