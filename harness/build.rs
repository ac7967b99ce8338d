//! Records the rustc that compiled the harness, so `inspect` can compare a provider library's
//! `.comment` with it: a provider must be built by the same rustc as the host that loads it.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(&rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .unwrap_or_default();
    // `rustc 1.95.0 (59807616e 2026-04-14)` -> `1.95.0 (59807616e 2026-04-14)`, the form that
    // `.comment` carries after its `rustc version ` prefix.
    let version = version
        .strip_prefix("rustc ")
        .unwrap_or(&version)
        .to_string();
    println!("cargo:rustc-env=HARNESS_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
