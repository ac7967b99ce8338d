//! Reconcile rounds of one Target with many components (2,000 to 64,000) against the
//! simulated provider in-process: the engine's cost per component, which must grow as
//! n log n at most (docs/performance.md). Measured for a first round on a new reconciler
//! (`get`, then the apply of one step with every component), and for a round on a reconciler
//! that has converged (`get`, then the skip check of every component).
//!
//! Before timing each size, one first round and one converged round run under a counting
//! allocator, and the peak of the harness's heap above what was allocated before them is
//! printed per component (`scale/<n>: … bytes per component`). The in-process simulator
//! allocates through its own allocator (it is a `cdylib`), so its device is not in that
//! figure; `examples/scale_memory.rs` measures the whole process (peak RSS) in a process of
//! its own.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::{DeploymentSpec, Symphony};

const SIZES: [usize; 4] = [2_000, 8_000, 32_000, 64_000];

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = IN_USE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak heap, per component, of a first and a converged round of `deployment` (`n`
/// components) on a new reconciler, above what the heap held before them.
fn peak_per_component(
    n: usize,
    deployment: &DeploymentSpec,
    factory: &mut InProcessFactory,
) -> usize {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut reconciler = Reconciler::new(Symphony::V049);
    for _ in 0..2 {
        let report = reconciler
            .reconcile(deployment, false, factory, &mut NoSink)
            .expect("round");
        assert!(report.failure.is_none(), "{:?}", report.failure);
    }
    drop(reconciler);
    (PEAK.load(Ordering::Relaxed) - before) / n
}

fn benches(c: &mut Criterion) {
    let sim: PathBuf = common::release_sim();
    let mut factory = InProcessFactory::with_resolver(Box::new(move |_: &str| sim.clone()));
    let mut group = c.benchmark_group("scale");
    group.sampling_mode(SamplingMode::Flat);
    for n in SIZES {
        let target = common::scale_target(n, &format!("bench-scale-{n}"));
        let deployment = from_target(&target, "default").expect("deployment");
        drop(target);
        let per_component = peak_per_component(n, &deployment, &mut factory);
        println!(
            "scale/{n}: peak harness heap of a first and a converged round: {per_component} \
             bytes per component"
        );
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
