//! `explore` against the simulated provider: each catalog bug that breaks an invariant is
//! found with a fixed seed and the default budget, shrunk to at most 6 operations, and the
//! scenario written for it fails the same way under `run`; the clean provider passes 2,000
//! cases; the same seed repeats a run whatever the jobs, partitions split it, saved failures
//! are tried first.

use std::path::{Path, PathBuf};

use symphony_harness::exit_code;
use symphony_harness::explore::{explore, ExploreOptions, ExploreReport};
use symphony_harness::jobs::Partition;
use symphony_harness::subject::{Subject, SubjectSpec};

use crate::support::{harness, lib, path_str, Lib};

/// Options exploring with seed 1, the default budget, failures saved under
/// `scratch/failures`.
fn options(scratch: &Path) -> ExploreOptions {
    ExploreOptions {
        seed: 1,
        scratch: scratch.to_path_buf(),
        failures: Some(scratch.join("failures")),
        ..ExploreOptions::default()
    }
}

/// How the simulated provider is explored: its binding config, and whether in this process.
#[derive(Clone, Copy)]
struct Sim<'a> {
    config: &'a [(&'a str, &'a str)],
    in_process: bool,
}

/// The clean simulator in worker processes.
const ISOLATED: Sim<'static> = Sim {
    config: &[],
    in_process: false,
};

/// The clean simulator in this process.
const IN_PROCESS: Sim<'static> = Sim {
    config: &[],
    in_process: true,
};

fn explore_sim(sim: Sim<'_>, options: &ExploreOptions) -> ExploreReport {
    let mut spec = SubjectSpec::library(lib(Lib::Sim));
    spec.config = sim
        .config
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    spec.backend.in_process = sim.in_process;
    spec.backend.worker_program = Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    let subject = Subject::settle(&spec).unwrap_or_else(|err| panic!("settle: {err}"));
    explore(&subject, options, &|_| {}).unwrap_or_else(|err| panic!("explore: {err}"))
}

/// Explores the simulator with `sim.bugs=bug` (and `extra` config) and asserts the failure:
/// found, shrunk to at most 6 operations, breaking `invariant`, and its written scenario
/// failing under `run` on the same invariant.
fn finds(bug: &str, extra: &[(&str, &str)], invariant: &str) {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut config = vec![("sim.bugs", bug)];
    config.extend_from_slice(extra);
    let sim = Sim {
        config: &config,
        in_process: false,
    };
    let report = explore_sim(sim, &options(scratch.path()));
    let Some(failure) = &report.failure else {
        panic!(
            "{bug}: no invariant broken in {} cases (coverage {:?})",
            report.played, report.coverage
        );
    };
    assert!(
        failure.operations <= 6,
        "{bug}: shrunk to {} operations:\n{}",
        failure.operations,
        failure.history.join("\n")
    );
    let whats: Vec<&str> = failure.mismatches.iter().map(|m| m.what.as_str()).collect();
    assert!(
        whats.contains(&format!("expect.{invariant}").as_str()),
        "{bug}: broke {whats:?}, not {invariant}\n{}",
        failure.history.join("\n")
    );
    assert!(
        failure.reproduced,
        "{bug}: the written scenario did not reproduce"
    );
    let file = failure
        .scenario_file
        .as_ref()
        .unwrap_or_else(|| panic!("{bug}: no scenario file written"));
    let run = harness(&["run", path_str(file)]);
    assert_eq!(
        run.code,
        Some(exit_code::SCENARIO_FAILED),
        "{bug}: `run` of the written scenario:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("expect.{invariant}")),
        "{bug}: `run` does not name {invariant}:\n{}",
        run.stdout
    );
}

#[test]
fn lying_get_is_found() {
    // `get` echoes what it is asked: after a removal it still "has" everything.
    finds("lying-get", &[], "leftAfterRemoval");
}

#[test]
fn ignore_delete_is_found() {
    finds("ignore-delete", &[], "appliedOnDevice");
}

#[test]
fn unstable_property_under_a_rule_that_compares_it_is_found() {
    finds(
        "unstable-property",
        &[("sim.changeDetection", "*")],
        "converged",
    );
}

#[test]
fn drop_property_is_found() {
    finds("drop-property", &[], "appliedOnDevice");
}

#[test]
fn dry_run_mutates_is_found() {
    finds("dry-run-mutates", &[], "deviceUnchanged");
}

#[test]
fn instance_state_is_found() {
    finds("instance-state", &[], "appliedOnDevice");
}

#[test]
fn extra_components_is_found() {
    finds("extra-components", &[], "reportsOnlyReferenced");
}

#[test]
fn stringify_numbers_is_found() {
    finds("stringify-numbers", &[], "converged");
}

#[test]
fn panic_on_apply_is_found() {
    finds("panic-on-apply", &[], "soundCalls");
}

#[test]
fn status_lies_is_found() {
    finds("status-lies", &[], "appliedOnDevice");
}

#[test]
fn empty_error_and_incomplete_results_are_found_too() {
    finds("empty-error", &[], "soundCalls");
    finds("incomplete-results", &[], "resultsComplete");
}

#[test]
fn the_clean_simulator_passes_2000_cases_and_the_search_is_not_empty() {
    let scratch = tempfile::tempdir().expect("scratch");
    let options = ExploreOptions {
        cases: 2000,
        jobs: 2,
        ..options(scratch.path())
    };
    let report = explore_sim(IN_PROCESS, &options);
    assert!(
        report.passed(),
        "the clean simulator broke an invariant: {:#?}",
        report.failure
    );
    assert_eq!((report.planned, report.played), (2000, 2000));
    let c = report.coverage;
    for (what, count) in [
        ("updates", c.updates),
        ("deletes", c.deletes),
        ("skips", c.skips),
        ("dry runs", c.dry_runs),
        ("removals", c.removals),
        ("drift", c.drift),
        ("faults", c.faults),
        ("failed rounds", c.failed_rounds),
        ("restarts", c.restarts),
    ] {
        assert!(count >= 50, "only {count} {what} in 2000 cases: {c:?}");
    }
    assert!(
        !scratch.path().join("failures").exists(),
        "a passing run wrote failures"
    );
}

#[test]
fn isolated_cases_crash_workers_on_purpose_and_the_clean_simulator_survives_them() {
    let scratch = tempfile::tempdir().expect("scratch");
    let options = ExploreOptions {
        cases: 120,
        ..options(scratch.path())
    };
    let report = explore_sim(ISOLATED, &options);
    assert!(report.passed(), "{:#?}", report.failure);
    assert!(
        report.coverage.crashes > 0,
        "no panic fault played: {:?}",
        report.coverage
    );
}

#[test]
fn the_same_seed_repeats_the_run_whatever_the_jobs_and_partitions_split_it() {
    let scratch = tempfile::tempdir().expect("scratch");
    let base = ExploreOptions {
        cases: 60,
        failures: None,
        ..options(scratch.path())
    };
    let one = explore_sim(IN_PROCESS, &base);
    let two = explore_sim(
        IN_PROCESS,
        &ExploreOptions {
            jobs: 2,
            ..base.clone()
        },
    );
    assert_eq!(one.coverage, two.coverage);
    assert_eq!(one.operations, two.operations);
    let halves: Vec<ExploreReport> = [1, 2]
        .into_iter()
        .map(|index| {
            explore_sim(
                IN_PROCESS,
                &ExploreOptions {
                    partition: Some(Partition { index, count: 2 }),
                    ..base.clone()
                },
            )
        })
        .collect();
    assert_eq!(halves[0].planned + halves[1].planned, 60);
    let mut sum = halves[0].coverage;
    sum.add(&halves[1].coverage);
    assert_eq!(
        sum, one.coverage,
        "the halves together are not the whole run"
    );
    let other_seed = explore_sim(
        IN_PROCESS,
        &ExploreOptions {
            seed: 2,
            ..base.clone()
        },
    );
    assert_ne!(
        other_seed.coverage, one.coverage,
        "the seed changes nothing"
    );

    // A failure: the same case, shrunk the same way, with one job or two.
    let buggy = Sim {
        config: &[("sim.bugs", "stringify-numbers")],
        in_process: true,
    };
    let a = explore_sim(buggy, &base);
    let b = explore_sim(buggy, &ExploreOptions { jobs: 2, ..base });
    let (Some(a), Some(b)) = (a.failure, b.failure) else {
        panic!("stringify-numbers not found");
    };
    assert_eq!((a.case, &a.history), (b.case, &b.history));
}

#[test]
fn a_saved_failure_is_tried_first_and_passes_once_the_bug_is_gone() {
    let scratch = tempfile::tempdir().expect("scratch");
    let buggy = Sim {
        config: &[("sim.bugs", "drop-property")],
        in_process: false,
    };
    let first = explore_sim(buggy, &options(scratch.path()));
    let Some(found) = &first.failure else {
        panic!("drop-property not found");
    };
    assert_eq!(found.found_by, "search");
    let bundle = found.bundle.clone().expect("a bundle");
    assert!(bundle.join("case.json").is_file());

    let again = explore_sim(buggy, &options(scratch.path()));
    assert_eq!(again.retried.len(), 1);
    assert!(again.retried[0].still_fails);
    let failure = again.failure.expect("the saved failure still fails");
    assert_eq!(failure.found_by, "saved");
    assert_eq!(
        again.played, 0,
        "the search ran although a saved failure fails"
    );

    let fixed = explore_sim(
        ISOLATED,
        &ExploreOptions {
            cases: 20,
            ..options(scratch.path())
        },
    );
    assert_eq!(fixed.retried.len(), 1);
    assert!(!fixed.retried[0].still_fails, "{:?}", fixed.retried);
    assert!(fixed.passed());
    assert_eq!(fixed.played, 20);
}

#[test]
fn the_command_writes_the_scenario_reports_json_and_junit_and_exits_11() {
    let scratch = tempfile::tempdir().expect("scratch");
    let failures = scratch.path().join("failures");
    let sim = lib(Lib::Sim);
    let args = [
        "explore",
        path_str(&sim),
        "--config",
        "sim.bugs=drop-property",
        "--seed",
        "3",
        "--failures",
        path_str(&failures),
    ];
    let human = harness(&args);
    assert_eq!(
        human.code,
        Some(exit_code::INVARIANT_BROKEN),
        "{}",
        human.stderr
    );
    // The library and every flag that changes the cases: the line repeats this very search.
    let repeat = format!(
        "repeat the search: symphony-harness explore {} --config sim.bugs=drop-property --seed 3",
        path_str(&sim)
    );
    for text in [
        "invariant broken",
        "expect.appliedOnDevice",
        "reproduce: symphony-harness run ",
        repeat.as_str(),
        "coverage: ",
    ] {
        assert!(
            human.stdout.contains(text),
            "no `{text}` in:\n{}",
            human.stdout
        );
    }

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json", "--no-persist"]);
    let json = harness(&json_args);
    assert_eq!(json.code, Some(exit_code::INVARIANT_BROKEN));
    let document = json.json();
    crate::schemas::assert_valid(&document, "explore failure");
    assert_eq!(document["failure"]["foundBy"], "search");

    let clean = harness(&[
        "explore",
        path_str(&sim),
        "--seed",
        "3",
        "--cases",
        "10",
        "--in-process",
        "--no-persist",
        "--format",
        "json",
    ]);
    assert_eq!(clean.code, Some(exit_code::SUCCESS), "{}", clean.stderr);
    crate::schemas::assert_valid(&clean.json(), "explore pass");

    let mut junit_args = args.to_vec();
    junit_args.extend(["--format", "junit", "--no-persist"]);
    let junit = harness(&junit_args);
    assert_eq!(junit.code, Some(exit_code::INVARIANT_BROKEN));
    assert!(junit.stdout.contains("<failure"), "{}", junit.stdout);
    assert!(junit.stdout.contains("expect.appliedOnDevice"));
}

#[test]
fn bad_flags_are_refused_with_what_to_write() {
    let partition = harness(&["explore", "--partition", "1/2"]);
    assert_eq!(partition.code, Some(exit_code::USAGE));
    assert!(partition.stderr.contains("--seed"), "{}", partition.stderr);
    let weight = harness(&["explore", "--weight", "nope=1"]);
    assert_eq!(weight.code, Some(exit_code::USAGE));
    assert!(weight.stderr.contains("reconcile"), "{}", weight.stderr);
    let zero: Vec<String> = symphony_harness::explore::OpKind::ALL
        .iter()
        .flat_map(|kind| ["--weight".to_string(), format!("{}=0", kind.name())])
        .collect();
    let mut args = vec!["explore".to_string()];
    args.extend(zero);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let none = harness(&args);
    assert_eq!(none.code, Some(exit_code::USAGE));
    assert!(
        none.stderr.contains("nothing can be drawn"),
        "{}",
        none.stderr
    );
    // Nothing to play is refused, not reported as a clean run.
    for flag in ["--cases", "--max-steps"] {
        let zero = harness(&["explore", flag, "0", "--seed", "1"]);
        assert_eq!(
            zero.code,
            Some(exit_code::USAGE),
            "{flag} 0: {}",
            zero.stderr
        );
        assert!(!zero.stdout.contains("ok"), "{flag} 0: {}", zero.stdout);
    }
}

#[test]
fn a_kind_weighted_zero_is_never_drawn_and_the_others_still_are() {
    use symphony_harness::explore::OpKind;
    let scratch = tempfile::tempdir().expect("scratch");
    let mut options = ExploreOptions {
        cases: 40,
        failures: None,
        ..options(scratch.path())
    };
    options.shape.weights.insert(OpKind::Drift, 0);
    options.shape.weights.insert(OpKind::Fault, 0);
    let report = explore_sim(IN_PROCESS, &options);
    assert!(report.passed(), "{:#?}", report.failure);
    assert_eq!((report.coverage.drift, report.coverage.faults), (0, 0));
    assert!(!report.operations.contains_key("drift"));
    assert!(!report.operations.contains_key("fault"));
    assert!(
        report.operations["reconcile"] > 0,
        "{:?}",
        report.operations
    );
}

/// `symphony-harness explore` of `which`, with `--cases 3`.
fn explore_fixture(which: Lib) -> crate::support::Run {
    harness(&[
        "explore",
        path_str(&lib(which)),
        "--cases",
        "3",
        "--no-persist",
    ])
}

#[test]
fn a_library_symphony_cannot_create_a_provider_from_exits_as_load_does() {
    for (which, code, says) in [
        (
            Lib::NotProvider,
            exit_code::INCOMPATIBLE,
            "is not a Symphony provider",
        ),
        (Lib::OldAbi, exit_code::INCOMPATIBLE, "old provider ABI"),
        (Lib::NullProvider, exit_code::LOAD_FAILED, "returned NULL"),
    ] {
        let run = explore_fixture(which);
        assert_eq!(run.code, Some(code), "{which:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{which:?}: {}", run.stderr);
        assert!(run.stderr.contains("\nhint: "), "{which:?}: {}", run.stderr);
    }
}

#[test]
fn the_repeat_line_names_the_library_and_its_flags_and_replays_the_same_run() {
    let sim = lib(Lib::Sim);
    // No `--seed`: the line printed first is the only way back to this run.
    let first = harness(&[
        "explore",
        path_str(&sim),
        "--config",
        "sim.bugs=lying-get",
        "--cases",
        "12",
        "--max-steps",
        "5",
        "--weight",
        "drift=0",
        "--no-persist",
        "--format",
        "json",
    ]);
    let line = first
        .stderr
        .lines()
        .find_map(|l| l.split_once("(repeat this run with `"))
        .map(|(_, rest)| rest.trim_end_matches("`)").to_string())
        .unwrap_or_else(|| panic!("no repeat line: {}", first.stderr));
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(
        &words[..3],
        ["symphony-harness", "explore", path_str(&sim)],
        "{line}"
    );
    for flag in [
        "--config sim.bugs=lying-get",
        "--cases 12",
        "--max-steps 5",
        "--weight drift=0",
        "--seed ",
    ] {
        assert!(line.contains(flag), "`{flag}` not in `{line}`");
    }
    let mut again: Vec<&str> = words[1..].to_vec();
    again.extend(["--no-persist", "--format", "json"]);
    let second = harness(&again);
    assert_eq!(second.code, first.code, "{}", second.stderr);
    let (first, second) = (first.json(), second.json());
    assert_eq!(first["repeat"], line.as_str());
    assert_eq!(second, first, "the same run, case for case");
}
