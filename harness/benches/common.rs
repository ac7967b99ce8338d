//! Shared by the benchmarks: builds the release simulated provider and reads the wire samples.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[allow(dead_code)]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ has a parent")
        .to_path_buf()
}

/// Builds `libsymphony_sim_provider.so` with the release profile into `target/fixtures/`.
#[allow(dead_code)]
pub fn release_sim() -> PathBuf {
    let target = workspace_root().join("target/fixtures");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "symphony-sim-provider",
        ])
        .arg("--target-dir")
        .arg(&target)
        .current_dir(workspace_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the simulated provider failed");
    target.join("release/libsymphony_sim_provider.so")
}

#[allow(dead_code)]
pub fn wire(name: &str) -> Value {
    let path = workspace_root()
        .join("harness/tests/data/wire-0.49")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("wire sample")).expect("json")
}

/// A Target with `n` components of type `w` (two properties each), bound to the simulated
/// provider on its own in-memory device `device`.
#[allow(dead_code)]
pub fn scale_target(n: usize, device: &str) -> symphony_harness::model::TargetState {
    let components: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "name": format!("comp-{i:06}"),
                "type": "w",
                "properties": {"image": format!("registry/app-{i}:1.0"), "replicas": 2}
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("scale-{n}")},
        "spec": {
            "components": components,
            "topologies": [{"bindings": [{"role": "w", "provider": "providers.target.rust",
                "config": {"name": "sim", "libFile": "/extensions/libsymphony_sim_provider.so",
                           "libHash": "any", "sim.device": device}}]}]
        }
    }))
    .expect("target")
}
