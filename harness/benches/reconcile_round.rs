//! Full reconcile rounds through the engine, as Symphony runs them: `get` on a fresh provider
//! instance, then `apply` of the 2-component step on another, against the simulated provider
//! with its in-memory device; in-process versus isolated in a supervised worker. Measured
//! for a first round on a new reconciler, and for rounds in a row on one reconciler.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::engine::{CallError, Provider, ProviderFactory};
use symphony_harness::load::{InProcessFactory, LibFileResolver};
use symphony_harness::model::{
    BindingConfig, CallDeployment, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep,
    Symphony, TargetState, ValidationRule,
};
use symphony_harness::worker::{InstanceLifetime, SupervisorConfig, WorkerFactory};

fn resolver(sim: PathBuf) -> LibFileResolver {
    Box::new(move |_lib_file: &str| sim.clone())
}

/// A provider that does nothing (reports what it is asked about, applies nothing): with it,
/// a round measures the engine alone.
struct Idle;

impl Provider for Idle {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        Ok(ValidationRule::default())
    }

    fn get(
        &mut self,
        _deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        Ok(references.iter().map(|r| (*r.component).clone()).collect())
    }

    fn apply(
        &mut self,
        _deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        _dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        let done = |name: &String| {
            let result = ComponentResult {
                status: 8004,
                message: String::new(),
            };
            (name.clone(), result)
        };
        Ok(step
            .components
            .iter()
            .map(|c| done(&c.component.name))
            .collect())
    }
}

impl ProviderFactory for Idle {
    fn create(&mut self, _config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        Ok(Box::new(Idle))
    }
}

fn benches(c: &mut Criterion) {
    let sim = common::release_sim();
    let target: TargetState = serde_json::from_value(json!({
        "metadata": {"name": "bench-target"},
        "spec": {
            "components": [
                {"name": "comp-a", "type": "w", "properties": {"image": "a:1", "replicas": 2}},
                {"name": "comp-b", "type": "w", "properties": {"image": "b:1"}}
            ],
            "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                "config": {"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
                           "libHash": "any", "sim.device": "bench-round"}}]}]
        }
    }))
    .expect("target");
    let deployment = from_target(&target, "default").expect("deployment");

    // A first round on a new reconciler: nothing stored, nothing derived from the deployment
    // yet. Symphony calls `get`, then applies the step.
    let first_round = |factory: &mut dyn ProviderFactory| {
        let report = Reconciler::new(Symphony::V049)
            .reconcile(&deployment, false, factory, &mut NoSink)
            .expect("round");
        assert_eq!(report.applied, 1, "{report:?}");
    };
    // Rounds on one reconciler, as `reconcile` and the explorer run them: deploy, then remove
    // (`get`, then the step deleting both components), again and again. Two rounds per
    // iteration; the throughput line counts rounds.
    let deploy_and_remove = |reconciler: &mut Reconciler, factory: &mut dyn ProviderFactory| {
        for remove in [false, true] {
            let report = reconciler
                .reconcile(&deployment, remove, factory, &mut NoSink)
                .expect("round");
            assert_eq!(report.applied, 1, "remove: {remove} {report:?}");
        }
    };

    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.call_timeout = Duration::from_secs(30);
    let mut isolated =
        WorkerFactory::new(config, resolver(sim.clone())).lifetime(InstanceLifetime::Symphony);
    let mut in_process = InProcessFactory::with_resolver(resolver(sim));

    let mut group = c.benchmark_group("reconcile_round");
    group.throughput(Throughput::Elements(1));
    group.bench_function("in_process", |b| b.iter(|| first_round(&mut in_process)));
    group.bench_function("isolated", |b| b.iter(|| first_round(&mut isolated)));
    group.finish();

    let mut group = c.benchmark_group("reconcile_rounds");
    group.throughput(Throughput::Elements(2));
    let mut reconciler = Reconciler::new(Symphony::V049);
    group.bench_function("in_process", |b| {
        b.iter(|| deploy_and_remove(&mut reconciler, &mut in_process))
    });
    let mut reconciler = Reconciler::new(Symphony::V049);
    group.bench_function("isolated", |b| {
        b.iter(|| deploy_and_remove(&mut reconciler, &mut isolated))
    });
    let mut reconciler = Reconciler::new(Symphony::V049);
    group.bench_function("engine_only", |b| {
        b.iter(|| deploy_and_remove(&mut reconciler, &mut Idle))
    });
    group.finish();
}

criterion_group!(reconcile_round, benches);
criterion_main!(reconcile_round);
