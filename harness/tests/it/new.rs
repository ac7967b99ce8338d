//! `symphony-harness new`: the crate it writes builds, passes every check, and takes its hash
//! into target.json with `binding --update-target`; names, folders and releases it refuses or
//! pins.
//!
//! The crate is built once, with `cargo build --lib` (its dev-dependencies are not built),
//! into `target/fixtures-new/`, a target directory of its own so the outer `cargo test` is
//! never waited on; the workspace's Cargo.lock is copied in first, so it resolves offline to
//! what the workspace already downloaded.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::support::{cargo_in, harness, lib, own_target_dir, path_str, workspace_root, Lib};

/// Runs `new` with `args`, expecting success.
fn new(args: &[&str]) -> String {
    let run = harness(&[&["new"], args].concat());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.stdout
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Builds the library of the crate in `dir` and returns its path.
fn build_library(dir: &Path, crate_ident: &str) -> PathBuf {
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target_dir = own_target_dir("fixtures-new");
    cargo_in(
        dir,
        &target_dir,
        &["build", "--lib", "--quiet", "--offline"],
        "the generated crate does not build",
    );
    let library = target_dir.join(format!("debug/lib{crate_ident}.so"));
    assert!(library.is_file(), "{} was not built", library.display());
    library
}

#[test]
fn a_new_crate_builds_passes_every_check_and_takes_its_hash_into_target_json() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("edge-provider");
    let stdout = new(&[
        "edge-provider",
        "--type",
        "edge.workload",
        "--path",
        path_str(&crate_dir),
    ]);
    assert!(stdout.contains("cargo build --release"), "{stdout}");
    let library = build_library(&crate_dir, "edge_provider");

    // Every check passes with the generated Target's binding config (its `root` pointed at a
    // folder of this test), and the type given to `new` is the rule's and the binding's.
    let target = crate_dir.join("target.json");
    let device = dir.path().join("device");
    let root = format!("root={}", path_str(&device));
    let run = harness(&[
        "check",
        path_str(&library),
        "--target",
        path_str(&target),
        "--config",
        &root,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    let results: Vec<&serde_json::Value> = report["libraries"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks:\n{}", run.stdout))
        .iter()
        .collect();
    assert_eq!(
        results.len(),
        symphony_harness::check::CATALOG.len(),
        "{}",
        run.stdout
    );
    for result in &results {
        assert_eq!(result["status"], "pass", "{result}");
    }
    let required_type = results
        .iter()
        .find(|r| r["id"] == "rule.required-type")
        .unwrap();
    assert!(
        required_type["message"]
            .as_str()
            .unwrap()
            .contains("`edge.workload`"),
        "{required_type}"
    );
    assert!(
        device.join("components.json").is_file(),
        "the checks never reached the device under `root`"
    );

    // `binding --update-target` writes the library's SHA-256 into the binding, and only that.
    let before = read(&target);
    let run = harness(&[
        "binding",
        path_str(&library),
        "--update-target",
        path_str(&target),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let sha256: String = Sha256::digest(std::fs::read(&library).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let after = read(&target);
    let placeholder = "set by: symphony-harness binding target/release/libedge_provider.so \
                       --update-target target.json";
    assert_eq!(after, before.replace(placeholder, &sha256));
    let parsed: serde_json::Value = serde_json::from_str(&after).unwrap();
    let binding = &parsed["spec"]["topologies"][0]["bindings"][0];
    assert_eq!(binding["config"]["libHash"], sha256.as_str());
    assert_eq!(binding["role"], "edge.workload");
    assert!(run.stdout.contains(&sha256), "{}", run.stdout);
}

#[test]
fn a_folder_that_holds_files_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let run = harness(&["new", "my-provider", "--path", path_str(dir.path())]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("already exists and is not empty (it holds `keep.txt`)"),
        "{}",
        run.stderr
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(read(&dir.path().join("keep.txt")), "mine");
}

#[test]
fn bad_names_and_types_are_refused_saying_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x");
    for (name, args, problem) in [
        ("digit first", vec!["1provider"], "starts with `1`"),
        ("keyword", vec!["fn"], "Rust keyword"),
        ("a path", vec!["my/provider"], "give `--path DIR`"),
        ("a space", vec!["my provider"], "contains ` `"),
        (
            "its own dependency",
            vec!["symphony"],
            "depends on `symphony`",
        ),
        (
            "type container",
            vec!["ok", "--type", "container"],
            "binding role `instance`",
        ),
        (
            "type with a quote",
            vec!["ok", "--type", "a\"b"],
            "contains `\"`",
        ),
    ] {
        let run = harness(&[&["new"], args.as_slice(), &["--path", path_str(&path)]].concat());
        assert_eq!(run.code, Some(2), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(problem), "{name}: {}", run.stderr);
        assert!(!path.exists(), "{name}: something was written");
    }
}

#[test]
fn symphony_0_48_pins_0_1_4_and_has_no_harness_dev_dependency() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("old");
    new(&[
        "old-provider",
        "--symphony",
        "0.48",
        "--path",
        path_str(&crate_dir),
    ]);
    let manifest = read(&crate_dir.join("Cargo.toml"));
    assert!(
        manifest.lines().any(|l| l == "symphony = \"=0.1.4\""),
        "{manifest}"
    );
    assert!(!manifest.contains("symphony-harness ="), "{manifest}");
    assert!(!crate_dir.join("tests/conformance.rs").exists());
    let ci = read(&crate_dir.join(".github/workflows/ci.yml"));
    assert!(ci.contains("--symphony 0.48"), "{ci}");
    assert!(read(&crate_dir.join("README.md")).contains("--symphony 0.48"));
}

#[test]
fn symphony_0_49_pins_0_1_5_with_the_harness_this_binary_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("p");
    let stdout = new(&["p", "--path", path_str(&crate_dir)]);
    let manifest = read(&crate_dir.join("Cargo.toml"));
    assert!(
        manifest.lines().any(|l| l == "symphony = \"=0.1.5\""),
        "{manifest}"
    );
    let harness_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dependency = format!(
        "symphony-harness = {{ path = \"{}\", features = [\"testing\"] }}",
        harness_dir.display()
    );
    assert!(manifest.contains(&dependency), "{manifest}");
    // The default type is the crate's name.
    assert!(read(&crate_dir.join("src/lib.rs")).contains("COMPONENT_TYPE: &str = \"p\";"));
    assert!(stdout.contains("CI cannot reach"), "{stdout}");
}

#[test]
fn harness_git_goes_into_the_dev_dependency_and_ci_and_a_wrong_harness_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("g");
    let url = "https://example.com/acme/symphony-harness.git";
    new(&["g", "--harness-git", url, "--path", path_str(&crate_dir)]);
    assert!(read(&crate_dir.join("Cargo.toml")).contains(&format!(
        "symphony-harness = {{ git = \"{url}\", features = [\"testing\"] }}"
    )));
    assert!(
        read(&crate_dir.join(".github/workflows/ci.yml")).contains(&format!(
            "cargo install --locked --git {url} symphony-harness"
        ))
    );

    let run = harness(&[
        "new",
        "h",
        "--harness-path",
        path_str(dir.path()),
        "--path",
        path_str(&dir.path().join("h")),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("holds no `symphony-harness` crate"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("h").exists());
}

#[test]
fn the_generated_rust_is_rustfmt_clean_for_short_and_longest_names() {
    let dir = tempfile::tempdir().unwrap();
    let longest = format!("z{}", "-a".repeat(31)) + "b";
    assert_eq!(longest.len(), 64);
    for name in ["p", longest.as_str()] {
        let crate_dir = dir.path().join(name);
        new(&[name, "--path", path_str(&crate_dir)]);
        let output = Command::new("rustfmt")
            .args(["--check", "--edition", "2021"])
            .arg(crate_dir.join("src/lib.rs"))
            .arg(crate_dir.join("tests/conformance.rs"))
            .output()
            .expect("rustfmt runs");
        assert!(
            output.status.success(),
            "{name}:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn update_target_without_the_librarys_binding_fails_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    let text = r#"{"metadata": {"name": "t"}, "spec": {"topologies": [{"bindings": [
        {"role": "r", "provider": "providers.target.rust",
         "config": {"libFile": "/extensions/libother.so", "libHash": "any"}}]}]}}"#;
    std::fs::write(&target, text).unwrap();
    let run = harness(&[
        "binding",
        path_str(&lib(Lib::Sim)),
        "--update-target",
        path_str(&target),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("loads a file named `libsymphony_sim_provider.so`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--role ROLE"), "{}", run.stderr);
    assert_eq!(read(&target), text);
    // Picked by role, the binding takes the hash.
    let run = harness(&[
        "binding",
        path_str(&lib(Lib::Sim)),
        "--update-target",
        path_str(&target),
        "--role",
        "r",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!read(&target).contains(r#""libHash": "any""#));
}

#[test]
fn new_help_is_stable() {
    let run = harness(&["new", "--help"]);
    assert_eq!(run.code, Some(0));
    insta::assert_snapshot!(run.stdout);
}
