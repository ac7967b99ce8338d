//! The simulated provider, loaded as a user's library is: through the harness loader (and, in a
//! child process, through the `symphony` crate's own host functions). Every behaviour, fault and
//! bug of issue 4 has a test here; the device channel is the ground truth.
//!
//! Bugs that kill the process (`panic-on-get`, `panic-on-apply`, `hang-on-apply`) and the
//! Symphony-host round trip run in a child process: this test binary re-runs itself with
//! `--exact sim::child_entry` and `SIM_IT_CHILD` set (see [`child_entry`]).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, OnceLock};

use serde_json::{json, Value};
use symphony_harness::engine::{CallError, Provider};
use symphony_harness::load::{
    DeviceCall, DeviceChannel, DeviceError, ExpectedHash, InProcessProvider, LoadError,
    LoadOptions, LoadedLibrary, Placement, SymphonyHost,
};
use symphony_harness::model::{
    go_json, BindingConfig, ComponentAction, ComponentResult, ComponentSpec, ComponentStep,
    DeploymentStep, RoundDeployment, ValidationRule,
};

use crate::support::{lib, workspace_root, Lib};

const UPDATED: u16 = 8004;
const DELETED: u16 = 8005;
const UPDATE_FAILED: u16 = 8001;
const DELETE_FAILED: u16 = 8002;
const OK: u16 = 200;

// ---------------------------------------------------------------------------------------------
// Helpers

fn library() -> Arc<LoadedLibrary> {
    static LIBRARY: OnceLock<Arc<LoadedLibrary>> = OnceLock::new();
    let options = LoadOptions {
        expected_hash: ExpectedHash::Any,
        force: false,
        placement: Placement::InProcess,
    };
    Arc::clone(LIBRARY.get_or_init(|| LoadedLibrary::open_path(&lib(Lib::Sim), &options).unwrap()))
}

fn channel() -> DeviceChannel {
    DeviceChannel::open(&library()).unwrap()
}

/// A binding config for device `device`, plus `keys`.
fn config(device: &str, keys: &[(&str, &str)]) -> BindingConfig {
    let mut config = BindingConfig::new("/extensions/libsymphony_sim_provider.so", "any", "sim");
    config.insert("sim.device", device);
    for (key, value) in keys {
        config.insert(key, value);
    }
    config
}

/// A new provider, as Symphony makes for every call.
fn provider(config: &BindingConfig) -> InProcessProvider {
    InProcessProvider::create(&library(), config).unwrap()
}

fn wire(name: &str) -> Value {
    let path = workspace_root()
        .join("harness/tests/data/wire-0.49")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn deployment() -> Value {
    wire("deployment.json")
}

/// The sample deployment as one round's document.
fn document() -> RoundDeployment {
    RoundDeployment::from(deployment())
}

fn component(name: &str, properties: Value) -> ComponentSpec {
    serde_json::from_value(
        json!({ "name": name, "type": "rust-workload", "properties": properties }),
    )
    .unwrap()
}

fn steps(action: ComponentAction, components: &[ComponentSpec]) -> Vec<ComponentStep> {
    components
        .iter()
        .map(|component| ComponentStep {
            action,
            component: std::sync::Arc::new(component.clone()),
        })
        .collect()
}

fn step(action: ComponentAction, components: &[ComponentSpec]) -> DeploymentStep {
    DeploymentStep {
        target: "rust-target".into(),
        components: steps(action, components),
        role: "rust-workload".into(),
        is_first: true,
    }
}

fn apply(
    config: &BindingConfig,
    action: ComponentAction,
    components: &[ComponentSpec],
    dry_run: bool,
) -> Result<BTreeMap<String, ComponentResult>, CallError> {
    provider(config).apply(&document().whole(), &step(action, components), dry_run)
}

fn update(
    config: &BindingConfig,
    components: &[ComponentSpec],
) -> BTreeMap<String, ComponentResult> {
    apply(config, ComponentAction::Update, components, false).unwrap()
}

fn get(
    config: &BindingConfig,
    references: &[ComponentSpec],
) -> Result<Vec<ComponentSpec>, CallError> {
    provider(config).get(
        &document().whole(),
        &steps(ComponentAction::Update, references),
    )
}

fn names(components: &[ComponentSpec]) -> Vec<&str> {
    components.iter().map(|c| c.name.as_str()).collect()
}

fn on_device(config: &BindingConfig) -> Vec<String> {
    channel()
        .snapshot(config)
        .unwrap()
        .names()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn statuses(results: &BTreeMap<String, ComponentResult>) -> Vec<(&str, u16)> {
    results
        .iter()
        .map(|(name, r)| (name.as_str(), r.status))
        .collect()
}

fn a() -> ComponentSpec {
    component("comp-a", json!({"image": "nginx:1.25", "replicas": 2}))
}

fn b() -> ComponentSpec {
    component("comp-b", json!({"image": "redis:7"}))
}

fn c() -> ComponentSpec {
    component("comp-c", json!({"image": "postgres:16"}))
}

// ---------------------------------------------------------------------------------------------
// The device, healthy

#[test]
fn apply_then_get_on_a_new_instance_returns_the_component_as_stored() {
    let config = config("healthy-roundtrip", &[]);
    let full: ComponentSpec = serde_json::from_value(json!({
        "name": "web", "type": "rust-workload",
        "metadata": {"owner": "team-a"},
        "properties": {"image": "nginx:1.25", "replicas": 1000000, "env": {"A": "1"},
                       "ports": [80, 443], "debug": false, "note": null},
        "sidecars": [{"name": "log", "type": "fluent", "properties": {"level": "info"}}],
        "dependencies": ["db"]
    }))
    .unwrap();
    let results = update(&config, std::slice::from_ref(&full));
    assert_eq!(statuses(&results), [("web", UPDATED)]);
    // A fresh provider, as Symphony makes for every call, reads it back exactly.
    let got = get(&config, std::slice::from_ref(&full)).unwrap();
    assert_eq!(got, std::slice::from_ref(&full));
    assert_eq!(
        channel().snapshot(&config).unwrap().component("web"),
        Some(&full)
    );
}

#[test]
fn get_returns_only_referenced_components_that_exist() {
    let config = config("healthy-referenced", &[]);
    channel().write(&config, &[a(), b()]).unwrap();
    let got = get(&config, &[a(), c()]).unwrap();
    assert_eq!(names(&got), ["comp-a"]);
}

#[test]
fn delete_removes_and_deleting_a_missing_component_succeeds() {
    let config = config("healthy-delete", &[]);
    update(&config, &[a(), b()]);
    let results = apply(&config, ComponentAction::Delete, &[a(), c()], false).unwrap();
    assert_eq!(
        statuses(&results),
        [("comp-a", DELETED), ("comp-c", DELETED)]
    );
    assert_eq!(on_device(&config), ["comp-b"]);
}

#[test]
fn dry_run_checks_required_properties_and_changes_nothing() {
    let config = config("healthy-dry-run", &[("sim.requiredProperties", "image")]);
    let results = apply(&config, ComponentAction::Update, &[a(), b()], true).unwrap();
    assert_eq!(statuses(&results), [("comp-a", OK), ("comp-b", OK)]);
    assert!(on_device(&config).is_empty());

    let no_image = component("comp-x", json!({"replicas": 1}));
    for dry_run in [true, false] {
        let err = apply(
            &config,
            ComponentAction::Update,
            &[a(), no_image.clone()],
            dry_run,
        )
        .unwrap_err();
        let CallError::Error { message } = &err else {
            panic!("expected an error, got {err:?}");
        };
        assert!(
            message.contains("component `comp-x` misses required property `image`"),
            "{message}"
        );
        assert!(
            on_device(&config).is_empty(),
            "dry run {dry_run} changed the device"
        );
    }
}

#[test]
fn apply_checks_the_required_component_type() {
    let config = config("healthy-type", &[("sim.componentType", "rust-workload")]);
    update(&config, &[a()]);
    let mut other = b();
    other.component_type = "container".into();
    let err = apply(&config, ComponentAction::Update, &[other], false).unwrap_err();
    assert!(
        err.to_string()
            .contains("component `comp-b` has type `container`, expected `rust-workload`"),
        "{err}"
    );
    assert_eq!(on_device(&config), ["comp-a"]);
}

#[test]
fn validation_rule_is_the_default_unless_configured() {
    let default: ValidationRule = serde_json::from_value(
        serde_json::to_value(symphony::models::ValidationRule::default()).unwrap(),
    )
    .unwrap();
    let mut plain = provider(&config("rule-default", &[]));
    assert_eq!(plain.get_validation_rule().unwrap(), default);

    let mut configured = provider(&config(
        "rule-configured",
        &[
            ("sim.componentType", "rust-workload"),
            ("sim.requiredProperties", "image, replicas"),
            (
                "sim.changeDetection",
                "image,env.*/ignoreCase/skipIfMissing",
            ),
        ],
    ));
    let rule = configured.get_validation_rule().unwrap();
    assert_eq!(rule.required_type, "rust-workload");
    let component_rule = &rule.component_validation_rule;
    assert_eq!(component_rule.required_type, "rust-workload");
    assert_eq!(component_rule.required_properties, ["image", "replicas"]);
    let detection: Vec<(&str, bool, bool)> = component_rule
        .change_detection
        .iter()
        .map(|p| (p.name.as_str(), p.ignore_case, p.skip_if_missing))
        .collect();
    assert_eq!(detection, [("image", false, false), ("env.*", true, true)]);
    // The rest stays as in the default rule.
    assert_eq!(rule.allow_sidecar, default.allow_sidecar);
    assert_eq!(
        rule.sidecar_validation_rule,
        default.sidecar_validation_rule
    );
}

#[test]
fn devices_with_different_ids_are_apart() {
    let one = config("apart-1", &[]);
    let two = config("apart-2", &[]);
    update(&one, &[a()]);
    assert!(get(&two, &[a()]).unwrap().is_empty());
    assert_eq!(names(&get(&one, &[a()]).unwrap()), ["comp-a"]);
}

#[test]
fn directory_store_keeps_the_documented_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap();
    let config = config("edge-file", &[("sim.store", store)]);
    update(&config, &[a()]);
    // The state document: components (and armed faults).
    let text = std::fs::read_to_string(dir.path().join("edge-file.json")).unwrap();
    let state: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(state["format"], "symphony-sim-device/2");
    assert_eq!(state["device"], "edge-file");
    assert_eq!(
        state["components"]["comp-a"]["spec"]["properties"]["replicas"],
        2
    );
    assert_eq!(state["components"]["comp-a"]["hiddenForGets"], 0);
    assert_eq!(state.get("calls"), None, "the counter is in the header");
    // The header, the first line of the lock file: the call counter.
    let header = std::fs::read_to_string(dir.path().join("edge-file.lock")).unwrap();
    assert!(
        header.starts_with("symphony-sim-store/1 calls=00000000000000000001 "),
        "{header}"
    );
    // The journal: one JSON line per call (then spaces, where later lines will go).
    let journal = std::fs::read_to_string(dir.path().join("edge-file.journal")).unwrap();
    let lines: Vec<Value> = journal
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["op"], "apply");
    // The channel's snapshot puts them together, as before.
    let snapshot = channel().snapshot(&config).unwrap();
    assert_eq!((snapshot.calls, snapshot.journal.len()), (1, 1));
    // The same device in memory is another device.
    assert!(on_device(&self::config("edge-file", &[])).is_empty());
}

/// `n` threads, each with its own provider instance, apply one component `c<i>` at the same
/// moment; each must report it applied.
fn apply_one_each_at_once(config: &BindingConfig, n: usize) {
    let barrier = Barrier::new(n);
    std::thread::scope(|scope| {
        for i in 0..n {
            let barrier = &barrier;
            scope.spawn(move || {
                let one = component(&format!("c{i}"), json!({"i": i}));
                let mut provider = provider(config);
                barrier.wait();
                let results = provider
                    .apply(
                        &document().whole(),
                        &step(ComponentAction::Update, &[one]),
                        false,
                    )
                    .unwrap();
                assert_eq!(
                    results[&format!("c{i}")].status,
                    UPDATED,
                    "reported applied"
                );
            });
        }
    });
}

#[test]
fn concurrent_instances_and_threads_lose_no_update_in_either_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap().to_string();
    for (device, keys) in [
        ("concurrent-memory", vec![]),
        ("concurrent-dir", vec![("sim.store", store.as_str())]),
    ] {
        let config = config(device, &keys);
        apply_one_each_at_once(&config, 8);
        let snapshot = channel().snapshot(&config).unwrap();
        assert_eq!(snapshot.components.len(), 8, "{device}");
        assert_eq!(snapshot.calls, 8, "{device}");
    }
}

#[test]
fn bad_config_values_make_create_provider_return_null() {
    let cases = [
        ("sim.store", "relative/dir"),
        ("sim.seed", "x"),
        ("sim.latencyMs", "9-1"),
        ("sim.failRate", "2"),
        ("sim.failRat", "0.5"),
        ("sim.slowRate", "-1"),
        ("sim.driftRate", "often"),
        ("sim.visibleAfterGets", "-1"),
        ("sim.capacity", "none"),
        ("sim.changeDetection", "image/strict"),
        ("sim.bugs", "lying-gets"),
        ("sim.device", "../escape"),
    ];
    for (key, value) in cases {
        let err = InProcessProvider::create(&library(), &config("bad-config", &[(key, value)]))
            .unwrap_err();
        assert!(
            matches!(err, LoadError::NullProvider { .. }),
            "{key}={value}: {err:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The device channel

#[test]
fn channel_writes_behind_the_providers_back_in_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap();
    for config in [
        config("channel-memory", &[]),
        config("channel-dir", &[("sim.store", store)]),
    ] {
        channel().write(&config, &[a(), b()]).unwrap();
        assert_eq!(
            names(&get(&config, &[a(), b()]).unwrap()),
            ["comp-a", "comp-b"]
        );
        channel().write(&config, &[b()]).unwrap();
        assert_eq!(names(&get(&config, &[a(), b()]).unwrap()), ["comp-b"]);
        let snapshot = channel().snapshot(&config).unwrap();
        assert_eq!(snapshot.calls, 2, "writes are not calls");
        assert_eq!(snapshot.journal.len(), 2);
        // The components alone, as the snapshot holds them.
        let components = channel().components(&config).unwrap();
        assert_eq!(components, snapshot.components);
        assert_eq!(components.keys().collect::<Vec<_>>(), ["comp-b"]);
    }
}

#[test]
fn a_channel_whose_marker_names_another_abi_is_refused_before_any_call() {
    // The simulator's bytes with its marker saying version 9: the same exports, an ABI this
    // harness does not know. The inspection must refuse it; nothing is looked up or called.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(lib(Lib::Sim)).unwrap();
    let marker = b"symphony-sim-device-channel/3\0";
    let at = bytes
        .windows(marker.len())
        .position(|window| window == marker)
        .expect("the simulator carries its marker");
    bytes[at + marker.len() - 2] = b'9';
    let path = dir.path().join("libsim-other-channel.so");
    std::fs::write(&path, &bytes).unwrap();
    let options = LoadOptions {
        expected_hash: ExpectedHash::Any,
        force: false,
        placement: Placement::InProcess,
    };
    let other = LoadedLibrary::open_path(&path, &options).unwrap();
    let err = DeviceChannel::open(&other).unwrap_err();
    let DeviceError::UnknownChannel {
        found, expected, ..
    } = &err
    else {
        panic!("expected UnknownChannel, got {err:?}");
    };
    assert_eq!(found.as_deref(), Some("symphony-sim-device-channel/9"));
    assert_eq!(*expected, "symphony-sim-device-channel/3");
    assert!(err.to_string().contains("unknown ABI"), "{err}");
    assert!(err.hint().unwrap().contains("symphony-sim-provider"));
}

#[test]
fn channel_is_only_in_the_simulator_and_reports_bad_configs() {
    let options = LoadOptions {
        expected_hash: ExpectedHash::Any,
        force: false,
        placement: Placement::InProcess,
    };
    let echo = LoadedLibrary::open_path(&lib(Lib::EchoConfig), &options).unwrap();
    let err = DeviceChannel::open(&echo).unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::NoChannel {
                symbol: "sim_device_snapshot",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.hint().unwrap().contains("simulated provider"));

    let bad = config("channel-bad", &[("sim.store", "relative")]);
    assert!(matches!(
        channel().snapshot(&bad),
        Err(DeviceError::SnapshotFailed { .. })
    ));
    assert!(matches!(
        channel().components(&bad),
        Err(DeviceError::ComponentsFailed { .. })
    ));
    assert!(matches!(
        channel().write(&bad, &[a()]),
        Err(DeviceError::WriteFailed { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Environmental faults: each shown, and the same seed gives the same run

/// Runs a fixed sequence of calls (an apply of one new component, then a get of all so far,
/// five times) and returns how each call ended and the device's journal.
fn run_sequence(device: &str, keys: &[(&str, &str)]) -> (Vec<String>, Vec<DeviceCall>) {
    let config = config(device, keys);
    let mut outcomes = Vec::new();
    let mut applied = Vec::new();
    for i in 0..5 {
        let one = component(
            &format!("c{i}"),
            json!({"image": format!("app:{i}"), "n": i}),
        );
        applied.push(one.clone());
        outcomes.push(
            match apply(&config, ComponentAction::Update, &[one], false) {
                Ok(results) => format!("apply ok {:?}", statuses(&results)),
                Err(err) => format!("apply {}", err.outcome()),
            },
        );
        outcomes.push(match get(&config, &applied) {
            Ok(found) => format!("get ok {:?}", names(&found)),
            Err(err) => format!("get {}", err.outcome()),
        });
    }
    (outcomes, channel().snapshot(&config).unwrap().journal)
}

#[test]
fn latency_is_a_seeded_pick_in_the_configured_range() {
    let keys = |seed| [("sim.latencyMs", "1-4"), ("sim.seed", seed)];
    let (_, first) = run_sequence("latency-1", &keys("7"));
    let (_, again) = run_sequence("latency-2", &keys("7"));
    let (_, other) = run_sequence("latency-3", &keys("8"));
    let latencies =
        |journal: &[DeviceCall]| journal.iter().map(|c| c.latency_ms).collect::<Vec<_>>();
    assert_eq!(latencies(&first).len(), 10);
    assert!(
        latencies(&first).iter().all(|ms| (1..=4).contains(ms)),
        "{first:?}"
    );
    assert_eq!(first, again, "same seed, same run");
    assert_ne!(
        latencies(&first),
        latencies(&other),
        "another seed, another run"
    );
    let (_, fixed) = run_sequence("latency-4", &[("sim.latencyMs", "2")]);
    assert!(latencies(&fixed).iter().all(|&ms| ms == 2));
}

#[test]
fn transient_failures_follow_the_seed_and_change_nothing() {
    let keys = |seed| [("sim.failRate", "0.5"), ("sim.seed", seed)];
    let (outcomes, journal) = run_sequence("fail-1", &keys("3"));
    let (again, _) = run_sequence("fail-2", &keys("3"));
    let (other, _) = run_sequence("fail-3", &keys("4"));
    assert_eq!(outcomes, again, "same seed, same run");
    assert_ne!(outcomes, other, "another seed, another run");
    assert!(
        outcomes.iter().any(|o| o.ends_with(" error")),
        "{outcomes:?}"
    );
    assert!(outcomes.iter().any(|o| o.contains(" ok ")), "{outcomes:?}");
    // Each failed call is journaled as such, and a failed apply left its component off.
    for (outcome, call) in outcomes.iter().zip(&journal) {
        assert_eq!(
            outcome.ends_with(" error"),
            call.failed,
            "{outcome} vs {call:?}"
        );
    }
    let stored = on_device(&config("fail-1", &[]));
    for (i, outcome) in outcomes.iter().step_by(2).enumerate() {
        assert_eq!(
            stored.contains(&format!("c{i}")),
            outcome.starts_with("apply ok")
        );
    }
    let err = get(&config("fail-always", &[("sim.failRate", "1")]), &[a()]).unwrap_err();
    assert!(
        err.to_string()
            .contains("sim fault: transient failure of get call 1"),
        "{err}"
    );
}

#[test]
fn all_faults_together_replay_identically_for_a_seed() {
    let keys = |seed| {
        [
            ("sim.seed", seed),
            ("sim.latencyMs", "0-2"),
            ("sim.failRate", "0.3"),
            ("sim.failComponents", "c2"),
            ("sim.slowRate", "0.3"),
            ("sim.slowMs", "1"),
            ("sim.driftRate", "0.5"),
            ("sim.visibleAfterGets", "1"),
            ("sim.capacity", "3"),
        ]
    };
    let (outcomes, journal) = run_sequence("all-faults-1", &keys("99"));
    let (outcomes_again, journal_again) = run_sequence("all-faults-2", &keys("99"));
    assert_eq!(outcomes, outcomes_again);
    assert_eq!(journal, journal_again);
    let truth = |device| channel().snapshot(&config(device, &[])).unwrap().components;
    assert_eq!(truth("all-faults-1"), truth("all-faults-2"));
    let (other, _) = run_sequence("all-faults-3", &keys("100"));
    assert_ne!(outcomes, other);
}

#[test]
fn named_components_fail_with_a_code_in_an_ok_map() {
    let config = config("fail-components", &[("sim.failComponents", "comp-b")]);
    let results = update(&config, &[a(), b()]);
    assert_eq!(
        statuses(&results),
        [("comp-a", UPDATED), ("comp-b", UPDATE_FAILED)]
    );
    assert!(results["comp-b"].message.contains("sim.failComponents"));
    assert_eq!(on_device(&config), ["comp-a"]);

    channel().write(&config, &[a(), b()]).unwrap();
    let results = apply(&config, ComponentAction::Delete, &[a(), b()], false).unwrap();
    assert_eq!(
        statuses(&results),
        [("comp-a", DELETED), ("comp-b", DELETE_FAILED)]
    );
    assert_eq!(on_device(&config), ["comp-b"]);
}

#[test]
fn slow_calls_are_seeded_and_do_their_work_before_answering() {
    let keys = |seed| {
        [
            ("sim.slowRate", "0.5"),
            ("sim.slowMs", "1"),
            ("sim.seed", seed),
        ]
    };
    let (outcomes, journal) = run_sequence("slow-1", &keys("11"));
    let (_, again) = run_sequence("slow-2", &keys("11"));
    let (_, other) = run_sequence("slow-3", &keys("12"));
    let slow = |journal: &[DeviceCall]| journal.iter().map(|c| c.slow).collect::<Vec<_>>();
    assert_eq!(journal, again, "same seed, same run");
    assert_ne!(slow(&journal), slow(&other), "another seed, another run");
    assert!(slow(&journal).contains(&true) && slow(&journal).contains(&false));
    // Slow or not, every call did its work: all five components are there.
    assert!(outcomes.iter().all(|o| o.contains(" ok ")), "{outcomes:?}");
    assert_eq!(on_device(&config("slow-1", &[])).len(), 5);
}

#[test]
fn drift_changes_a_property_behind_the_providers_back() {
    let config = config(
        "drift-named",
        &[
            ("sim.driftRate", "1"),
            ("sim.driftProperty", "image"),
            ("sim.seed", "5"),
        ],
    );
    channel().write(&config, &[a()]).unwrap();
    let got = get(&config, &[a()]).unwrap();
    assert_eq!(got[0].properties["image"], "nginx:1.25-drift-1");
    let truth = channel().snapshot(&config).unwrap();
    assert_eq!(
        truth.component("comp-a").unwrap().properties["image"],
        "nginx:1.25-drift-1"
    );
    let drift = truth.journal[0].drift.clone().unwrap();
    assert_eq!(
        (drift.component.as_str(), drift.property.as_str()),
        ("comp-a", "image")
    );
    assert_eq!(drift.from, "nginx:1.25");

    // Without a named property the pick is seeded too: same seed, same drifts.
    let keys = |seed| [("sim.driftRate", "0.5"), ("sim.seed", seed)];
    let (_, first) = run_sequence("drift-1", &keys("21"));
    let (_, again) = run_sequence("drift-2", &keys("21"));
    let (_, other) = run_sequence("drift-3", &keys("22"));
    let drifts =
        |journal: &[DeviceCall]| journal.iter().map(|c| c.drift.clone()).collect::<Vec<_>>();
    assert_eq!(drifts(&first), drifts(&again));
    assert_ne!(drifts(&first), drifts(&other));
    assert!(drifts(&first).iter().any(Option::is_some));
}

#[test]
fn an_applied_component_shows_up_only_after_k_gets() {
    let config = config("visible-after", &[("sim.visibleAfterGets", "2")]);
    update(&config, &[a()]);
    let hidden = || channel().snapshot(&config).unwrap().components["comp-a"].hidden_for_gets;
    assert_eq!(hidden(), 2, "on the device at once, but not yet reported");
    assert!(get(&config, &[a()]).unwrap().is_empty());
    assert_eq!(hidden(), 1);
    assert!(get(&config, &[a()]).unwrap().is_empty());
    assert_eq!(names(&get(&config, &[a()]).unwrap()), ["comp-a"]);
}

#[test]
fn capacity_refuses_new_components_beyond_it_but_allows_replacing() {
    let config = config("capacity", &[("sim.capacity", "2")]);
    let results = update(&config, &[a(), b(), c()]);
    assert_eq!(
        statuses(&results),
        [
            ("comp-a", UPDATED),
            ("comp-b", UPDATED),
            ("comp-c", UPDATE_FAILED)
        ]
    );
    assert!(results["comp-c"]
        .message
        .contains("is full: it holds 2 of at most 2"));
    assert_eq!(statuses(&update(&config, &[a()])), [("comp-a", UPDATED)]);
    assert_eq!(on_device(&config), ["comp-a", "comp-b"]);
}

// ---------------------------------------------------------------------------------------------
// The bug catalog: one test per bug, showing its effect against the device's truth

fn with_bug(device: &str, bug: &str) -> BindingConfig {
    config(device, &[("sim.bugs", bug)])
}

#[test]
fn bug_lying_get_echoes_references_not_the_device() {
    let config = with_bug("bug-lying-get", "lying-get");
    assert_eq!(get(&config, &[a()]).unwrap(), [a()]);
    assert!(on_device(&config).is_empty());
}

#[test]
fn bug_ignore_delete_reports_deleted_but_keeps_it() {
    let config = with_bug("bug-ignore-delete", "ignore-delete");
    update(&config, &[a()]);
    let results = apply(&config, ComponentAction::Delete, &[a()], false).unwrap();
    assert_eq!(statuses(&results), [("comp-a", DELETED)]);
    assert_eq!(on_device(&config), ["comp-a"]);
}

#[test]
fn bug_unstable_property_reports_a_new_counter_on_every_get() {
    let config = with_bug("bug-unstable", "unstable-property");
    update(&config, &[a()]);
    let first = get(&config, &[a()]).unwrap();
    let second = get(&config, &[a()]).unwrap();
    assert_ne!(
        first[0].properties["observedAt"],
        second[0].properties["observedAt"]
    );
    let truth = channel().snapshot(&config).unwrap();
    assert!(!truth
        .component("comp-a")
        .unwrap()
        .properties
        .contains_key("observedAt"));
}

#[test]
fn bug_drop_property_stores_all_but_the_last_property() {
    let config = with_bug("bug-drop-property", "drop-property");
    assert_eq!(statuses(&update(&config, &[a()])), [("comp-a", UPDATED)]);
    let truth = channel().snapshot(&config).unwrap();
    let stored: Vec<&String> = truth
        .component("comp-a")
        .unwrap()
        .properties
        .keys()
        .collect();
    assert_eq!(stored, ["image"], "`replicas` was dropped");
    assert!(!get(&config, &[a()]).unwrap()[0]
        .properties
        .contains_key("replicas"));
}

#[test]
fn bug_dry_run_mutates_changes_the_device_in_a_dry_run() {
    let config = with_bug("bug-dry-run-mutates", "dry-run-mutates");
    apply(&config, ComponentAction::Update, &[a()], true).unwrap();
    assert_eq!(on_device(&config), ["comp-a"]);
}

#[test]
fn bug_empty_error_is_an_error_without_message() {
    let config = with_bug("bug-empty-error", "empty-error");
    let err = apply(&config, ComponentAction::Update, &[a()], false).unwrap_err();
    assert_eq!(err, CallError::ErrorWithoutMessage);
}

#[test]
fn bug_incomplete_results_misses_the_last_component() {
    let config = with_bug("bug-incomplete", "incomplete-results");
    let results = update(&config, &[a(), b()]);
    assert_eq!(statuses(&results), [("comp-a", UPDATED)]);
    assert_eq!(on_device(&config), ["comp-a", "comp-b"]);
}

#[test]
fn bug_status_lies_reports_success_for_a_failed_component() {
    let config = config(
        "bug-status-lies",
        &[
            ("sim.bugs", "status-lies"),
            ("sim.failComponents", "comp-b"),
        ],
    );
    let results = update(&config, &[a(), b()]);
    assert_eq!(
        statuses(&results),
        [("comp-a", UPDATED), ("comp-b", UPDATED)]
    );
    assert_eq!(on_device(&config), ["comp-a"]);
}

#[test]
fn bug_status_lies_reports_deleted_for_a_failed_delete() {
    // The catalog: `DeleteFailed` is reported as `Deleted`, and the device keeps it.
    let config = config(
        "bug-status-lies-delete",
        &[
            ("sim.bugs", "status-lies"),
            ("sim.failComponents", "comp-b"),
        ],
    );
    channel().write(&config, &[a(), b()]).unwrap();
    let results = apply(&config, ComponentAction::Delete, &[a(), b()], false).unwrap();
    assert_eq!(
        statuses(&results),
        [("comp-a", DELETED), ("comp-b", DELETED)]
    );
    assert!(
        results["comp-b"].message.is_empty(),
        "a lie carries no failure message: {:?}",
        results["comp-b"]
    );
    assert_eq!(on_device(&config), ["comp-b"]);
}

#[test]
fn bug_instance_state_is_lost_when_symphony_creates_a_new_provider() {
    let config = with_bug("bug-instance-state", "instance-state");
    let mut first = provider(&config);
    let results = first
        .apply(
            &document().whole(),
            &step(ComponentAction::Update, &[a()]),
            false,
        )
        .unwrap();
    assert_eq!(statuses(&results), [("comp-a", UPDATED)]);
    // The same instance remembers it; the next one (Symphony's way) does not.
    let references = steps(ComponentAction::Update, &[a()]);
    assert_eq!(
        names(&first.get(&document().whole(), &references).unwrap()),
        ["comp-a"]
    );
    assert!(get(&config, &[a()]).unwrap().is_empty());
    assert!(on_device(&config).is_empty());
}

#[test]
fn bug_wrong_type_reports_another_type() {
    let config = with_bug("bug-wrong-type", "wrong-type");
    update(&config, &[a()]);
    assert_eq!(
        get(&config, &[a()]).unwrap()[0].component_type,
        "rust-workload-wrong"
    );
    let truth = channel().snapshot(&config).unwrap();
    assert_eq!(
        truth.component("comp-a").unwrap().component_type,
        "rust-workload"
    );
}

#[test]
fn bug_extra_components_reports_unreferenced_components() {
    let config = with_bug("bug-extra", "extra-components");
    channel().write(&config, &[a(), b(), c()]).unwrap();
    assert_eq!(
        names(&get(&config, &[b()]).unwrap()),
        ["comp-b", "comp-a", "comp-c"]
    );
}

#[test]
fn bug_extra_components_reports_only_visible_components_under_visible_after_gets() {
    // `extra-components` adds every other *visible* component; a `get` that does not ask for a
    // hidden component does not uncover it (`sim.visibleAfterGets`).
    let config = config(
        "bug-extra-visible",
        &[
            ("sim.bugs", "extra-components"),
            ("sim.visibleAfterGets", "1"),
        ],
    );
    update(&config, &[a(), b()]);
    assert!(
        get(&config, &[a()]).unwrap().is_empty(),
        "both still hidden"
    );
    assert_eq!(
        names(&get(&config, &[a()]).unwrap()),
        ["comp-a"],
        "comp-b was not asked for, so it is still hidden and not an extra"
    );
    assert_eq!(
        channel().snapshot(&config).unwrap().components["comp-b"].hidden_for_gets,
        1
    );
    assert_eq!(
        names(&get(&config, &[b()]).unwrap()),
        ["comp-a"],
        "asking uncovers comp-b one step; comp-a comes as an extra"
    );
    assert_eq!(names(&get(&config, &[b()]).unwrap()), ["comp-b", "comp-a"]);
}

#[test]
fn bug_stringify_numbers_returns_numbers_as_strings() {
    let config = with_bug("bug-stringify", "stringify-numbers");
    let big = component(
        "big",
        json!({"limit": 1000000, "ratio": 0.5, "list": [1, "x"]}),
    );
    update(&config, std::slice::from_ref(&big));
    let got = get(&config, &[big]).unwrap();
    assert_eq!(got[0].properties["limit"], "1000000");
    assert_eq!(got[0].properties["ratio"], "0.5");
    assert_eq!(got[0].properties["list"], json!(["1", "x"]));
    let truth = channel().snapshot(&config).unwrap();
    assert_eq!(truth.component("big").unwrap().properties["limit"], 1000000);
}

#[test]
fn bug_case_change_returns_values_in_upper_case() {
    let config = with_bug("bug-case-change", "case-change");
    update(&config, &[a()]);
    let got = get(&config, &[a()]).unwrap();
    assert_eq!(got[0].properties["image"], "NGINX:1.25");
    assert_eq!(got[0].properties["replicas"], 2);
    let truth = channel().snapshot(&config).unwrap();
    assert_eq!(
        truth.component("comp-a").unwrap().properties["image"],
        "nginx:1.25"
    );
}

#[test]
fn bug_racy_loses_updates_under_concurrent_instances() {
    let config = with_bug("bug-racy", "racy");
    apply_one_each_at_once(&config, 6);
    // The same run without the bug keeps all six (`concurrent_instances_..._lose_no_update`).
    let kept = on_device(&config).len();
    assert!(kept < 6, "six applies reported Updated, {kept} kept");
}

#[test]
fn bug_null_create_makes_create_provider_return_null() {
    let err = InProcessProvider::create(&library(), &with_bug("bug-null-create", "null-create"))
        .unwrap_err();
    assert!(matches!(err, LoadError::NullProvider { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// In a child process: bugs that kill the process, and Symphony's own host functions

const CHILD_CASE: &str = "SIM_IT_CHILD";
const CHILD_LIB: &str = "SIM_IT_LIB";
const CHILD_STORE: &str = "SIM_IT_STORE";
const CHILD_LINE: &str = "SIM-CHILD ";
/// How a Rust panic that crosses the library boundary ends a process.
const SIGABRT: i32 = 6;

/// Not a test of its own: the entry point of the child processes the tests below spawn, so it
/// is ignored in normal runs (the parent runs it with `--ignored`). Does nothing unless
/// `SIM_IT_CHILD` names a case.
#[test]
#[ignore = "the entry point of the child processes that sim tests spawn"]
fn child_entry() {
    let Ok(case) = std::env::var(CHILD_CASE) else {
        return;
    };
    let lib_path = std::env::var(CHILD_LIB).unwrap();
    let store = std::env::var(CHILD_STORE).unwrap();
    let device = format!("child-{case}");
    let print = |what: &str, value: Value| println!("{CHILD_LINE}{}", json!({ what: value }));
    match case.as_str() {
        "symphony-host" | "symphony-host-panic" => {
            let mut config: BTreeMap<String, String> =
                serde_json::from_value(wire("config.json")).unwrap();
            config.insert("sim.device".into(), device);
            config.insert("sim.store".into(), store);
            if case == "symphony-host-panic" {
                config.insert("sim.bugs".into(), "panic-on-get".into());
            }
            let config_json = go_json::to_string(&config).unwrap();
            let deployment = go_json::to_string(&deployment()).unwrap();
            let step = go_json::to_string(&wire("step.json")).unwrap();
            let references = go_json::to_string(&wire("references.json")).unwrap();
            let host = || SymphonyHost::create(&lib_path, "any", &config_json).unwrap();
            let parse = |text: Option<String>| -> Value {
                text.map_or(Value::Null, |t| serde_json::from_str(&t).unwrap())
            };
            let rule = host().get_validation_rule_json();
            print("rule", parse(rule));
            let dry = host().apply_json(&deployment, &step, true).unwrap();
            print("dry-run", parse(dry));
            let applied = host().apply_json(&deployment, &step, false).unwrap();
            print("apply", parse(applied));
            let got = host().get_json(&deployment, &references).unwrap();
            print("get", parse(got));
        }
        "panic-on-get" | "panic-on-apply" | "hang-on-apply" => {
            let options = LoadOptions {
                expected_hash: ExpectedHash::Any,
                force: false,
                placement: Placement::InProcess,
            };
            let library = LoadedLibrary::open_path(Path::new(&lib_path), &options).unwrap();
            let config = config(&device, &[("sim.store", &store), ("sim.bugs", &case)]);
            let mut provider = InProcessProvider::create(&library, &config).unwrap();
            print("calling", json!(case));
            if case == "panic-on-get" {
                let _ = provider.get(&document().whole(), &steps(ComponentAction::Update, &[a()]));
            } else {
                let _ = provider.apply(
                    &document().whole(),
                    &step(ComponentAction::Update, &[a()]),
                    false,
                );
            }
            print("returned", json!(case));
        }
        many if many.starts_with("apply-many-") => {
            // One of several processes applying to one shared device, one provider per call.
            let options = LoadOptions {
                expected_hash: ExpectedHash::Any,
                force: false,
                placement: Placement::InProcess,
            };
            let library = LoadedLibrary::open_path(Path::new(&lib_path), &options).unwrap();
            let config = config("child-apply-many", &[("sim.store", &store)]);
            // A start line across processes: wait until the parent closes stdin.
            print("ready", json!(many));
            let _ = std::io::stdin().read_line(&mut String::new());
            for i in 0..APPLIES_PER_CHILD {
                let one = component(&format!("{many}-{i}"), json!({"i": i}));
                let results = InProcessProvider::create(&library, &config)
                    .unwrap()
                    .apply(
                        &document().whole(),
                        &step(ComponentAction::Update, &[one]),
                        false,
                    )
                    .unwrap();
                assert_eq!(results.len(), 1);
            }
            print("applied", json!(APPLIES_PER_CHILD));
        }
        other => panic!("unknown child case `{other}`"),
    }
}

/// Spawns this test binary in child mode for `case`, with a directory store at `store`.
fn spawn_child(case: &str, store: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "sim::child_entry",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_CASE, case)
        .env(CHILD_LIB, lib(Lib::Sim))
        .env(CHILD_STORE, store)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What the child printed on its `SIM-CHILD` lines, merged into one object.
fn child_values(stdout: &str) -> serde_json::Map<String, Value> {
    let mut values = serde_json::Map::new();
    // libtest may print `test sim::child_entry ... ` before the first line on the same line.
    let lines = stdout
        .lines()
        .filter_map(|l| l.find(CHILD_LINE).map(|at| &l[at + CHILD_LINE.len()..]));
    for line in lines {
        let Value::Object(map) = serde_json::from_str(line).unwrap() else {
            panic!("not an object: {line}");
        };
        values.extend(map);
    }
    values
}

fn store_config(store: &Path, case: &str) -> BindingConfig {
    config(
        &format!("child-{case}"),
        &[("sim.store", store.to_str().unwrap())],
    )
}

const APPLIES_PER_CHILD: usize = 30;

#[test]
fn directory_store_loses_no_update_across_concurrent_processes() {
    let dir = tempfile::tempdir().unwrap();
    let mut children: Vec<_> = (0..3)
        .map(|k| spawn_child(&format!("apply-many-{k}"), dir.path()))
        .collect();
    // Let them all load the library first, then start them at once (stdin closes).
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|child| BufReader::new(child.stdout.take().unwrap()))
        .collect();
    for reader in &mut readers {
        let mut line = String::new();
        while !line.contains(r#"{"ready":"#) {
            line.clear();
            assert_ne!(reader.read_line(&mut line).unwrap(), 0, "child ended early");
        }
    }
    for child in &mut children {
        drop(child.stdin.take());
    }
    for (child, mut reader) in children.into_iter().zip(readers) {
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success() && rest.contains(r#"{"applied":"#),
            "{:?}\n{rest}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let truth = channel()
        .snapshot(&store_config(dir.path(), "apply-many"))
        .unwrap();
    assert_eq!(truth.components.len(), 3 * APPLIES_PER_CHILD);
    assert_eq!(truth.calls, 3 * APPLIES_PER_CHILD as u64);
}

#[test]
fn symphonys_own_host_functions_drive_the_sim_with_go_shaped_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = spawn_child("symphony-host", dir.path())
        .wait_with_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {:?}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let values = child_values(&stdout);

    let default = serde_json::to_value(symphony::models::ValidationRule::default()).unwrap();
    assert_eq!(values["rule"], default);
    assert_eq!(
        values["dry-run"],
        json!({"comp-a": {"status": OK, "message": "dry run: valid; nothing changed"},
               "comp-b": {"status": OK, "message": "dry run: valid; nothing changed"}})
    );
    assert_eq!(
        values["apply"],
        json!({"comp-a": {"status": UPDATED, "message": ""},
               "comp-b": {"status": UPDATED, "message": ""}})
    );
    // The host serialises every absent field as `null`, as Go then reads it.
    let got = values["get"].as_array().unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["name"], "comp-a");
    assert_eq!(got[0]["type"], "rust-workload");
    assert_eq!(got[0]["metadata"], json!({"owner": "team-a"}));
    assert_eq!(
        got[0]["properties"],
        json!({"image": "registry.example.com/a:1.0", "replicas": 2})
    );
    assert_eq!(got[0]["sidecars"], Value::Null);
    assert_eq!(got[1]["name"], "comp-b");
    assert_eq!(got[1]["dependencies"], json!(["comp-a"]));

    // The child's device, read from this process through the directory store.
    let truth = channel()
        .snapshot(&store_config(dir.path(), "symphony-host"))
        .unwrap();
    assert_eq!(truth.names(), ["comp-a", "comp-b"]);
    assert_eq!(truth.calls, 3, "dry run, apply, get");
}

#[test]
fn a_panic_through_symphonys_host_aborts_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let output = spawn_child("symphony-host-panic", dir.path())
        .wait_with_output()
        .unwrap();
    assert_eq!(output.status.signal(), Some(SIGABRT), "{:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sim bug panic-on-get"), "{stderr}");
    // The calls before the panicking get ran and were printed.
    let values = child_values(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(values["apply"]["comp-a"]["status"], UPDATED);
    assert!(!values.contains_key("get"));
}

fn assert_aborted_with(case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let output = spawn_child(case, dir.path()).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.signal(),
        Some(SIGABRT),
        "{:?}\n{stderr}",
        output.status
    );
    assert!(stderr.contains(&format!("sim bug {case}")), "{stderr}");
    let values = child_values(&stdout);
    assert!(
        values.contains_key("calling") && !values.contains_key("returned"),
        "{stdout}"
    );
    // The device survives the crash, untouched.
    let truth = channel().snapshot(&store_config(dir.path(), case)).unwrap();
    assert!(truth.components.is_empty());
}

#[test]
fn bug_panic_on_get_aborts_the_process() {
    assert_aborted_with("panic-on-get");
}

#[test]
fn bug_panic_on_apply_aborts_the_process_and_leaves_the_device() {
    assert_aborted_with("panic-on-apply");
}

#[test]
fn bug_hang_on_apply_never_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_child("hang-on-apply", dir.path());
    // Read stderr until the simulator says it entered the endless apply (no sleeping).
    let stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        let entered = line.contains("bug `hang-on-apply`: apply on device");
        seen.push(line);
        if entered {
            break;
        }
    }
    assert!(
        seen.last().is_some_and(|l| l.contains("never returns")),
        "the child ended without entering the hang:\n{}",
        seen.join("\n")
    );
    assert!(child.try_wait().unwrap().is_none(), "still inside apply");
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let values = child_values(&String::from_utf8_lossy(&output.stdout));
    assert!(!values.contains_key("returned"));
    let truth = channel()
        .snapshot(&store_config(dir.path(), "hang-on-apply"))
        .unwrap();
    assert!(truth.components.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Armed faults and device edits (issue 10's device and fault steps), through the channel

mod armed {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use serde_json::json;
    use symphony_harness::engine::{CallError, Provider, ProviderFactory};
    use symphony_harness::load::{
        capture, DeviceEdit, DeviceError, Fault, FaultCall, FaultEffect, FaultTimes,
    };
    use symphony_harness::model::{BindingConfig, ComponentAction, ComponentSpec};
    use symphony_harness::worker::{SupervisorConfig, WorkerFactory};

    use super::{
        a, apply, b, c, channel, config, get, names, provider, statuses, update, DELETED,
        DELETE_FAILED, UPDATED, UPDATE_FAILED,
    };
    use crate::support::{lib, path_str, Lib};

    fn fault(value: serde_json::Value) -> Fault {
        serde_json::from_value(value).unwrap()
    }

    fn arm(config: &BindingConfig, value: serde_json::Value) {
        channel().arm(config, &[fault(value)]).unwrap();
    }

    /// The fault labels of the device's journal, one list per journaled call.
    fn journal_faults(config: &BindingConfig) -> Vec<(String, Vec<String>)> {
        channel()
            .snapshot(config)
            .unwrap()
            .journal
            .into_iter()
            .map(|call| (call.op, call.faults))
            .collect()
    }

    fn error_message(err: &CallError) -> &str {
        match err {
            CallError::Error { message } => message,
            other => panic!("expected an error with a message, got {other:?}"),
        }
    }

    #[test]
    fn an_armed_apply_failure_fails_one_apply_with_its_message_and_changes_nothing() {
        let config = config("armed-apply-fail", &[]);
        arm(
            &config,
            json!({"call":"apply","effect":"fail","message":"disk full"}),
        );
        assert!(get(&config, &[a()]).unwrap().is_empty(), "get is not apply");
        let err = apply(&config, ComponentAction::Update, &[a()], false).unwrap_err();
        assert_eq!(error_message(&err), "disk full");
        assert!(channel().snapshot(&config).unwrap().components.is_empty());
        assert_eq!(statuses(&update(&config, &[a()])), [("comp-a", UPDATED)]);
        let snapshot = channel().snapshot(&config).unwrap();
        assert!(
            snapshot.faults.is_empty(),
            "consumed: {:?}",
            snapshot.faults
        );
        assert_eq!(
            journal_faults(&config),
            [
                ("get".to_string(), vec![]),
                ("apply".to_string(), vec!["apply fail".to_string()]),
                ("apply".to_string(), vec![]),
            ]
        );
    }

    #[test]
    fn an_armed_get_failure_fails_one_get_with_the_default_message() {
        let config = config("armed-get-fail", &[]);
        arm(&config, json!({"call":"get","effect":"fail"}));
        update(&config, &[a()]);
        let err = get(&config, &[a()]).unwrap_err();
        assert_eq!(error_message(&err), "sim fault: get failed");
        assert_eq!(names(&get(&config, &[a()]).unwrap()), ["comp-a"]);
    }

    #[test]
    fn an_armed_component_failure_fails_that_component_and_the_rest_of_the_step_proceeds() {
        let config = config("armed-fail-component", &[]);
        let armed = json!({"call":"apply","effect":"fail-component","component":"comp-a",
                           "message":"image pull failed"});
        arm(&config, armed.clone());
        let results = update(&config, &[a(), b()]);
        assert_eq!(
            statuses(&results),
            [("comp-a", UPDATE_FAILED), ("comp-b", UPDATED)]
        );
        assert_eq!(results["comp-a"].message, "image pull failed");
        assert_eq!(channel().snapshot(&config).unwrap().names(), ["comp-b"]);
        // A delete that fails keeps the component.
        arm(
            &config,
            json!({"call":"apply","effect":"fail-component","component":"comp-b"}),
        );
        let results = apply(&config, ComponentAction::Delete, &[b()], false).unwrap();
        assert_eq!(statuses(&results), [("comp-b", DELETE_FAILED)]);
        assert_eq!(
            results["comp-b"].message,
            "sim fault: `comp-b` failed to delete (armed fault)"
        );
        assert_eq!(channel().snapshot(&config).unwrap().names(), ["comp-b"]);
        let results = apply(&config, ComponentAction::Delete, &[b()], false).unwrap();
        assert_eq!(statuses(&results), [("comp-b", DELETED)]);
        let journal = journal_faults(&config);
        assert_eq!(journal[0].1, ["apply fail-component comp-a"]);
        assert_eq!(journal[1].1, ["apply fail-component comp-b"]);
    }

    #[test]
    fn an_armed_latency_delays_one_call_first() {
        let config = config("armed-latency", &[]);
        arm(&config, json!({"call":"get","effect":"latency","ms":40}));
        let started = Instant::now();
        get(&config, &[a()]).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(40));
        get(&config, &[a()]).unwrap();
        assert_eq!(
            journal_faults(&config),
            [
                ("get".to_string(), vec!["get latency".to_string()]),
                ("get".to_string(), vec![]),
            ]
        );
    }

    #[test]
    fn an_armed_omission_hides_one_component_from_one_get() {
        let config = config("armed-omit", &[]);
        update(&config, &[a(), b()]);
        arm(
            &config,
            json!({"call":"get","effect":"omit","component":"comp-a"}),
        );
        assert_eq!(names(&get(&config, &[a(), b()]).unwrap()), ["comp-b"]);
        assert_eq!(
            channel().snapshot(&config).unwrap().names(),
            ["comp-a", "comp-b"],
            "still on the device"
        );
        assert_eq!(
            names(&get(&config, &[a(), b()]).unwrap()),
            ["comp-a", "comp-b"]
        );
    }

    #[test]
    fn an_armed_zero_rule_is_returned_once_and_journaled_without_counting_a_call() {
        let config = config("armed-zero-rule", &[("sim.componentType", "rust-workload")]);
        update(&config, &[a()]);
        arm(
            &config,
            json!({"call":"get_validation_rule","effect":"zero-rule"}),
        );
        let zero = provider(&config).get_validation_rule().unwrap();
        assert!(zero.component_validation_rule.change_detection.is_empty());
        assert_eq!(zero.required_type, "");
        let configured = provider(&config).get_validation_rule().unwrap();
        assert_eq!(configured.required_type, "rust-workload");
        assert_eq!(
            configured.component_validation_rule.change_detection[0].name,
            "*"
        );
        let snapshot = channel().snapshot(&config).unwrap();
        assert_eq!(snapshot.calls, 1, "rule calls are not counted");
        let last = snapshot.journal.last().unwrap();
        assert_eq!(
            (last.op.as_str(), last.call, last.faults.as_slice()),
            (
                "get_validation_rule",
                1,
                &["get_validation_rule zero-rule".to_string()][..]
            )
        );
    }

    #[test]
    fn an_armed_rule_failure_is_an_error_of_get_validation_rule() {
        let config = config("armed-rule-fail", &[]);
        arm(
            &config,
            json!({"call":"get_validation_rule","effect":"fail","message":"no rule today"}),
        );
        let err = provider(&config).get_validation_rule().unwrap_err();
        assert_eq!(error_message(&err), "no rule today");
        assert!(provider(&config).get_validation_rule().is_ok());
    }

    #[test]
    fn a_counted_fault_fires_that_many_times_and_always_until_cleared() {
        let config = config("armed-times", &[]);
        arm(&config, json!({"call":"apply","effect":"fail","times":2}));
        for _ in 0..2 {
            assert!(apply(&config, ComponentAction::Update, &[a()], false).is_err());
        }
        assert_eq!(statuses(&update(&config, &[a()])), [("comp-a", UPDATED)]);

        arm(
            &config,
            json!({"call":"get","effect":"fail","times":"always"}),
        );
        for _ in 0..3 {
            assert!(get(&config, &[a()]).is_err());
        }
        let left = channel().snapshot(&config).unwrap().faults;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].times, Some(FaultTimes::Always));
        channel().clear_faults(&config).unwrap();
        assert!(channel().snapshot(&config).unwrap().faults.is_empty());
        assert_eq!(names(&get(&config, &[a()]).unwrap()), ["comp-a"]);
    }

    #[test]
    fn a_fault_for_one_component_does_not_fire_on_a_call_without_it() {
        let config = config("armed-for-component", &[]);
        arm(
            &config,
            json!({"call":"apply","effect":"fail","component":"comp-b"}),
        );
        assert_eq!(statuses(&update(&config, &[a()])), [("comp-a", UPDATED)]);
        assert_eq!(channel().snapshot(&config).unwrap().faults.len(), 1);
        let err = apply(&config, ComponentAction::Update, &[a(), b()], false).unwrap_err();
        assert_eq!(error_message(&err), "sim fault: apply failed");
        assert_eq!(journal_faults(&config)[1].1, ["apply fail comp-b"]);
        assert_eq!(channel().snapshot(&config).unwrap().names(), ["comp-a"]);
    }

    #[test]
    fn a_bad_fault_is_refused_by_the_harness_and_bad_json_by_the_library_without_a_panic() {
        let config = config("armed-bad", &[]);
        let omit_without_component = Fault::new(FaultCall::Get, FaultEffect::Omit);
        let err = channel()
            .arm(
                &config,
                &[
                    Fault::new(FaultCall::Apply, FaultEffect::Fail),
                    omit_without_component,
                ],
            )
            .unwrap_err();
        assert!(
            matches!(&err, DeviceError::BadFault { index: 1, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "fault 1 (`get omit`) cannot be armed: effect `omit` needs a `component`"
        );
        for (faults_json, reason) in [
            (r#"[{"call":"get","effect":"omit"}]"#, "needs a `component`"),
            (
                r#"[{"call":"apply","effect":"boom"}]"#,
                "unknown variant `boom`",
            ),
            (
                r#"{"call":"apply","effect":"fail"}"#,
                "not a JSON array of faults",
            ),
        ] {
            let (result, printed) = capture::around(|| channel().arm_json(&config, faults_json));
            assert!(
                matches!(result, Err(DeviceError::ArmFailed { .. })),
                "{faults_json}: {result:?}"
            );
            assert!(
                printed.stderr.contains("sim_device_arm: ") && printed.stderr.contains(reason),
                "{faults_json}: {}",
                printed.stderr
            );
        }
        assert!(channel().snapshot(&config).unwrap().faults.is_empty());
    }

    // Edits

    fn stored(config: &BindingConfig) -> BTreeMap<String, ComponentSpec> {
        channel()
            .snapshot(config)
            .unwrap()
            .components
            .into_iter()
            .map(|(name, stored)| (name, stored.spec))
            .collect()
    }

    fn by_name(components: &[ComponentSpec]) -> BTreeMap<String, ComponentSpec> {
        components
            .iter()
            .map(|c| (c.name.clone(), c.clone()))
            .collect()
    }

    #[test]
    fn each_device_edit_changes_exactly_what_it_says() {
        let foreign = super::component("foreign", json!({"image": "busybox"}));
        let with_image = |image: &str| {
            let mut a = a();
            a.properties.insert("image".into(), json!(image));
            a
        };
        let without_replicas = {
            let mut a = a();
            a.properties.remove("replicas");
            a
        };
        let cases: Vec<(&str, DeviceEdit, Vec<ComponentSpec>)> = vec![
            (
                "set an existing property",
                DeviceEdit::SetProperty {
                    component: "comp-a".into(),
                    property: "image".into(),
                    value: json!("nginx:1.26"),
                },
                vec![with_image("nginx:1.26"), b()],
            ),
            (
                "set a new property",
                DeviceEdit::SetProperty {
                    component: "comp-b".into(),
                    property: "replicas".into(),
                    value: json!(3),
                },
                vec![a(), {
                    let mut b = b();
                    b.properties.insert("replicas".into(), json!(3));
                    b
                }],
            ),
            (
                "delete a property",
                DeviceEdit::DeleteProperty {
                    component: "comp-a".into(),
                    property: "replicas".into(),
                },
                vec![without_replicas, b()],
            ),
            (
                "delete a component",
                DeviceEdit::DeleteComponent {
                    component: "comp-a".into(),
                },
                vec![b()],
            ),
            (
                "add a foreign component",
                DeviceEdit::AddComponent {
                    component: foreign.clone(),
                },
                vec![a(), b(), foreign],
            ),
            (
                "replace the device",
                DeviceEdit::Replace {
                    components: vec![c()],
                },
                vec![c()],
            ),
        ];
        for (index, (name, edit, expected)) in cases.into_iter().enumerate() {
            let config = config(&format!("edit-{index}"), &[]);
            update(&config, &[a(), b()]);
            arm(&config, json!({"call":"apply","effect":"fail"}));
            let before = channel().snapshot(&config).unwrap();
            channel().edit(&config, &edit).unwrap();
            let after = channel().snapshot(&config).unwrap();
            assert_eq!(stored(&config), by_name(&expected), "{name}");
            assert_eq!(
                (after.calls, &after.journal, &after.faults),
                (before.calls, &before.journal, &before.faults),
                "{name}: an edit is not a call and keeps the armed faults"
            );
        }
    }

    #[test]
    fn editing_a_component_or_property_that_is_not_there_names_what_is() {
        let config = config("edit-missing", &[]);
        update(&config, &[a(), b()]);
        let err = channel()
            .edit(
                &config,
                &DeviceEdit::DeleteComponent {
                    component: "comp-z".into(),
                },
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the device has no component `comp-z`; it holds `comp-a`, `comp-b`"
        );
        assert!(err.hint().is_some());
        let err = channel()
            .edit(
                &config,
                &DeviceEdit::SetProperty {
                    component: "comp-z".into(),
                    property: "image".into(),
                    value: json!("x"),
                },
            )
            .unwrap_err();
        assert!(
            matches!(&err, DeviceError::MissingComponent { component, found }
                if component == "comp-z" && found == &["comp-a", "comp-b"]),
            "{err:?}"
        );
        let err = channel()
            .edit(
                &config,
                &DeviceEdit::DeleteProperty {
                    component: "comp-b".into(),
                    property: "replicas".into(),
                },
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "component `comp-b` on the device has no property `replicas`; it has `image`"
        );
        let err = channel()
            .edit(&config, &DeviceEdit::AddComponent { component: a() })
            .unwrap_err();
        assert!(
            matches!(&err, DeviceError::ComponentExists { component } if component == "comp-a"),
            "{err:?}"
        );
        let empty = config_for_empty();
        let err = channel()
            .edit(
                &empty,
                &DeviceEdit::DeleteComponent {
                    component: "comp-a".into(),
                },
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the device has no component `comp-a`; it holds none"
        );
        assert_eq!(stored(&config), by_name(&[a(), b()]), "nothing changed");
    }

    fn config_for_empty() -> BindingConfig {
        config("edit-missing-empty", &[])
    }

    // In a worker process, through a directory store

    fn worker_factory(call_timeout: Duration) -> WorkerFactory {
        let mut config =
            SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
        config.call_timeout = call_timeout;
        WorkerFactory::new(config, Box::new(|lib_file: &str| PathBuf::from(lib_file)))
    }

    /// A binding for the real library path (a worker loads it), on a directory store.
    fn worker_config(device: &str, store: &std::path::Path) -> BindingConfig {
        let mut config = BindingConfig::new(path_str(&lib(Lib::Sim)), "any", "sim");
        config.insert("sim.device", device);
        config.insert("sim.store", path_str(store));
        config
    }

    fn worker_apply(
        factory: &mut WorkerFactory,
        config: &BindingConfig,
        components: &[ComponentSpec],
    ) -> Result<BTreeMap<String, symphony_harness::model::ComponentResult>, CallError> {
        let mut provider = factory.create(config).unwrap();
        provider.apply(
            &super::document().whole(),
            &super::step(ComponentAction::Update, components),
            false,
        )
    }

    #[test]
    fn faults_armed_here_reach_a_worker_process_and_a_panic_fires_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = worker_config("armed-worker", dir.path());
        let mut factory = worker_factory(Duration::from_secs(30));
        channel()
            .arm(
                &config,
                &[
                    fault(json!({"call":"apply","effect":"fail","message":"worker saw it"})),
                    fault(json!({"call":"apply","effect":"panic","message":"boom once"})),
                ],
            )
            .unwrap();
        let err = worker_apply(&mut factory, &config, &[a()]).unwrap_err();
        assert_eq!(error_message(&err), "worker saw it");
        let err = worker_apply(&mut factory, &config, &[a()]).unwrap_err();
        let CallError::Panic { message } = &err else {
            panic!("expected a panic, got {err:?}");
        };
        assert!(message.contains("boom once"), "{message}");
        let results = worker_apply(&mut factory, &config, &[a()]).unwrap();
        assert_eq!(statuses(&results), [("comp-a", UPDATED)]);
        let snapshot = channel().snapshot(&config).unwrap();
        assert!(snapshot.faults.is_empty());
        assert_eq!(snapshot.names(), ["comp-a"]);
        assert_eq!(
            journal_faults(&config)
                .into_iter()
                .map(|(_, faults)| faults)
                .collect::<Vec<_>>(),
            [
                vec!["apply fail".to_string()],
                vec!["apply panic".into()],
                vec![]
            ]
        );
    }

    #[test]
    fn an_armed_hang_in_a_worker_times_out_once_and_the_next_get_answers() {
        let dir = tempfile::tempdir().unwrap();
        let config = worker_config("armed-hang", dir.path());
        let mut factory = worker_factory(Duration::from_millis(1000));
        channel()
            .arm(&config, &[Fault::new(FaultCall::Get, FaultEffect::Hang)])
            .unwrap();
        let references = super::steps(ComponentAction::Update, &[a()]);
        let document = super::document();
        let whole = document.whole();
        let err = factory
            .create(&config)
            .unwrap()
            .get(&whole, &references)
            .unwrap_err();
        assert_eq!(err, CallError::Timeout { after_ms: 1000 });
        let got = factory
            .create(&config)
            .unwrap()
            .get(&whole, &references)
            .unwrap();
        assert!(got.is_empty());
        assert_eq!(journal_faults(&config)[0].1, ["get hang"]);
    }
}
