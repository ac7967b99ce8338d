//! A full reconcile round through the engine, as Symphony runs it: `get` on a fresh provider
//! instance, then `apply` of the 2-component step on another, against the simulated provider
//! with its in-memory device; in-process versus isolated in a supervised worker.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::engine::ProviderFactory;
use symphony_harness::load::{InProcessFactory, LibFileResolver};
use symphony_harness::model::{Symphony, TargetState};
use symphony_harness::worker::{InstanceLifetime, SupervisorConfig, WorkerFactory};

fn resolver(sim: PathBuf) -> LibFileResolver {
    Box::new(move |_lib_file: &str| sim.clone())
}

fn benches(c: &mut Criterion) {
    let sim = common::release_sim();
    let target: TargetState = serde_json::from_value(json!({
        "metadata": {"name": "bench-target"},
        "spec": {
            "components": [
                {"name": "comp-a", "type": "w", "properties": {"image": "a:1", "replicas": 2}},
                {"name": "comp-b", "type": "w", "properties": {"image": "b:1"}, "dependencies": ["comp-a"]}
            ],
            "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                "config": {"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
                           "libHash": "any", "sim.device": "bench-round"}}]}]
        }
    }))
    .expect("target");
    let deployment = from_target(&target, "default").expect("deployment");

    let round = |factory: &mut dyn ProviderFactory| {
        // No stored state: Symphony calls `get`, then applies the step.
        let report = Reconciler::new(Symphony::V049)
            .reconcile(&deployment, false, factory, &mut NoSink)
            .expect("round");
        assert_eq!(report.applied, 1, "{report:?}");
    };

    let mut group = c.benchmark_group("reconcile_round");
    let mut in_process = InProcessFactory::with_resolver(resolver(sim.clone()));
    group.bench_function("in_process", |b| b.iter(|| round(&mut in_process)));
    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.call_timeout = Duration::from_secs(30);
    let mut isolated =
        WorkerFactory::new(config, resolver(sim)).lifetime(InstanceLifetime::Symphony);
    group.bench_function("isolated", |b| b.iter(|| round(&mut isolated)));
    group.finish();
}

criterion_group!(reconcile_round, benches);
criterion_main!(reconcile_round);
