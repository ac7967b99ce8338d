//! Reconcile rounds of one Target with many components (1,000 to 64,000) against the
//! simulated provider in-process: the engine's cost per component, which must grow as
//! n log n at most (README, "Performance"). Measured for a first round on a new reconciler
//! (`get`, then the apply of one step with every component), and for a round on a reconciler
//! that has converged (`get`, then the skip check of every component).
//!
//! Memory per component is measured apart, by `examples/scale_memory.rs` (a process of its
//! own, so that its peak RSS is the round's alone).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::Symphony;

const SIZES: [usize; 4] = [1_000, 4_000, 16_000, 64_000];

fn benches(c: &mut Criterion) {
    let sim: PathBuf = common::release_sim();
    let mut factory = InProcessFactory::with_resolver(Box::new(move |_: &str| sim.clone()));
    let mut group = c.benchmark_group("scale");
    group.sampling_mode(SamplingMode::Flat);
    for n in SIZES {
        let target = common::scale_target(n, &format!("bench-scale-{n}"));
        let deployment = from_target(&target, "default").expect("deployment");
        group.throughput(Throughput::Elements(n as u64));
        // Criterion's minimum is 10 samples; the biggest rounds take about a second each.
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(if n > 10_000 { 20 } else { 5 }));
        group.bench_with_input(BenchmarkId::new("first_round", n), &n, |b, _| {
            b.iter(|| {
                let report = Reconciler::new(Symphony::V049)
                    .reconcile(&deployment, false, &mut factory, &mut NoSink)
                    .expect("round");
                assert_eq!(report.applied, 1, "{:?}", report.failure);
            })
        });
        let mut reconciler = Reconciler::new(Symphony::V049);
        let first = reconciler
            .reconcile(&deployment, false, &mut factory, &mut NoSink)
            .expect("round");
        assert_eq!(first.applied, 1, "{:?}", first.failure);
        group.bench_with_input(BenchmarkId::new("converged_round", n), &n, |b, _| {
            b.iter(|| {
                let report = reconciler
                    .reconcile(&deployment, false, &mut factory, &mut NoSink)
                    .expect("round");
                assert_eq!(report.skipped, 1, "{:?}", report.failure);
            })
        });
    }
    group.finish();
}

criterion_group!(scale, benches);
criterion_main!(scale);
