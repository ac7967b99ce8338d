//! A scenario round as users run it, next to the engine's own round and the provider's own
//! work on the same deployment, in one run (issue 23: a default scenario round costs at most
//! 5× an in-process `reconcile` round with a memory store).
//!
//! Every round is the same: the desired image of `web` changes (nginx:1.25 ↔ nginx:1.26), so
//! the round calls `get` on a new provider, then `apply`s the 2-component step on another, and
//! the device changes. The throughput line counts rounds.
//! - `scenario_round/run defaults`: `Session::play` as `symphony-harness run` plays a scenario:
//!   every call in a supervised worker, the simulated device in a directory store in the run's
//!   scratch folder (`scenario::scratch_folder`: in memory), the device read after every step
//!   for the transcript.
//! - `…/in-process, directory store`, `…/isolated, memory store` and `…/in-process, memory
//!   store`: the defaults changed, to show what the store and the worker cost.
//! - `…/reconcile, in-process, memory store`: the engine's round alone (`Reconciler::reconcile`)
//!   on the same deployment, against the in-process simulator with its memory store.
//! - `…/provider work`: the 4 calls a round makes, without the engine: `create_provider`,
//!   `get`, `create_provider`, `apply` of the same step, in-process, memory store.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::planning::plan_deployment;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::engine::ProviderFactory;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::{BindingConfig, RoundDeployment, Symphony, TargetState};
use symphony_harness::scenario::{parse_scenario, scratch_folder, Scenario, Session};
use symphony_harness::worker::Backend;

/// Rounds per played scenario (each after a change of the desired image).
const ROUNDS: usize = 40;

fn target(image: &str, store: Option<&str>) -> Value {
    let mut config = json!({"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
                            "libHash": "any", "sim.device": "edge"});
    if let Some(store) = store {
        config["sim.store"] = json!(store);
    }
    json!({
        "metadata": {"name": "edge"},
        "spec": {
            "components": [
                {"name": "web", "type": "app", "properties": {"image": image}},
                {"name": "cache", "type": "app", "properties": {"image": "redis:7"}}
            ],
            "topologies": [{"bindings": [
                {"role": "app", "provider": "providers.target.rust", "config": config}
            ]}]
        }
    })
}

const IMAGES: [&str; 2] = ["nginx:1.26", "nginx:1.25"];

/// A scenario of [`ROUNDS`] rounds, each after a change of `web`'s image; `store` is the
/// binding's `sim.store` (absent: a directory of the run, as users get it).
fn scenario(store: Option<&str>) -> Scenario {
    let mut steps = vec![json!({"reconcile": {}})];
    for round in 0..ROUNDS {
        steps.push(json!({"changeComponent": {"name": "web",
                                              "properties": {"image": IMAGES[round % 2]}}}));
        steps.push(json!({"reconcile": {}}));
    }
    let text = json!({"description": "rounds after a change of the desired image",
                      "objects": {"target": target(IMAGES[1], store)}, "steps": steps});
    parse_scenario(&text.to_string(), Path::new("bench-round.json"))
        .expect("the bench scenario parses")
        .scenario
}

fn session(sim: &Path, in_process: bool) -> Session {
    let backend = Backend {
        in_process,
        worker_program: Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness"))),
        ..Backend::default()
    };
    Session::open(sim, backend).expect("a session on the simulator")
}

fn bench_scenarios(c: &mut Criterion, sim: &Path) {
    let mut group = c.benchmark_group("scenario_round");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(15));
    // Every reconcile step is one round: the first deploys, each later one follows a change.
    group.throughput(Throughput::Elements(ROUNDS as u64 + 1));
    let plays = [
        ("run defaults (isolated, directory store)", false, None),
        ("in-process, directory store", true, None),
        ("isolated, memory store", false, Some("memory")),
        ("in-process, memory store", true, Some("memory")),
    ];
    for (label, in_process, store) in plays {
        let scenario = scenario(store);
        let mut session = session(sim, in_process);
        // What is timed must be a clean, complete run, or the number means nothing.
        let scratch = scratch_folder("symphony-harness-run-").expect("scratch folder");
        let run = session.play(&scenario, scratch.path()).expect("plays");
        assert!(run.passed(), "{:?} {:?}", run.error, run.mismatches);
        group.bench_function(label, |b| {
            b.iter_batched(
                || scratch_folder("symphony-harness-run-").expect("scratch folder"),
                // The folder is removed outside the timing.
                |scratch| {
                    (
                        session.play(&scenario, scratch.path()).expect("plays"),
                        scratch,
                    )
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn bench_engine(c: &mut Criterion, sim: &Path) {
    let sim = sim.to_path_buf();
    let mut factory = InProcessFactory::with_resolver(Box::new(move |_: &str| sim.clone()));
    let deployments: Vec<_> = IMAGES
        .iter()
        .map(|image| {
            let target: TargetState =
                serde_json::from_value(target(image, Some("memory"))).expect("target");
            from_target(&target, "default").expect("deployment")
        })
        .collect();
    let mut group = c.benchmark_group("scenario_round");
    group.throughput(Throughput::Elements(1));
    let mut reconciler = Reconciler::new(Symphony::V049);
    let mut round = 0;
    group.bench_function("reconcile, in-process, memory store", |b| {
        b.iter(|| {
            round += 1;
            let report = reconciler
                .reconcile(&deployments[round % 2], false, &mut factory, &mut NoSink)
                .expect("round");
            assert_eq!(report.applied, 1, "{report:?}");
        })
    });

    // The same calls without the engine: the get plan's references and the apply step.
    let planned = plan_deployment(&deployments[0], None, Default::default(), false).expect("plan");
    let references = planned.get_plan[0].components.clone();
    let step = planned.plan[0].clone();
    let config: BindingConfig = serde_json::from_value(
        target(IMAGES[0], Some("memory"))["spec"]["topologies"][0]["bindings"][0]["config"].clone(),
    )
    .expect("config");
    let document = RoundDeployment::new(&serde_json::to_value(&deployments[0]).expect("json"));
    group.bench_function("provider work (2 creates, get, apply)", |b| {
        b.iter(|| {
            let got = factory
                .create(&config)
                .and_then(|mut p| p.get(&document.whole(), &references))
                .expect("get");
            let results = factory
                .create(&config)
                .and_then(|mut p| p.apply(&document.whole(), &step, false))
                .expect("apply");
            (got.len(), results.len())
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let sim = common::release_sim();
    bench_scenarios(c, &sim);
    bench_engine(c, &sim);
}

criterion_group!(scenario_round, benches);
criterion_main!(scenario_round);
