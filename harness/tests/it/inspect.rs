use std::process::Command;

use symphony_harness::inspect::{
    Abi, Allocator, HostToolchain, Inspection, ModelGeneration, VerdictLevel,
    DEVICE_CHANNEL_FUNCTIONS,
};
use symphony_harness::load::{LibraryFile, DEVICE_CHANNEL_ABI};

use crate::support::{harness, lib, lib_copy, path_str, Lib};

fn inspect(which: Lib) -> Inspection {
    let file = LibraryFile::open(&lib(which)).unwrap();
    Inspection::new(file.bytes(), file.sha256().to_string()).unwrap()
}

/// Expected verdict of every test library: the one table to read.
const EXPECTED_VERDICTS: [(Lib, VerdictLevel); 6] = [
    (Lib::Sim, VerdictLevel::Compatible),
    (Lib::EchoConfig, VerdictLevel::Compatible),
    (Lib::Symphony014, VerdictLevel::Compatible),
    (Lib::NullProvider, VerdictLevel::Risky),
    (Lib::OldAbi, VerdictLevel::Incompatible),
    (Lib::NotProvider, VerdictLevel::NotAProvider),
];

#[test]
fn every_test_library_gets_its_expected_verdict() {
    for (which, level) in EXPECTED_VERDICTS {
        let inspection = inspect(which);
        assert_eq!(
            inspection.verdict.level, level,
            "{which:?}: {:?}",
            inspection.verdict
        );
    }
}

#[test]
fn inspect_reports_this_toolchains_rustc() {
    let output = Command::new("rustc")
        .arg("-V")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let now = text.trim().strip_prefix("rustc ").unwrap().to_string();
    let fingerprint = inspect(Lib::Sim).fingerprint;
    assert_eq!(fingerprint.rustc, vec![now.clone()]);
    assert_eq!(HostToolchain::current().rustc, now);
}

#[test]
fn sim_provider_is_symphony_015_with_default_allocator() {
    let fp = inspect(Lib::Sim).fingerprint;
    assert_eq!(fp.symphony.versions, vec!["0.1.5".to_string()]);
    assert_eq!(fp.symphony.models, ModelGeneration::SolutionVersion);
    assert_eq!(fp.abi, Abi::ConfigJson);
    assert!(fp.create_provider);
    assert!(fp.shim_exports.contains(&"get".to_string()));
    assert_eq!(fp.allocator, Allocator::Default);
    assert_eq!(fp.architecture, std::env::consts::ARCH);
}

#[test]
fn only_the_simulator_carries_the_device_channel_marker() {
    let sim = inspect(Lib::Sim).fingerprint;
    assert_eq!(sim.channel_exports, DEVICE_CHANNEL_FUNCTIONS);
    assert_eq!(sim.device_channel.as_deref(), Some(DEVICE_CHANNEL_ABI));
    for which in [Lib::EchoConfig, Lib::NullProvider, Lib::Symphony014] {
        let other = inspect(which).fingerprint;
        assert!(other.channel_exports.is_empty(), "{which:?}: {other:?}");
        assert_eq!(other.device_channel, None, "{which:?}");
    }
}

#[test]
fn provider_built_against_014_is_reported_as_014_models() {
    let inspection = inspect(Lib::Symphony014);
    assert_eq!(
        inspection.fingerprint.symphony.versions,
        vec!["0.1.4".to_string()]
    );
    assert_eq!(
        inspection.fingerprint.symphony.models,
        ModelGeneration::Solution
    );
    assert!(
        inspection
            .verdict
            .notes
            .iter()
            .any(|note| note.contains("0.1.4 models")),
        "{:?}",
        inspection.verdict
    );
}

#[test]
fn old_abi_is_incompatible_because_of_init_provider() {
    let inspection = inspect(Lib::OldAbi);
    assert_eq!(inspection.fingerprint.abi, Abi::Legacy);
    assert!(inspection.verdict.reasons[0].contains("init_provider"));
}

#[test]
fn custom_global_allocator_is_detected() {
    let inspection = inspect(Lib::NullProvider);
    assert_eq!(inspection.fingerprint.allocator, Allocator::Custom);
    assert!(inspection
        .verdict
        .reasons
        .iter()
        .any(|r| r.contains("global_allocator")));
}

#[test]
fn stripped_library_keeps_rustc_and_symphony_but_allocator_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let copy = lib_copy(Lib::Sim, dir.path(), "libstripped.so");
    let status = Command::new("objcopy")
        .arg("--strip-all")
        .arg(&copy)
        .status()
        .expect("objcopy (binutils) runs");
    assert!(status.success());
    let file = LibraryFile::open(&copy).unwrap();
    let inspection = Inspection::new(file.bytes(), file.sha256().to_string()).unwrap();
    let fp = &inspection.fingerprint;
    assert!(fp.stripped);
    assert_eq!(fp.allocator, Allocator::Unknown);
    assert_eq!(fp.rustc, vec![HostToolchain::current().rustc]);
    assert_eq!(fp.symphony.versions, vec!["0.1.5".to_string()]);
    assert_eq!(inspection.verdict.level, VerdictLevel::Compatible);
    assert!(inspection
        .verdict
        .notes
        .iter()
        .any(|n| n.contains("stripped")));
}

#[test]
fn exit_codes_follow_the_verdict() {
    for (which, code) in [
        (Lib::Sim, 0),
        (Lib::NullProvider, 3),
        (Lib::OldAbi, 4),
        (Lib::NotProvider, 4),
    ] {
        let run = harness(&["inspect", path_str(&lib(which))]);
        assert_eq!(
            run.code,
            Some(code),
            "{which:?}\n{}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn json_format_carries_fingerprint_and_verdict() {
    let path = lib(Lib::Symphony014);
    let run = harness(&["inspect", path_str(&path), "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["verdict"]["level"], "compatible");
    assert_eq!(json["fingerprint"]["symphony"]["models"], "solution");
    assert_eq!(json["fingerprint"]["abi"], "config-json");
    assert_eq!(json["path"], path_str(&path));
    assert_eq!(json["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn a_text_file_is_not_elf_and_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libnot.so");
    std::fs::write(&path, "not a library\n").unwrap();
    let run = harness(&["inspect", path_str(&path)]);
    assert_eq!(run.code, Some(4));
    assert!(run.stderr.contains("not an ELF"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}
