//! The published package carries the simulator: `harness/sim-provider/` holds its sources (a
//! link to the workspace crate's), the manifest `build.rs` builds it with and its lock, and
//! `cargo package` keeps them; the manifest's dependencies and the lock's versions are the
//! workspace's. (`.ci/run` builds the packaged crate on its own and runs its binary.)

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::workspace_root;

fn read(path: &str) -> String {
    let path = workspace_root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The lines of a manifest's `[dependencies]` table, comments and blank lines left out.
fn dependencies(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .skip_while(|line| line.trim() != "[dependencies]")
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// `name version` -> checksum of every registry package of a lock file.
fn locked(lock: &str) -> BTreeMap<String, String> {
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|block| {
            let field = |key: &str| {
                block.lines().find_map(|line| {
                    line.strip_prefix(&format!("{key} = \""))
                        .and_then(|rest| rest.strip_suffix('"'))
                })
            };
            Some((
                format!("{} {}", field("name")?, field("version")?),
                field("checksum")?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn the_embedded_simulator_has_the_workspace_crates_dependencies() {
    let embedded = read("harness/sim-provider/embedded.toml");
    let workspace = read("sim-provider/Cargo.toml");
    assert!(!dependencies(&workspace).is_empty());
    assert_eq!(
        dependencies(&embedded),
        dependencies(&workspace),
        "harness/sim-provider/embedded.toml and sim-provider/Cargo.toml list different \
         dependencies; make them the same, then refresh the lock (docs/install.md, \
         \"The simulator's lock\")"
    );
}

#[test]
fn the_embedded_simulators_lock_has_the_workspaces_versions() {
    let embedded = locked(&read("harness/sim-provider/Cargo.lock"));
    let workspace = locked(&read("Cargo.lock"));
    for package in ["symphony 0.1.5", "serde_json", "rustix"] {
        assert!(
            embedded.keys().any(|key| key.starts_with(package)),
            "no {package} in the simulator's lock"
        );
    }
    let differ: Vec<&String> = embedded
        .iter()
        .filter(|(package, checksum)| workspace.get(*package) != Some(checksum))
        .map(|(package, _)| package)
        .collect();
    assert!(
        differ.is_empty(),
        "harness/sim-provider/Cargo.lock has versions the workspace's Cargo.lock lacks: \
         {differ:?}\nhint: refresh it as docs/install.md says (\"The simulator's lock\")"
    );
}

#[test]
fn the_simulators_sources_in_the_harness_are_the_workspace_crates() {
    let root = workspace_root();
    let linked = root
        .join("harness/sim-provider/src")
        .canonicalize()
        .unwrap();
    assert_eq!(
        linked,
        root.join("sim-provider/src").canonicalize().unwrap()
    );
}

#[test]
fn cargo_package_keeps_the_simulators_sources_manifest_and_lock() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "package",
            "-p",
            "symphony-harness",
            "--list",
            "--allow-dirty",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let listed = String::from_utf8_lossy(&output.stdout);
    let files: Vec<&str> = listed.lines().collect();
    let mut expected = vec![
        "build.rs".to_string(),
        "Cargo.lock".to_string(),
        "sim-provider/embedded.toml".to_string(),
        "sim-provider/Cargo.lock".to_string(),
    ];
    // Every file under `sim-provider/src`, its folders (`store/`) included.
    let root = workspace_root();
    let mut folders = vec![root.join("sim-provider/src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(&root).unwrap();
                expected.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    assert!(
        expected.contains(&"sim-provider/src/store/dir.rs".to_string()),
        "{expected:?}"
    );
    for file in &expected {
        assert!(
            files.contains(&file.as_str()),
            "`{file}` is not packaged:\n{listed}"
        );
    }
}
