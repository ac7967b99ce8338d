//! Supervised workers: the sim's bug catalog crashes, hangs and aborts real worker processes;
//! each is classified, and the next call succeeds in a fresh worker.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use symphony_harness::engine::{CallError, ProviderFactory};
use symphony_harness::load::{
    sha256_hex, DeviceChannel, ExpectedHash, LoadOptions, LoadedLibrary, Placement, PreloadError,
    PreloadFactory, GO_APPLY_FAILED,
};
use symphony_harness::model::{
    BindingConfig, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, RoundDeployment,
};
use symphony_harness::worker::{HostMode, InstanceLifetime, SupervisorConfig, WorkerFactory};

use crate::support::{harness, lib, path_str, workspace_root, Lib};

fn factory_with(timeout: Duration, host: HostMode) -> WorkerFactory {
    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.call_timeout = timeout;
    config.host = host;
    WorkerFactory::new(config, Box::new(|lib_file: &str| PathBuf::from(lib_file)))
}

fn factory() -> WorkerFactory {
    factory_with(Duration::from_secs(30), HostMode::Harness)
}

fn sim_config(device: &str, bugs: &str) -> BindingConfig {
    let mut config = BindingConfig::new(path_str(&lib(Lib::Sim)), "any", "sim");
    config.insert("sim.device", device);
    if !bugs.is_empty() {
        config.insert("sim.bugs", bugs);
    }
    config
}

fn wire(name: &str) -> Value {
    let path = workspace_root()
        .join("harness/tests/data/wire-0.49")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn references() -> Vec<ComponentStep> {
    serde_json::from_value(wire("references.json")).unwrap()
}

fn step() -> DeploymentStep {
    serde_json::from_value(wire("step.json")).unwrap()
}

/// The tutorial's deployment (`wire-0.49/`), as one round's document.
fn sample() -> RoundDeployment {
    RoundDeployment::from(wire("deployment.json"))
}

/// `get` of the sample references, with the sample deployment, on a new provider.
fn get_sample(
    factory: &mut WorkerFactory,
    config: &BindingConfig,
) -> Result<Vec<ComponentSpec>, CallError> {
    let mut provider = factory.create(config).expect("the provider is created");
    provider.get(&sample().whole(), &references())
}

/// `apply` of the sample step, with the sample deployment, on a new provider.
fn apply_sample(
    factory: &mut WorkerFactory,
    config: &BindingConfig,
) -> Result<BTreeMap<String, ComponentResult>, CallError> {
    let mut provider = factory.create(config).expect("the provider is created");
    provider.apply(&sample().whole(), &step(), false)
}

/// After a failure, a healthy provider of the same library works (in a new worker).
fn assert_next_call_succeeds(factory: &mut WorkerFactory, device: &str) {
    let got = get_sample(factory, &sim_config(device, "")).unwrap();
    assert!(got.is_empty(), "a fresh device holds nothing: {got:?}");
    let restarted = factory.supervisors().any(|s| s.borrow().starts() >= 2);
    assert!(restarted, "the dead worker must have been replaced");
}

#[test]
fn panic_on_get_is_classified_panic_with_its_message_and_next_call_succeeds() {
    let mut factory = factory();
    let err = get_sample(&mut factory, &sim_config("w-panic-get", "panic-on-get")).unwrap_err();
    let CallError::Panic { message } = &err else {
        panic!("expected a panic, got {err:?}");
    };
    assert!(
        message.contains("sim bug panic-on-get: device `w-panic-get`"),
        "{message}"
    );
    assert!(
        message.contains("sim-provider/src/provider.rs"),
        "location: {message}"
    );
    assert_next_call_succeeds(&mut factory, "w-panic-get");
}

#[test]
fn panic_on_apply_is_a_panic_and_the_process_died_so_the_apply_is_indeterminate() {
    let mut factory = factory();
    let err =
        apply_sample(&mut factory, &sim_config("w-panic-apply", "panic-on-apply")).unwrap_err();
    assert_eq!(err.outcome(), "panic", "{err:?}");
    assert!(err.process_died());
    assert!(err.to_string().contains("sim bug panic-on-apply"), "{err}");
    assert_next_call_succeeds(&mut factory, "w-panic-apply");
}

#[test]
fn hang_on_apply_times_out_at_the_deadline_and_next_call_succeeds() {
    let mut factory = factory_with(Duration::from_millis(1000), HostMode::Harness);
    let err = apply_sample(&mut factory, &sim_config("w-hang", "hang-on-apply")).unwrap_err();
    assert_eq!(err, CallError::Timeout { after_ms: 1000 });
    assert!(err.process_died());
    assert_next_call_succeeds(&mut factory, "w-hang");
}

#[test]
fn worker_killed_mid_apply_is_indeterminate_and_the_device_state_is_read_back() {
    // A directory store outlives the worker; a slow apply does its work, then answers late.
    let store = tempfile::tempdir().unwrap();
    let mut config = sim_config("w-killed", "");
    config.insert("sim.store", path_str(store.path()));
    config.insert("sim.slowRate", "1");
    config.insert("sim.slowMs", "60000");
    let mut factory = factory_with(Duration::from_millis(1500), HostMode::Harness);
    let err = apply_sample(&mut factory, &config).unwrap_err();
    assert_eq!(err, CallError::Timeout { after_ms: 1500 });
    assert!(err.process_died(), "a killed apply is indeterminate");

    // The harness was told nothing, but the device did change: read its real state.
    let library = LoadedLibrary::open_path(
        &lib(Lib::Sim),
        &LoadOptions {
            expected_hash: ExpectedHash::Any,
            force: false,
            placement: Placement::InProcess,
        },
    )
    .unwrap();
    let truth = DeviceChannel::open(&library)
        .unwrap()
        .snapshot(&config)
        .unwrap();
    assert_eq!(truth.names(), ["comp-a", "comp-b"]);

    // And a fresh worker's `get` sees the same truth.
    config.insert("sim.slowRate", "0");
    let got = get_sample(&mut factory, &config).unwrap();
    assert_eq!(got.len(), 2);
}

#[test]
fn the_round_document_is_sent_again_to_a_restarted_worker() {
    // Calls of one round share its document: a worker is sent it once. A worker started
    // after a crash has never seen it and must be sent it again.
    let mut factory = factory();
    let round = sample();
    let get = |factory: &mut WorkerFactory, bugs: &str| {
        factory
            .create(&sim_config("w-round", bugs))
            .unwrap()
            .get(&round.whole(), &references())
    };
    assert!(get(&mut factory, "").is_ok());
    assert!(get(&mut factory, "").is_ok(), "the same worker keeps it");
    assert_eq!(
        get(&mut factory, "panic-on-get").unwrap_err().outcome(),
        "panic"
    );
    let after_restart = get(&mut factory, "");
    assert!(after_restart.is_ok(), "{after_restart:?}");
    let starts: Vec<u64> = factory.supervisors().map(|s| s.borrow().starts()).collect();
    assert_eq!(starts, [2], "one library, restarted once");
}

#[test]
fn each_round_document_reaches_the_worker_even_where_another_was_dropped() {
    // A worker is sent a round's document once, then the supervisor only names it. A new
    // document (with other content, or built where a dropped one lived) must never be taken
    // for the one the worker holds: a document the host cannot parse must fail, a good one
    // after it must pass.
    let mut factory = factory();
    let config = sim_config("w-rounds", "");
    let mut bad = wire("deployment.json");
    bad["targets"] = Value::Null;
    let good = wire("deployment.json");
    for (document, parses) in [(&good, true), (&bad, false), (&good, true), (&bad, false)] {
        let round = RoundDeployment::from(document.clone());
        let mut provider = factory.create(&config).unwrap();
        for _ in 0..2 {
            let got = provider.get(&round.whole(), &references());
            if parses {
                assert!(got.is_ok(), "{got:?}");
            } else {
                assert_eq!(got.unwrap_err().outcome(), "host-abort");
            }
        }
    }
    let starts: Vec<u64> = factory.supervisors().map(|s| s.borrow().starts()).collect();
    assert_eq!(starts, [1], "one worker served every document");
}

#[test]
fn with_spinning_off_both_sides_sleep_in_poll_and_calls_still_answer() {
    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.spin = Duration::ZERO;
    config.call_timeout = Duration::from_secs(30);
    let mut factory =
        WorkerFactory::new(config, Box::new(|lib_file: &str| PathBuf::from(lib_file)));
    let round = sample();
    for _ in 0..3 {
        let got = factory
            .create(&sim_config("w-no-spin", ""))
            .unwrap()
            .get(&round.whole(), &references())
            .unwrap();
        assert!(got.is_empty(), "{got:?}");
    }
}

#[test]
fn null_create_is_null_provider_with_the_providers_reason() {
    let mut factory = factory();
    let err = factory
        .create(&sim_config("w-null", "null-create"))
        .err()
        .unwrap();
    assert_eq!(err.outcome(), "null-provider");
    assert!(err.to_string().contains("bug `null-create`"), "{err}");
    assert!(!err.process_died());
}

#[test]
fn empty_error_is_error_without_message_and_keeps_the_worker() {
    let mut factory = factory();
    let err = apply_sample(&mut factory, &sim_config("w-empty", "empty-error")).unwrap_err();
    assert_eq!(err, CallError::ErrorWithoutMessage);
    let starts: Vec<u64> = factory.supervisors().map(|s| s.borrow().starts()).collect();
    assert_eq!(
        starts,
        vec![1],
        "an error return must not restart the worker"
    );
}

#[test]
fn symphony_host_loses_the_message_as_symphony_does() {
    let mut factory = factory_with(Duration::from_secs(30), HostMode::Symphony);
    let err = apply_sample(&mut factory, &sim_config("w-sym-empty", "empty-error")).unwrap_err();
    let CallError::Error { message } = &err else {
        panic!("an error: {err:?}");
    };
    assert!(
        message.starts_with(&format!(
            "Symphony reports only its own text `{GO_APPLY_FAILED}`"
        )),
        "labelled as Symphony's: {message}"
    );
}

#[test]
fn symphony_host_panic_crossing_extern_c_still_shows_the_providers_message() {
    let mut factory = factory_with(Duration::from_secs(30), HostMode::Symphony);
    let err = get_sample(&mut factory, &sim_config("w-sym-panic", "panic-on-get")).unwrap_err();
    assert_eq!(err.outcome(), "panic", "{err:?}");
    assert!(err.to_string().contains("sim bug panic-on-get"), "{err}");
}

#[test]
fn input_the_symphony_host_cannot_parse_aborts_its_worker() {
    let mut factory = factory_with(Duration::from_secs(30), HostMode::Symphony);
    let mut provider = factory.create(&sim_config("w-sym-abort", "")).unwrap();
    let mut deployment = wire("deployment.json");
    deployment["targets"] = Value::Null;
    let err = provider
        .get(&RoundDeployment::from(deployment).whole(), &references())
        .unwrap_err();
    assert_eq!(err.outcome(), "panic", "{err:?}");
    assert!(err.to_string().contains("invalid type: null"), "{err}");
    assert!(
        err.to_string()
            .starts_with("Symphony's Rust host shim (not the provider) panicked"),
        "the shim's own unwrap is not the provider's fault: {err}"
    );
}

#[test]
fn provider_printing_to_stdout_does_not_break_the_protocol() {
    let mut factory = factory();
    let config = BindingConfig::new(path_str(&lib(Lib::EchoConfig)), "any", "echo");
    let mut provider = factory.create(&config).unwrap();
    for _ in 0..3 {
        let rule = provider.get_validation_rule().unwrap();
        assert!(rule.required_type.starts_with('{'));
    }
    let output = provider.take_output();
    assert_eq!(output.stdout, "echo-config: get_validation_rule called\n");
    assert_eq!(output.stderr, "", "stdout is kept apart from stderr");
    assert!(provider.take_output().is_empty(), "taken once");
}

#[test]
fn worker_keeps_the_providers_stdout_and_stderr_apart_per_call() {
    let mut factory = factory();
    let mut config = sim_config("w-print", "");
    config.insert("sim.print", "2");
    let mut provider = factory.create(&config).unwrap();
    let created = factory.take_output();
    assert_eq!(
        created.stdout,
        "sim stdout: create_provider line 1/2 on device w-print\n\
         sim stdout: create_provider line 2/2 on device w-print\n"
    );
    assert!(
        created
            .stderr
            .contains("sim stderr: create_provider line 2/2"),
        "{created:?}"
    );
    provider.get_validation_rule().unwrap();
    let output = provider.take_output();
    assert!(
        output
            .stdout
            .starts_with("sim stdout: get_validation_rule line 1/2"),
        "{output:?}"
    );
    assert!(!output.stdout.contains("stderr"), "{output:?}");
    assert!(
        output
            .stderr
            .starts_with("sim stderr: get_validation_rule line 1/2"),
        "{output:?}"
    );
    assert!(!output.stderr.contains("stdout"), "{output:?}");
    assert_eq!(output.host, "", "no host shim in the harness's host");
}

#[test]
fn symphony_lifetime_creates_an_instance_per_step_reuse_keeps_one() {
    for (lifetime, device, expected_instances) in [
        (InstanceLifetime::Symphony, "w-life-symphony", 2),
        (InstanceLifetime::Reuse, "w-life-reuse", 1),
    ] {
        let mut factory = factory().lifetime(lifetime);
        let config = sim_config(device, "");
        apply_sample(&mut factory, &config).unwrap();
        let got = get_sample(&mut factory, &config).unwrap();
        assert_eq!(got.len(), 2, "{lifetime:?}: the device outlives instances");
        let created: u64 = factory
            .supervisors()
            .map(|s| s.borrow().instances_created())
            .sum();
        assert_eq!(created, expected_instances, "{lifetime:?}");
    }
}

#[test]
fn a_custom_allocator_library_loads_in_a_worker_without_force() {
    // In-process it is refused (`load::a_custom_allocator_library_is_refused_in_process_…`);
    // a worker contains what it may break.
    let mut factory = factory();
    let config = BindingConfig::new(path_str(&lib(Lib::NullProvider)), "any", "null");
    let info = factory.preload(&config).unwrap();
    assert_eq!(info.sha256.len(), 64);
    let err = factory.create(&config).err().unwrap();
    assert_eq!(err.outcome(), "null-provider");
    assert!(err.to_string().contains("returned NULL"), "{err}");
    assert!(!err.process_died());
}

#[test]
fn preload_reports_a_hash_mismatch_as_a_load_failure() {
    let mut factory = factory();
    let mut config = sim_config("w-hash", "");
    config.insert("libHash", &"0".repeat(64));
    let err = factory.preload(&config).unwrap_err();
    let PreloadError::Load(failure) = err else {
        panic!("expected a load failure, got {err:?}");
    };
    assert!(
        failure.message.contains("hash mismatch"),
        "{}",
        failure.message
    );
    assert!(failure.hint.is_some());
}

#[test]
fn a_constructor_that_never_returns_is_a_timeout_at_the_load_deadline_and_the_next_load_retries() {
    let mut config = SupervisorConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness")));
    config.call_timeout = Duration::from_secs(30);
    config.load_timeout = Duration::from_millis(300);
    let mut factory = WorkerFactory::new(config, Box::new(|f: &str| PathBuf::from(f)));
    let binding = BindingConfig::new(path_str(&lib(Lib::LoopInit)), "any", "loop");
    for attempt in 1..=2 {
        let err = factory.preload(&binding).unwrap_err();
        let PreloadError::Call(call) = err else {
            panic!("attempt {attempt}: not a call outcome: {err:?}");
        };
        assert_eq!(call.outcome(), "timeout", "attempt {attempt}: {call:?}");
        assert!(
            call.to_string().contains("within 300 ms"),
            "attempt {attempt}: the load deadline, not the call's: {call}"
        );
    }
}

#[test]
fn missing_worker_program_is_a_harness_outcome_not_a_crash_nor_a_dead_provider() {
    let config = SupervisorConfig::new(PathBuf::from("/nonexistent/symphony-harness"));
    let mut factory = WorkerFactory::new(config, Box::new(|f: &str| PathBuf::from(f)));
    let err = factory.create(&sim_config("w-nope", "")).err().unwrap();
    assert_eq!(err.outcome(), "harness");
    assert!(!err.process_died(), "the provider never ran");
    assert!(err.to_string().contains("cannot start the worker"), "{err}");
}

#[test]
fn an_apply_that_cannot_restart_its_worker_is_a_harness_failure_not_indeterminate() {
    // The worker program is reached through a link that goes away once the first worker
    // runs: after the provider kills that worker, the harness cannot start another one.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("symphony-harness");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_symphony-harness"), &program).unwrap();
    let config = SupervisorConfig::new(program.clone());
    let mut factory = WorkerFactory::new(config, Box::new(|f: &str| PathBuf::from(f)));
    let mut provider = factory
        .create(&sim_config("w-gone", "panic-on-get"))
        .unwrap();
    std::fs::remove_file(&program).unwrap();
    let died = provider.get(&sample().whole(), &references()).unwrap_err();
    assert!(died.process_died(), "{died:?}");
    let err = provider
        .apply(&sample().whole(), &step(), false)
        .unwrap_err();
    assert_eq!(err.outcome(), "harness", "{err:?}");
    assert!(
        !err.process_died(),
        "the provider never ran: the apply is not indeterminate"
    );
}

mod cli {
    use super::*;

    #[test]
    fn load_runs_isolated_and_reports_null_create_with_the_reason() {
        let run = harness(&[
            "load",
            path_str(&lib(Lib::Sim)),
            "--config",
            "sim.bugs=null-create",
        ]);
        assert_eq!(run.code, Some(5), "{}", run.stderr);
        assert!(run.stderr.contains("bug `null-create`"), "{}", run.stderr);
    }

    #[test]
    fn load_in_process_and_through_symphonys_host_both_print_the_rule() {
        for flags in [
            vec!["--in-process"],
            vec!["--host", "symphony"],
            vec!["--in-process", "--host", "symphony"],
        ] {
            let sim = lib(Lib::Sim);
            let mut args = vec!["load", path_str(&sim)];
            args.extend(flags.iter().copied());
            let run = harness(&args);
            assert_eq!(run.code, Some(0), "{flags:?}: {}", run.stderr);
            assert!(
                run.stdout.contains("get_validation_rule: ok"),
                "{flags:?}: {}",
                run.stdout
            );
        }
    }

    #[test]
    fn bad_call_timeout_is_a_usage_error_that_says_what_is_expected() {
        let run = harness(&["load", "--call-timeout", "soon"]);
        assert_eq!(run.code, Some(2));
        assert!(run.stderr.contains("500ms"), "{}", run.stderr);
    }

    #[test]
    fn several_libraries_load_in_parallel_in_order_and_the_worst_code_wins() {
        let (sim, echo, not) = (lib(Lib::Sim), lib(Lib::EchoConfig), lib(Lib::NotProvider));
        let run = harness(&[
            "load",
            path_str(&sim),
            path_str(&not),
            path_str(&echo),
            "--hash",
            "any",
            "--jobs",
            "2",
            "--format",
            "json",
        ]);
        assert_eq!(run.code, Some(4), "{}", run.stderr);
        let json = run.json();
        let documents = json["libraries"].as_array().expect("one entry per library");
        let paths: Vec<&str> = documents
            .iter()
            .map(|d| d["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, [path_str(&sim), path_str(&not), path_str(&echo)]);
        assert_eq!(documents[0]["calls"]["get_validation_rule"], "ok");
        assert_eq!(documents[1]["exitCode"], 4);
        assert!(documents[2]["validationRule"]["requiredType"]
            .as_str()
            .unwrap()
            .starts_with('{'));
    }

    #[test]
    fn zero_jobs_and_a_pinned_hash_for_several_libraries_are_refused() {
        let sim = lib(Lib::Sim);
        let run = harness(&["load", path_str(&sim), "--jobs", "0"]);
        assert_eq!(run.code, Some(2), "a usage error: {}", run.stderr);
        let run = harness(&[
            "load",
            path_str(&sim),
            path_str(&sim),
            "--hash",
            &"a".repeat(64),
        ]);
        assert_eq!(run.code, Some(1));
        assert!(run.stderr.contains("one library's hash"), "{}", run.stderr);
    }
}

/// A worker whose supervisor is gone (its request pipe closed) while a provider call hangs
/// does not keep running the provider: it kills itself.
#[test]
fn a_worker_whose_request_pipe_closes_during_a_hanging_call_kills_itself() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use symphony_harness::worker::protocol::{
        read_frame, write_frame, Reply, Request, Response, WireDeployment,
    };

    let limit = Duration::from_secs(60);
    let mut worker = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .arg("__worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the worker starts");
    let mut requests = worker.stdin.take().expect("stdin piped");
    let mut responses = worker.stdout.take().expect("stdout piped");
    let stderr = worker.stderr.take().expect("stderr piped");
    let (lines, said) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    fn exchange(
        requests: &mut impl std::io::Write,
        responses: &mut impl std::io::Read,
        request: &Request,
    ) -> Response {
        write_frame(requests, request).expect("request sent");
        let reply: Reply = read_frame(responses).expect("a frame").expect("a reply");
        reply.response
    }
    let loaded = exchange(
        &mut requests,
        &mut responses,
        &Request::Load {
            path: lib(Lib::Sim),
            lib_hash: "any".into(),
            force: false,
            host: HostMode::Harness,
            spin_us: 0,
            image: None,
        },
    );
    assert!(matches!(loaded, Response::Loaded { .. }), "{loaded:?}");
    let created = exchange(
        &mut requests,
        &mut responses,
        &Request::Create {
            config: sim_config("w-eof", "hang-on-apply"),
        },
    );
    let Response::Created { instance } = created else {
        panic!("not created: {created:?}");
    };
    let document = serde_json::to_string(&wire("deployment.json")).unwrap();
    let apply = Request::Apply {
        instance,
        deployment: WireDeployment {
            round: 1,
            shared: Some(serde_json::value::RawValue::from_string(document).unwrap()),
            own: None,
        },
        step: step(),
        dry_run: false,
    };
    write_frame(&mut requests, &apply).expect("apply sent");
    let deadline = std::time::Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match said.recv_timeout(left) {
            Ok(line) if line.contains("apply on device `w-eof` never returns") => break,
            Ok(_) => {}
            Err(_) => {
                let _ = worker.kill();
                panic!("the apply never started hanging");
            }
        }
    }
    drop(requests);
    let Some(status) = crate::support::wait_within(&mut worker, limit) else {
        let _ = worker.kill();
        panic!("the worker kept running the provider after its request pipe closed");
    };
    assert_eq!(status.signal(), Some(9), "{status:?}");
}

#[test]
fn a_restart_gives_new_worker_processes() {
    use symphony_harness::engine::ProviderFactory;
    let mut factory = factory();
    let config = sim_config("w-restart", "");
    apply_sample(&mut factory, &config).unwrap();
    factory.restart();
    assert_eq!(factory.supervisors().count(), 0, "every worker is gone");
    // The device (`sim.store=memory`) lived in the old worker's memory: a new process has
    // none of it.
    let got = get_sample(&mut factory, &config).unwrap();
    assert!(got.is_empty(), "the old worker's memory survived: {got:?}");
    let created: Vec<(u64, u64)> = factory
        .supervisors()
        .map(|s| (s.borrow().starts(), s.borrow().instances_created()))
        .collect();
    // One new worker, which made only the `get`'s provider (without the restart: 2).
    assert_eq!(created, [(1, 1)]);
}

#[test]
fn restarted_workers_load_the_library_as_it_is_on_disk_now() {
    // A library's later workers load the image the supervisor judged (`load::image`); one
    // rebuilt on disk since must be judged again, as a worker loading by path would.
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::lib_copy(Lib::Sim, dir.path(), "libprovider.so");
    let config = BindingConfig::new(path_str(&path), "any", "provider");
    let hash = |which: Lib| sha256_hex(std::fs::File::open(lib(which)).unwrap()).unwrap();
    let mut factory = factory();
    let required_type = |factory: &mut WorkerFactory| {
        let mut provider = factory.create(&config).unwrap();
        provider.get_validation_rule().unwrap().required_type
    };
    for start in 1..=3 {
        assert_eq!(required_type(&mut factory), "", "worker {start}");
        assert_eq!(factory.preload(&config).unwrap().sha256, hash(Lib::Sim));
        factory.restart();
    }
    std::fs::copy(lib(Lib::EchoConfig), &path).unwrap();
    for start in 4..=5 {
        // The echo fixture's rule carries the config it was created with.
        let echoed = required_type(&mut factory);
        assert!(
            echoed.contains("\"name\":\"provider\""),
            "worker {start}: {echoed}"
        );
        assert_eq!(
            factory.preload(&config).unwrap().sha256,
            hash(Lib::EchoConfig)
        );
        factory.restart();
    }
}
