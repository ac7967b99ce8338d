//! Provider call costs: one `get` + `apply` step round of a 2-component step, Symphony-style
//! (a new provider instance per call, the round's deployment document built once, as the
//! engine keeps it for an unchanged deployment), in-process versus isolated in a supervised
//! worker; and the raw worker round-trip of one call on a reused instance.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use symphony_harness::engine::ProviderFactory;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::{BindingConfig, ComponentStep, DeploymentStep, RoundDeployment};
use symphony_harness::worker::{InstanceLifetime, SupervisorConfig, WorkerFactory};

fn worker_factory(lifetime: InstanceLifetime) -> WorkerFactory {
    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.call_timeout = Duration::from_secs(30);
    WorkerFactory::new(config, Box::new(|f: &str| PathBuf::from(f))).lifetime(lifetime)
}

fn benches(c: &mut Criterion) {
    let sim = common::release_sim();
    let mut config = BindingConfig::new(sim.to_str().expect("utf-8"), "any", "bench");
    config.insert("sim.device", "bench");
    let deployment = common::wire("deployment.json");
    let references: Vec<ComponentStep> =
        serde_json::from_value(common::wire("references.json")).expect("references");
    let step: DeploymentStep = serde_json::from_value(common::wire("step.json")).expect("step");

    // One round's document, shared by its two calls, as the engine sends it. It is built
    // once: rounds of an unchanged deployment send the same document (the engine keeps it),
    // and building it costs more than the calls.
    let document = RoundDeployment::new(&deployment);
    let round = |factory: &mut dyn ProviderFactory| {
        let got = factory
            .create(&config)
            .and_then(|mut p| p.get(&document.whole(), &references))
            .expect("get");
        let results = factory
            .create(&config)
            .and_then(|mut p| p.apply(&document.whole(), &step, false))
            .expect("apply");
        (got.len(), results.len())
    };

    let mut group = c.benchmark_group("step_round");
    let mut in_process = InProcessFactory::new();
    group.bench_function("in_process", |b| b.iter(|| round(&mut in_process)));
    let mut isolated = worker_factory(InstanceLifetime::Symphony);
    group.bench_function("isolated", |b| b.iter(|| round(&mut isolated)));
    group.finish();

    let mut group = c.benchmark_group("in_process_parts");
    let mut factory = InProcessFactory::new();
    group.bench_function("create", |b| {
        b.iter(|| factory.create(&config).expect("create"))
    });
    // Calls within a round: the round's document is already parsed.
    let mut provider = factory.create(&config).expect("create");
    group.bench_function("get", |b| {
        b.iter(|| provider.get(&document.whole(), &references).expect("get"))
    });
    group.bench_function("apply", |b| {
        b.iter(|| {
            provider
                .apply(&document.whole(), &step, false)
                .expect("apply")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("one_call");
    let mut in_process = InProcessFactory::new();
    let mut provider = in_process.create(&config).expect("create");
    group.bench_function("in_process_get_validation_rule", |b| {
        b.iter(|| provider.get_validation_rule().expect("rule"))
    });
    let mut isolated = worker_factory(InstanceLifetime::Reuse);
    let mut provider = isolated.create(&config).expect("create");
    group.bench_function("worker_round_trip_get_validation_rule", |b| {
        b.iter(|| provider.get_validation_rule().expect("rule"))
    });
    group.finish();
}

criterion_group!(provider_calls, benches);
criterion_main!(provider_calls);
