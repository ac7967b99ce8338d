use std::io::Write;
use std::sync::Arc;

use serde_json::Value;
use symphony_harness::engine::{CallError, Provider};
use symphony_harness::inspect::VerdictLevel;
use symphony_harness::load::{
    sha256_hex, ExpectedHash, HashCheck, InProcessProvider, LibraryFile, LoadError, LoadOptions,
    LoadedLibrary, Placement,
};
use symphony_harness::model::{BindingConfig, ComponentStep, DeploymentStep, RoundDeployment};

use crate::support::{lib, lib_copy, workspace_root, Lib};

fn options(expected: ExpectedHash) -> LoadOptions {
    LoadOptions {
        expected_hash: expected,
        force: false,
        placement: Placement::InProcess,
    }
}

fn load(which: Lib) -> Arc<LoadedLibrary> {
    LoadedLibrary::open_path(&lib(which), &options(ExpectedHash::Any)).unwrap()
}

/// Options that load into this process whatever the inspector says.
fn forced() -> LoadOptions {
    LoadOptions {
        force: true,
        ..options(ExpectedHash::Any)
    }
}

fn wire(name: &str) -> Value {
    let path = workspace_root()
        .join("harness/tests/data/wire-0.49")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn mapped_in_this_process(path: &std::path::Path) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .any(|line| line.ends_with(path.to_str().unwrap()))
}

#[test]
fn matching_hash_loads_and_reports_matched() {
    let path = lib(Lib::Sim);
    let sha = LibraryFile::open(&path).unwrap().sha256().to_string();
    let library = LoadedLibrary::open_path(&path, &options(ExpectedHash::Sha256(sha))).unwrap();
    assert_eq!(library.hash_check(), HashCheck::Matched);
}

#[test]
fn hash_mismatch_is_refused_before_anything_is_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = lib_copy(Lib::Sim, dir.path(), "libmismatch.so");
    let wrong = "0".repeat(64);
    let err =
        LoadedLibrary::open_path(&path, &options(ExpectedHash::Sha256(wrong.clone()))).unwrap_err();
    let LoadError::HashMismatch {
        expected, found, ..
    } = &err
    else {
        panic!("expected a hash mismatch, got {err:?}");
    };
    assert_eq!(*expected, wrong);
    assert_eq!(*found, LibraryFile::open(&path).unwrap().sha256());
    let message = err.to_string();
    assert!(
        message.contains(&wrong) && message.contains(found.as_str()),
        "{message}"
    );
    assert!(
        !mapped_in_this_process(&path),
        "a refused library must not be mapped"
    );
}

#[test]
fn not_a_provider_is_refused() {
    let err =
        LoadedLibrary::open_path(&lib(Lib::NotProvider), &options(ExpectedHash::Any)).unwrap_err();
    assert!(matches!(err, LoadError::NotAProvider { .. }), "{err:?}");
    assert!(err.to_string().contains("not a Symphony provider"), "{err}");
}

#[test]
fn old_abi_is_refused_unless_forced() {
    let err = LoadedLibrary::open_path(&lib(Lib::OldAbi), &options(ExpectedHash::Any)).unwrap_err();
    assert!(matches!(err, LoadError::Incompatible { .. }), "{err:?}");
    assert!(err.hint().unwrap().contains("--force"));
}

#[test]
fn null_from_create_provider_is_its_own_error() {
    // The fixture has a custom global allocator: loading it here takes `force`.
    let library = LoadedLibrary::open_path(&lib(Lib::NullProvider), &forced()).unwrap();
    let err =
        InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).unwrap_err();
    let LoadError::NullProvider { config_json, .. } = &err else {
        panic!("expected NullProvider, got {err:?}");
    };
    assert_eq!(
        config_json,
        r#"{"libFile":"/x.so","libHash":"any","name":"n"}"#
    );
    assert!(err.to_string().contains("returned NULL"));
}

#[test]
fn a_custom_allocator_library_is_refused_in_process_before_it_is_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = lib_copy(Lib::NullProvider, dir.path(), "librisky-refused.so");
    let err = LoadedLibrary::open_path(&path, &options(ExpectedHash::Any)).unwrap_err();
    let LoadError::RiskyInProcess { reasons, .. } = &err else {
        panic!("expected RiskyInProcess, got {err:?}");
    };
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("global_allocator")),
        "{reasons:?}"
    );
    assert!(
        err.to_string()
            .contains("not safe to load into the harness's own process"),
        "{err}"
    );
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("drop `--in-process`") && hint.contains("--force"),
        "{hint}"
    );
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(
        !maps.contains("librisky-refused.so"),
        "a refused library must not be mapped"
    );
}

#[test]
fn a_custom_allocator_library_loads_in_process_when_forced_and_says_what_was_forced() {
    let library = LoadedLibrary::open_path(&lib(Lib::NullProvider), &forced()).unwrap();
    assert!(
        library
            .forced()
            .iter()
            .any(|reason| reason.starts_with("risky in process:")
                && reason.contains("global_allocator")),
        "{:?}",
        library.forced()
    );
}

#[test]
fn a_custom_allocator_library_is_accepted_for_a_worker_without_force() {
    let accepted = LibraryFile::open(&lib(Lib::NullProvider))
        .unwrap()
        .accept(&LoadOptions {
            placement: Placement::Worker,
            ..options(ExpectedHash::Any)
        })
        .unwrap();
    assert!(accepted.forced().is_empty(), "{:?}", accepted.forced());
    assert_eq!(accepted.verdict().level, VerdictLevel::Risky);
}

#[test]
fn a_compatible_library_is_accepted_in_process_with_nothing_forced() {
    let file = LibraryFile::open(&lib(Lib::Sim)).unwrap();
    let sha256 = file.sha256().to_string();
    let accepted = file.accept(&forced()).unwrap();
    assert!(accepted.forced().is_empty(), "{:?}", accepted.forced());
    assert_eq!(accepted.sha256(), sha256);
    assert_eq!(accepted.path(), lib(Lib::Sim));
    assert_eq!(accepted.verdict().level, VerdictLevel::Compatible);
    assert!(accepted.fingerprint().create_provider);
}

#[test]
fn a_forced_incompatible_library_records_why() {
    let accepted = LibraryFile::open(&lib(Lib::OldAbi))
        .unwrap()
        .accept(&forced())
        .unwrap();
    assert!(
        accepted
            .forced()
            .iter()
            .any(|reason| reason.starts_with("incompatible:") && reason.contains("init_provider")),
        "{:?}",
        accepted.forced()
    );
}

#[test]
fn config_json_reaches_the_provider_exactly() {
    let library = load(Lib::EchoConfig);
    let mut config = BindingConfig::new("/extensions/libecho.so", "any", "echo-lib");
    config.insert("zeta", "last");
    config.insert("Alpha", "<a&b>");
    let mut provider = InProcessProvider::create(&library, &config).unwrap();
    let rule = provider.get_validation_rule().unwrap();
    assert_eq!(
        rule.required_type,
        r#"{"Alpha":"\u003ca\u0026b\u003e","libFile":"/extensions/libecho.so","libHash":"any","name":"echo-lib","zeta":"last"}"#
    );
}

#[test]
fn provider_built_against_014_loads_and_reads_the_solution_name() {
    let library = load(Lib::Symphony014);
    let mut provider =
        InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).unwrap();
    assert_eq!(
        provider.get_validation_rule().unwrap().required_type,
        "built-with-0.1.4"
    );
    let references: Vec<ComponentStep> = serde_json::from_value(wire("references.json")).unwrap();
    let components = provider
        .get(
            &RoundDeployment::from(wire("deployment.json")).whole(),
            &references,
        )
        .unwrap();
    let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["comp-a", "comp-b"]);
    // The 0.1.4 provider reads `solution_name`, which holds the 0.1.5 `solutionversionName`.
    assert_eq!(components[0].properties["solutionName"], "app-v-v1");
    assert_eq!(components[0].properties["replicas"], 2);
}

#[test]
fn sim_provider_applies_then_gets_through_the_in_process_provider() {
    let library = load(Lib::Sim);
    let mut config = BindingConfig::new("/x.so", "any", "n");
    config.insert("sim.device", "load-test-apply-get");
    let step: DeploymentStep = serde_json::from_value(wire("step.json")).unwrap();
    let deployment = RoundDeployment::from(wire("deployment.json"));
    let results = InProcessProvider::create(&library, &config)
        .unwrap()
        .apply(&deployment.whole(), &step, false)
        .unwrap();
    assert_eq!(results["comp-a"].status, 8004);
    assert_eq!(results["comp-b"].status, 8004);
    // A fresh instance, as Symphony makes for every call, sees the same device.
    let references: Vec<ComponentStep> = serde_json::from_value(wire("references.json")).unwrap();
    let got = InProcessProvider::create(&library, &config)
        .unwrap()
        .get(&deployment.whole(), &references)
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].properties["image"], "registry.example.com/a:1.0");
}

#[test]
fn input_symphonys_host_would_abort_on_is_reported_not_passed() {
    let library = load(Lib::Sim);
    let mut provider =
        InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).unwrap();
    let mut deployment = wire("deployment.json");
    deployment["targets"] = Value::Null;
    let err = provider
        .get(&RoundDeployment::from(deployment).whole(), &[])
        .unwrap_err();
    let CallError::HostWouldAbort { reason } = err else {
        panic!("expected HostWouldAbort, got {err:?}");
    };
    assert!(reason.contains("deployment"), "{reason}");
}

#[test]
fn unknown_sim_key_makes_create_provider_return_null() {
    let library = load(Lib::Sim);
    let mut config = BindingConfig::new("/x.so", "any", "n");
    config.insert("sim.devise", "typo");
    let err = InProcessProvider::create(&library, &config).unwrap_err();
    assert!(matches!(err, LoadError::NullProvider { .. }), "{err:?}");
}

#[test]
fn file_replaced_after_hashing_cannot_run_unhashed_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = lib_copy(Lib::Sim, dir.path(), "libswapped.so");
    let opened = LibraryFile::open(&path).unwrap();
    let hashed = opened.sha256().to_string();

    // Swap the path to another provider between hashing and loading.
    let impostor = lib_copy(Lib::EchoConfig, dir.path(), "impostor.so");
    std::fs::rename(&impostor, &path).unwrap();
    assert_ne!(LibraryFile::open(&path).unwrap().sha256(), hashed);

    let library = opened
        .load(&options(ExpectedHash::Sha256(hashed.clone())))
        .unwrap();
    assert_eq!(library.sha256(), hashed);
    let mut provider =
        InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).unwrap();
    // The simulated provider's rule has an empty requiredType; the echo fixture's would hold
    // the config JSON. The hashed bytes ran, not the impostor.
    assert_eq!(provider.get_validation_rule().unwrap().required_type, "");
}

#[test]
fn file_rewritten_in_place_after_hashing_still_runs_the_hashed_code() {
    // Same inode, new content of the same length, as `dd conv=notrunc` or a careless build
    // writes it: with the file mapped as it is on disk, the rewrite would run (or crash).
    let dir = tempfile::tempdir().unwrap();
    let path = lib_copy(Lib::Sim, dir.path(), "librewritten.so");
    let original = std::fs::read(&path).unwrap();
    let opened = LibraryFile::open(&path).unwrap();
    let hashed = opened.sha256().to_string();
    assert_eq!(hashed, sha256_hex(&original[..]).unwrap());

    let mut impostor = std::fs::read(lib(Lib::EchoConfig)).unwrap();
    impostor.resize(original.len(), 0);
    assert_ne!(impostor, original);
    let target = path.clone();
    let rewrite = std::thread::spawn(move || {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .unwrap();
        file.write_all(&impostor).unwrap();
        file.sync_all().unwrap();
    });
    rewrite.join().unwrap();
    assert_ne!(
        sha256_hex(std::fs::File::open(&path).unwrap()).unwrap(),
        hashed
    );

    let library = opened.load(&options(ExpectedHash::Any)).unwrap();
    assert_eq!(library.sha256(), hashed);
    let mut provider =
        InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).unwrap();
    // The simulated provider's rule has an empty requiredType; the echo fixture's would hold
    // the config JSON.
    assert_eq!(provider.get_validation_rule().unwrap().required_type, "");
}

#[test]
fn a_loaded_library_is_mapped_from_a_sealed_memory_file_not_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = lib_copy(Lib::EchoConfig, dir.path(), "libsealed-map-test.so");
    let library = LoadedLibrary::open_path(&path, &options(ExpectedHash::Any)).unwrap();
    assert!(InProcessProvider::create(&library, &BindingConfig::new("/x.so", "any", "n")).is_ok());
    assert!(!mapped_in_this_process(&path), "mapped from the path");
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(
        maps.lines()
            .any(|line| line.contains("/memfd:symphony-harness:libsealed-map-test.so")),
        "no sealed memory file mapped:\n{maps}"
    );
}

#[test]
fn two_libraries_loaded_one_after_another_each_run_their_own_code() {
    // Both are loaded through `/proc/self/fd/N`; glibc matches loaded objects by name, so the
    // second must not be mistaken for the first.
    let dir = tempfile::tempdir().unwrap();
    let first = lib_copy(Lib::EchoConfig, dir.path(), "libfirst.so");
    let second = lib_copy(Lib::Symphony014, dir.path(), "libsecond.so");
    let config = BindingConfig::new("/x.so", "any", "n");
    for (path, expect_echo) in [(&first, true), (&second, false)] {
        let library = LoadedLibrary::open_path(path, &options(ExpectedHash::Any)).unwrap();
        let required = InProcessProvider::create(&library, &config)
            .unwrap()
            .get_validation_rule()
            .unwrap()
            .required_type;
        assert_eq!(
            required.starts_with('{'),
            expect_echo,
            "{}: {required}",
            path.display()
        );
    }
}

#[test]
fn missing_file_error_hints_at_building_it() {
    let err = LibraryFile::open(std::path::Path::new("/nonexistent/libx.so")).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }));
    assert!(err.hint().unwrap().contains("cargo build"));
}

mod factory {
    use super::*;
    use std::time::Duration;
    use symphony_harness::engine::ProviderFactory;
    use symphony_harness::load::{
        InProcessFactory, LoadFailureClass, PreloadError, PreloadFactory,
    };

    fn config_for(lib_file: &str, lib_hash: &str) -> BindingConfig {
        BindingConfig::new(lib_file, lib_hash, "n")
    }

    /// A new provider's validation rule's `requiredType` (the echo fixture puts the config
    /// it was given there).
    fn required_type(factory: &mut InProcessFactory, config: &BindingConfig) -> String {
        let mut provider = factory.create(config).unwrap();
        provider.get_validation_rule().unwrap().required_type
    }

    #[test]
    fn extensions_paths_are_resolved_and_hash_checked_on_every_creation() {
        let dir = tempfile::tempdir().unwrap();
        lib_copy(Lib::Sim, dir.path(), "libsim.so");
        let base = dir.path().to_path_buf();
        let mut factory = InProcessFactory::with_resolver(Box::new(move |lib_file: &str| {
            base.join(lib_file.trim_start_matches("/extensions/"))
        }));
        let sha = LibraryFile::open(&dir.path().join("libsim.so"))
            .unwrap()
            .sha256()
            .to_string();
        let mut provider = factory
            .create(&config_for("/extensions/libsim.so", &sha))
            .unwrap();
        assert!(provider.get_validation_rule().is_ok());

        let err = factory
            .create(&config_for("/extensions/libsim.so", &"0".repeat(64)))
            .err()
            .unwrap();
        assert_eq!(err.outcome(), "null-provider");
        assert!(err.to_string().contains("hash mismatch"), "{err}");
    }

    #[test]
    fn every_creation_gets_its_own_config_though_a_marshalled_one_is_reused() {
        // The factory keeps the last config it marshalled: a different one must not get it.
        let lib_file = lib(Lib::EchoConfig).to_str().unwrap().to_string();
        let mut factory = InProcessFactory::new();
        for name in ["first", "second", "second", "first"] {
            let sent = required_type(&mut factory, &BindingConfig::new(&lib_file, "any", name));
            let sent: Value = serde_json::from_str(&sent).unwrap();
            assert_eq!(sent["name"], name, "{sent}");
        }
    }

    #[test]
    fn a_rebuilt_library_is_loaded_anew_from_the_next_round_unlike_symphony() {
        let dir = tempfile::tempdir().unwrap();
        let path = lib_copy(Lib::Sim, dir.path(), "libprov.so");
        let lib_file = path.to_str().unwrap().to_string();
        let mut factory = InProcessFactory::new().recheck_after(Duration::ZERO);
        let rule =
            |factory: &mut InProcessFactory| required_type(factory, &config_for(&lib_file, "any"));
        assert_eq!(rule(&mut factory), "");
        std::fs::rename(lib_copy(Lib::EchoConfig, dir.path(), "new.so"), &path).unwrap();
        assert_eq!(
            rule(&mut factory),
            "",
            "within a round the file is not looked at again"
        );
        factory.round_started();
        assert!(
            rule(&mut factory).starts_with('{'),
            "the next round must run the new build"
        );
    }

    #[test]
    fn a_rebuild_is_not_looked_for_again_before_the_recheck_interval() {
        let dir = tempfile::tempdir().unwrap();
        let path = lib_copy(Lib::Sim, dir.path(), "libprov.so");
        let lib_file = path.to_str().unwrap().to_string();
        let mut factory = InProcessFactory::new().recheck_after(Duration::from_secs(3600));
        let rule =
            |factory: &mut InProcessFactory| required_type(factory, &config_for(&lib_file, "any"));
        factory.round_started();
        assert_eq!(rule(&mut factory), "");
        std::fs::rename(lib_copy(Lib::EchoConfig, dir.path(), "new.so"), &path).unwrap();
        factory.round_started();
        assert_eq!(rule(&mut factory), "", "checked less than an hour ago");
    }

    #[test]
    fn a_custom_allocator_library_is_refused_by_the_in_process_factory() {
        let path = lib(Lib::NullProvider);
        let config = config_for(path.to_str().unwrap(), "any");
        let mut factory = InProcessFactory::new();
        let err = factory.create(&config).err().unwrap();
        assert_eq!(err.outcome(), "null-provider");
        assert!(
            err.to_string()
                .contains("not safe to load into the harness's own process"),
            "{err}"
        );
        let Err(PreloadError::Load(failure)) = factory.preload(&config) else {
            panic!("expected a load failure");
        };
        assert_eq!(failure.class, LoadFailureClass::NotLoadable);
        assert!(
            failure.hint.unwrap().contains("drop `--in-process`"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn null_from_create_provider_is_the_null_provider_outcome() {
        // The fixture has a custom global allocator: in this process it takes `force`.
        let mut factory = InProcessFactory::new().force(true);
        let path = lib(Lib::NullProvider);
        let err = factory
            .create(&config_for(path.to_str().unwrap(), "any"))
            .err()
            .unwrap();
        assert_eq!(err.outcome(), "null-provider");
        assert!(err.to_string().contains("returned NULL"), "{err}");
    }
}

mod symphony_host {
    use super::*;
    use symphony_harness::engine::ProviderFactory;
    use symphony_harness::load::{
        LoadFailureClass, PreloadError, PreloadFactory, SymphonyHost, SymphonyHostFactory,
        GO_APPLY_FAILED,
    };

    fn factory() -> SymphonyHostFactory {
        SymphonyHostFactory::with_resolver(Box::new(|lib_file: &str| {
            std::path::PathBuf::from(lib_file)
        }))
    }

    #[test]
    fn a_custom_allocator_library_is_refused_by_the_symphony_host_factory_unless_forced() {
        let path = lib(Lib::NullProvider);
        let config = BindingConfig::new(path.to_str().unwrap(), "any", "n");
        let err = factory().create(&config).err().unwrap();
        assert_eq!(err.outcome(), "null-provider");
        assert!(
            err.to_string()
                .contains("not safe to load into the harness's own process"),
            "{err}"
        );
        let Err(PreloadError::Load(failure)) = factory().preload(&config) else {
            panic!("expected a load failure");
        };
        assert_eq!(failure.class, LoadFailureClass::NotLoadable);

        // Forced, Symphony's host loads it, and its `create_provider` returns NULL.
        let mut forced = factory().force(true);
        assert!(forced.preload(&config).is_ok());
        let err = forced.create(&config).err().unwrap();
        assert_eq!(err.outcome(), "null-provider");
        assert!(
            err.to_string().contains("create_provider_instance"),
            "{err}"
        );
    }

    #[test]
    fn the_symphony_host_factory_shows_whether_it_forces() {
        let text = format!("{:?}", factory().force(true));
        assert!(
            text.starts_with("SymphonyHostFactory") && text.contains("force: true"),
            "{text}"
        );
    }

    #[test]
    fn a_compatible_library_passes_the_symphony_host_factory() {
        let path = lib(Lib::EchoConfig);
        let config = BindingConfig::new(path.to_str().unwrap(), "any", "n");
        let mut provider = factory().create(&config).unwrap();
        assert!(provider
            .get_validation_rule()
            .unwrap()
            .required_type
            .starts_with('{'));
    }

    fn host(config: &BindingConfig) -> Result<SymphonyHost, CallError> {
        let path = lib(Lib::Sim);
        SymphonyHost::create(path.to_str().unwrap(), "any", &config.to_json())
    }

    #[test]
    fn symphonys_own_host_functions_drive_the_sim_provider() {
        let mut config = BindingConfig::new("/x.so", "any", "n");
        config.insert("sim.device", "symphony-host-roundtrip");
        let deployment = RoundDeployment::from(wire("deployment.json"));
        let step: DeploymentStep = serde_json::from_value(wire("step.json")).unwrap();
        let results = host(&config)
            .unwrap()
            .apply(&deployment.whole(), &step, false)
            .unwrap();
        assert_eq!(results["comp-a"].status, 8004);
        let references: Vec<ComponentStep> =
            serde_json::from_value(wire("references.json")).unwrap();
        let got = host(&config)
            .unwrap()
            .get(&deployment.whole(), &references)
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].dependencies, vec!["comp-a".to_string()]);
    }

    #[test]
    fn hash_mismatch_is_null_from_create_provider_instance() {
        let path = lib(Lib::Sim);
        let err = SymphonyHost::create(path.to_str().unwrap(), &"0".repeat(64), "{}").unwrap_err();
        assert_eq!(err.outcome(), "null-provider");
    }

    #[test]
    fn a_providers_error_message_is_lost_as_in_symphony() {
        let mut config = BindingConfig::new("/x.so", "any", "n");
        config.insert("sim.bugs", "empty-error");
        let step: DeploymentStep = serde_json::from_value(wire("step.json")).unwrap();
        let err = host(&config)
            .unwrap()
            .apply(
                &RoundDeployment::from(wire("deployment.json")).whole(),
                &step,
                false,
            )
            .unwrap_err();
        let CallError::Error { message } = &err else {
            panic!("an error: {err:?}");
        };
        assert!(
            message.contains(&format!("`{GO_APPLY_FAILED}`")) && message.contains("is lost"),
            "labelled as Symphony's: {message}"
        );
    }
}

/// A library image judged and sealed by one process and loaded by its child, as a worker
/// supervisor hands its workers the image (`load::image`). The child is this test binary,
/// re-run on [`handoff_child`].
mod handoff {
    use std::os::fd::AsRawFd;
    use std::process::Command;

    use symphony_harness::load::{HandoffError, ImageHandoff, SharedImage};

    use super::*;

    const HANDOFF: &str = "LOAD_IT_HANDOFF";
    const LINE: &str = "HANDOFF ";

    fn worker_options() -> LoadOptions {
        LoadOptions {
            placement: Placement::Worker,
            ..options(ExpectedHash::Any)
        }
    }

    /// Not a test of its own: the child process the handoff tests spawn (ignored in normal
    /// runs). Loads the image `LOAD_IT_HANDOFF` describes and prints what came of it.
    #[test]
    #[ignore = "the entry point of the child processes that the handoff tests spawn"]
    fn handoff_child() {
        let Ok(text) = std::env::var(HANDOFF) else {
            return;
        };
        let handoff: ImageHandoff = serde_json::from_str(&text).unwrap();
        match LoadedLibrary::open_handoff(&handoff) {
            Ok(library) => {
                let config = BindingConfig::new("/x.so", "any", "n");
                let rule = InProcessProvider::create(&library, &config)
                    .unwrap()
                    .get_validation_rule();
                println!("{LINE}loaded {} rule-ok={}", library.sha256(), rule.is_ok());
            }
            Err(err) => println!("{LINE}refused {err}"),
        }
    }

    /// What the child made of `handoff`: its `HANDOFF` line, without the prefix.
    fn in_child(handoff: &ImageHandoff) -> String {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "load::handoff::handoff_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(HANDOFF, serde_json::to_string(handoff).unwrap())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(at) = stdout.find(LINE) else {
            panic!(
                "the child printed no result: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        stdout[at + LINE.len()..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }

    #[test]
    fn a_child_loads_the_sealed_image_its_parent_judged_even_with_the_file_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = lib_copy(Lib::Sim, dir.path(), "libsim.so");
        let image = SharedImage::judge(&path, &worker_options()).unwrap();
        assert!(image.is_current());
        let sha256 = sha256_hex(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(image.sha256(), sha256);
        // The child cannot read the path: what it loads is the parent's sealed image.
        std::fs::remove_file(&path).unwrap();
        assert!(!image.is_current(), "a file gone is a changed file");
        assert_eq!(
            in_child(image.handoff()),
            format!("loaded {sha256} rule-ok=true")
        );
    }

    #[test]
    fn an_image_of_a_library_rebuilt_on_disk_is_no_longer_current() {
        let dir = tempfile::tempdir().unwrap();
        let path = lib_copy(Lib::Sim, dir.path(), "libsim.so");
        let image = SharedImage::judge(&path, &worker_options()).unwrap();
        std::fs::copy(lib(Lib::EchoConfig), &path).unwrap();
        assert!(!image.is_current());
    }

    #[test]
    fn a_handoff_not_from_the_parent_or_not_sealed_as_announced_is_refused() {
        let image = SharedImage::judge(&lib(Lib::Sim), &worker_options()).unwrap();
        // This process holds the image: it is not its own parent.
        let err = LoadedLibrary::open_handoff(image.handoff()).unwrap_err();
        assert!(
            matches!(err, HandoffError::NotFromParent { owner } if owner == std::process::id()),
            "{err:?}"
        );
        let mut wrong_size = image.handoff().clone();
        wrong_size.size += 1;
        let said = in_child(&wrong_size);
        assert!(
            said.starts_with("refused") && said.contains("is not the sealed image announced"),
            "{said}"
        );
        // A descriptor of an ordinary file (which anyone may change) is refused too.
        let plain = std::fs::File::open(lib(Lib::Sim)).unwrap();
        let mut unsealed = image.handoff().clone();
        unsealed.fd = plain.as_raw_fd();
        let said = in_child(&unsealed);
        assert!(
            said.starts_with("refused") && said.contains("is not the sealed image announced"),
            "{said}"
        );
    }

    #[test]
    fn judging_refuses_what_a_worker_loading_by_path_refuses() {
        let err = SharedImage::judge(&lib(Lib::NotProvider), &worker_options()).unwrap_err();
        assert!(matches!(err, LoadError::NotAProvider { .. }), "{err:?}");
        let pinned = LoadOptions {
            expected_hash: ExpectedHash::parse(&"0".repeat(64)),
            ..worker_options()
        };
        let err = SharedImage::judge(&lib(Lib::Sim), &pinned).unwrap_err();
        assert!(matches!(err, LoadError::HashMismatch { .. }), "{err:?}");
    }
}
