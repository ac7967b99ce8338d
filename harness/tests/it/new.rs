//! `symphony-harness new`: the crate it writes names no path of this machine, builds against a
//! checkout of the harness (`--harness-path`), passes its own `cargo test` (the conformance
//! suite in-process and on its library, building nothing twice), passes every check, and takes
//! its hash into target.json with `binding --update-target`; names, folders and releases it
//! refuses or pins.
//!
//! The crate is tested with `cargo test --offline` into `target/fixtures-new/`, a target folder
//! of its own that later runs reuse (in CI, on a fresh clone, this is the crate's first
//! `cargo test`): the lock `new` seeds resolves offline to what the workspace downloaded.

use std::collections::BTreeMap;
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

/// Every file below `dir`, with its text.
fn files_below(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let text = read(&path);
                files.push((path, text));
            }
        }
    }
    files
}

/// `name` -> versions of the registry packages of a lock file.
fn registry_versions(lock: &str) -> BTreeMap<String, Vec<String>> {
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                line.strip_prefix(&format!("{key} = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
            })
        };
        if let (Some(name), Some(version), Some(_)) =
            (field("name"), field("version"), field("checksum"))
        {
            versions
                .entry(name.to_string())
                .or_default()
                .push(version.to_string());
        }
    }
    versions
}

/// A folder with a link `symphony-harness` to this repository, as a checkout beside the crate,
/// and the crate `edge-provider` made there by `new --harness-path`.
fn crate_beside_a_checkout(dir: &Path) -> PathBuf {
    let checkout = dir.join("symphony-harness");
    std::os::unix::fs::symlink(workspace_root(), &checkout).unwrap();
    let crate_dir = dir.join("edge-provider");
    let stdout = new(&[
        "edge-provider",
        "--type",
        "edge.workload",
        "--harness-path",
        path_str(&checkout),
        "--path",
        path_str(&crate_dir),
    ]);
    assert!(stdout.contains("cargo build --release"), "{stdout}");
    assert!(stdout.contains("which CI does not have"), "{stdout}");
    crate_dir
}

#[test]
fn a_new_crate_names_no_path_of_this_machine_and_its_first_cargo_test_builds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = crate_beside_a_checkout(dir.path());
    let manifest = read(&crate_dir.join("Cargo.toml"));
    assert!(
        manifest.contains(
            "symphony-harness = { path = \"../symphony-harness/harness\", features = [\"testing\"] }"
        ),
        "{manifest}"
    );
    let machine_paths = [
        workspace_root().to_string_lossy().into_owned(),
        dir.path().to_string_lossy().into_owned(),
        env!("CARGO_MANIFEST_DIR").to_string(),
    ];
    let files = files_below(&crate_dir);
    assert!(files.len() >= 8, "{files:?}");
    for (file, text) in &files {
        for path in &machine_paths {
            assert!(
                !text.contains(path.as_str()),
                "{} names `{path}`",
                file.display()
            );
        }
    }

    // The crate's first `cargo test`: the conformance suite in-process and on the library.
    let target_dir = own_target_dir("fixtures-new");
    let output = cargo_in(
        &crate_dir,
        &target_dir,
        &["test", "--offline"],
        "the generated crate's tests fail",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for test in [
        "the_provider_type_passes_every_check_in_process ... ok",
        "the_built_library_passes_every_check ... ok",
    ] {
        assert!(stdout.contains(test), "no `{test}`:\n{stdout}\n{stderr}");
    }
    // Once the tests run, `Conformance::this_crate` builds in the same target folder and
    // profile: its progress is streamed, and the only thing it compiles is the harness's
    // binary for the workers; no second target folder.
    let during_tests: Vec<&str> = stderr
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("Running"))
        .collect();
    assert!(
        during_tests
            .iter()
            .any(|line| line.trim_start().starts_with("Finished")),
        "the nested build's progress is not streamed:\n{stderr}"
    );
    let compiled: Vec<&&str> = during_tests
        .iter()
        .filter(|line| line.trim_start().starts_with("Compiling"))
        .filter(|line| {
            !line
                .trim_start()
                .starts_with("Compiling symphony-harness v")
        })
        .collect();
    assert!(
        compiled.is_empty(),
        "built again while the tests ran: {compiled:?}\n{stderr}"
    );
    assert!(
        !target_dir.join("symphony-harness").exists(),
        "a second target folder"
    );

    // The lock `new` seeded kept the versions the harness is tested with.
    let tested = registry_versions(&read(&workspace_root().join("Cargo.lock")));
    let resolved = registry_versions(&read(&crate_dir.join("Cargo.lock")));
    assert!(resolved.contains_key("symphony") && resolved.contains_key("tempfile"));
    for (name, versions) in &resolved {
        if let Some(tested) = tested.get(name) {
            for version in versions {
                assert!(
                    tested.contains(version),
                    "{name} {version}, tested: {tested:?}"
                );
            }
        }
    }

    let library = target_dir.join("debug/libedge_provider.so");
    assert!(library.is_file(), "{} was not built", library.display());
    checks_pass_and_the_hash_goes_into_target_json(dir.path(), &crate_dir, &library);
}

/// Every check passes with the generated Target's binding config (its `root` pointed at a
/// folder below `dir`), the type given to `new` is the rule's and the binding's, and
/// `binding --update-target` writes the library's SHA-256 into the binding, and only that.
fn checks_pass_and_the_hash_goes_into_target_json(dir: &Path, crate_dir: &Path, library: &Path) {
    let target = crate_dir.join("target.json");
    let device = dir.join("device");
    let root = format!("root={}", path_str(&device));
    let run = harness(&[
        "check",
        path_str(library),
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

    let before = read(&target);
    let run = harness(&[
        "binding",
        path_str(library),
        "--update-target",
        path_str(&target),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let sha256: String = Sha256::digest(std::fs::read(library).unwrap())
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
fn symphony_0_49_pins_0_1_5_with_this_version_of_the_harness_from_crates_io() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("p");
    let stdout = new(&["p", "--path", path_str(&crate_dir)]);
    let manifest = read(&crate_dir.join("Cargo.toml"));
    assert!(
        manifest.lines().any(|l| l == "symphony = \"=0.1.5\""),
        "{manifest}"
    );
    let version = env!("CARGO_PKG_VERSION");
    let dependency =
        format!("symphony-harness = {{ version = \"={version}\", features = [\"testing\"] }}");
    assert!(manifest.contains(&dependency), "{manifest}");
    let ci = read(&crate_dir.join(".github/workflows/ci.yml"));
    assert!(
        ci.contains(&format!(
            "cargo install --locked symphony-harness --version ={version}"
        )),
        "{ci}"
    );
    // The README, its lines joined: it wraps between words.
    let readme = read(&crate_dir.join("README.md")).replace('\n', " ");
    assert!(
        readme.contains(&format!(
            "`cargo install --locked symphony-harness --version ={version}`"
        )),
        "{readme}"
    );
    assert!(
        readme.contains(&format!("symphony-harness {version} from crates.io")),
        "{readme}"
    );
    assert!(read(&crate_dir.join("Cargo.lock")).contains("name = \"symphony\""));
    // The default type is the crate's name.
    assert!(read(&crate_dir.join("src/lib.rs")).contains("COMPONENT_TYPE: &str = \"p\";"));
    assert!(!stdout.contains("note:"), "{stdout}");
}

#[test]
fn harness_git_pins_its_commit_in_the_dev_dependency_and_ci_and_bad_sources_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("g");
    let url = "https://example.com/acme/symphony-harness.git";
    let rev = "0123456789abcdef0123456789abcdef01234567";
    new(&[
        "g",
        "--harness-git",
        url,
        "--rev",
        rev,
        "--path",
        path_str(&crate_dir),
    ]);
    assert!(read(&crate_dir.join("Cargo.toml")).contains(&format!(
        "symphony-harness = {{ git = \"{url}\", rev = \"{rev}\", features = [\"testing\"] }}"
    )));
    assert!(
        read(&crate_dir.join(".github/workflows/ci.yml")).contains(&format!(
            "cargo install --locked --git {url} --rev {rev} symphony-harness"
        ))
    );

    let refused = |args: &[&str], code: i32, says: &str| {
        let target = dir.path().join("h");
        let run = harness(&[&["new", "h", "--path", path_str(&target)], args].concat());
        assert_eq!(run.code, Some(code), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(!target.exists(), "{args:?}: something was written");
    };
    refused(
        &["--harness-path", path_str(dir.path())],
        1,
        "holds no `symphony-harness` crate",
    );
    refused(&["--harness-git", url], 2, "--rev");
    refused(
        &["--harness-git", url, "--rev", "main"],
        1,
        "not a full commit SHA",
    );
    refused(&["--rev", rev], 2, "--harness-git");
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
