//! The whole conformance suite (`run_checks`, every check of the catalog) on the release
//! simulated provider, isolated as `symphony-harness check` runs it: every call in a supervised
//! worker, each check with its own workers and device. The target is under 5 s on the 2-core
//! machine.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use symphony_harness::check::{run_checks, CheckOptions, Status};
use symphony_harness::subject::SubjectSpec;

fn options(scratch: PathBuf) -> CheckOptions {
    CheckOptions {
        only: Vec::new(),
        skip: Vec::new(),
        scratch,
    }
}

fn benches(c: &mut Criterion) {
    let mut sim = SubjectSpec::library(common::release_sim());
    sim.backend.worker_program = Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    // What is timed must be a clean, complete run, or the number means nothing.
    let scratch = tempfile::tempdir().expect("scratch folder");
    let report = run_checks(&sim, &options(scratch.path().to_path_buf()), &mut |_| {});
    assert!(report.passed(false), "the clean simulator fails a check");
    assert_eq!(report.count(Status::Fail), 0);

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("simulated provider, every check, isolated", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("scratch folder"),
            |scratch| run_checks(&sim, &options(scratch.path().to_path_buf()), &mut |_| {}),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(check, benches);
criterion_main!(check);
