//! `explore` throughput against the simulated provider users get (the copy embedded in the
//! binary, written out as `explore` without LIB does): cases of up to 8 operations per second,
//! in-process and isolated (every call in a supervised worker), one job, each run's scratch
//! folder where the command makes it (`scenario::scratch_folder`: in memory). Issue 23's
//! targets on the 2-core machine: 300 cases/s in-process and 150 cases/s isolated.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use symphony_harness::explore::{explore, ExploreOptions, ExploreReport};
use symphony_harness::scenario::scratch_folder;
use symphony_harness::subject::{Subject, SubjectSpec};

const CASES: usize = 100;

/// Settles the simulator (as the command does) and explores it: what the command times.
fn run(sim: &std::path::Path, scratch: PathBuf, in_process: bool) -> ExploreReport {
    let mut spec = SubjectSpec::library(sim);
    spec.backend.in_process = in_process;
    spec.backend.worker_program = Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    let subject = Subject::settle(&spec).expect("the simulator settles");
    let options = ExploreOptions {
        seed: 7,
        cases: CASES,
        scratch,
        ..ExploreOptions::default()
    };
    explore(&subject, &options, &|_| {}).expect("explore runs")
}

fn benches(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("cache folder");
    let bytes = symphony_harness::sim::embedded().expect("a harness built with the simulator");
    let sim = symphony_harness::sim::materialize_in(cache.path(), bytes)
        .expect("the simulator written out")
        .path;
    let mut group = c.benchmark_group("explore");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(CASES as u64));
    for (label, in_process) in [("in-process", true), ("isolated", false)] {
        // What is timed must be a clean, complete run, or the number means nothing.
        let scratch = scratch_folder("symphony-harness-explore-").expect("scratch folder");
        let report = run(&sim, scratch.path().to_path_buf(), in_process);
        assert!(report.passed(), "the clean simulator breaks an invariant");
        assert_eq!(report.played, CASES);
        group.bench_function(format!("simulated provider, {CASES} cases, {label}"), |b| {
            b.iter_batched(
                || scratch_folder("symphony-harness-explore-").expect("scratch folder"),
                |scratch| run(&sim, scratch.path().to_path_buf(), in_process),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(explore_benches, benches);
criterion_main!(explore_benches);
