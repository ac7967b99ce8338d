//! Build steps of the harness:
//! - records the rustc that compiled it, so `inspect` can compare a provider library's
//!   `.comment` with it: a provider must be built by the same rustc as the host that loads it;
//! - builds the simulated provider from its sources in this package (`sim-provider/src/`, in
//!   the repository a link to the workspace crate's `sim-provider/src/`) and leaves its bytes
//!   in `OUT_DIR`, where `src/sim.rs` embeds them, so an installed or copied binary carries
//!   its simulator;
//! - leaves the lock file the harness is tested with in `OUT_DIR` (`harness.lock`), which
//!   `new` seeds a provider crate's `Cargo.lock` from.
//!
//! The simulator is built by a nested `cargo build --release --locked` of a crate of its own
//! in `<target>/embedded-sim/crate/`: its manifest is `sim-provider/embedded.toml` pointed at
//! the sources here, its lock `sim-provider/Cargo.lock`. The sources, manifest and lock are
//! all in this package, so a build from the published crate (`cargo install symphony-harness`)
//! embeds the same simulator as a build in the repository. Its target folder,
//! `<target>/embedded-sim`, is its own: the nested build never waits on the outer cargo's lock
//! and is a no-op when fresh. `SYMPHONY_HARNESS_NO_EMBEDDED_SIM=1` skips it; the binary then
//! says how to get a simulator when a command needs one.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The simulated provider's file name, as cargo names its cdylib.
const SIM_FILE: &str = "libsymphony_sim_provider.so";

/// Set (to anything but `0` or empty) at build time: embed no simulator.
const SKIP_VAR: &str = "SYMPHONY_HARNESS_NO_EMBEDDED_SIM";

/// Why the binary has no embedded simulator (empty when it has one), for its error text.
const NOTE_VAR: &str = "SYMPHONY_HARNESS_SIM_NOT_EMBEDDED";

/// The simulator's folder in this package: `src/`, `embedded.toml` and `Cargo.lock`.
const SIM_DIR: &str = "sim-provider";

fn main() {
    record_rustc();
    embed_simulator();
    keep_lock_file();
}

/// Copies the harness's lock file to `OUT_DIR/harness.lock`: the workspace's (`../Cargo.lock`)
/// in the repository, the package's own (`Cargo.lock`, which `cargo package` writes) in a
/// published crate; an empty file when there is neither.
fn keep_lock_file() {
    let manifest_dir = PathBuf::from(required_var("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(required_var("OUT_DIR")).join("harness.lock");
    let found = [
        manifest_dir.join("Cargo.lock"),
        manifest_dir.join("../Cargo.lock"),
    ]
    .into_iter()
    .find(|path| path.is_file());
    let text = match &found {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::read(path)
                .unwrap_or_else(|err| fail(&format!("cannot read `{}`: {err}", path.display())))
        }
        None => Vec::new(),
    };
    write_if_changed(&out, &text);
}

fn record_rustc() {
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

/// Leaves `OUT_DIR/libsymphony_sim_provider.so`: the simulator's bytes, or an empty file when
/// the build was asked to embed none (and `SYMPHONY_HARNESS_SIM_NOT_EMBEDDED` says so).
fn embed_simulator() {
    println!("cargo:rerun-if-env-changed={SKIP_VAR}");
    let out_dir = PathBuf::from(required_var("OUT_DIR"));
    let embedded = out_dir.join(SIM_FILE);
    if std::env::var(SKIP_VAR).is_ok_and(|value| !value.is_empty() && value != "0") {
        write(&embedded, &[]);
        println!("cargo:rustc-env={NOTE_VAR}=it was built with {SKIP_VAR} set");
        return;
    }

    let manifest_dir = PathBuf::from(required_var("CARGO_MANIFEST_DIR"));
    let sim_dir = manifest_dir.join(SIM_DIR);
    let lib = sim_dir.join("src").join("lib.rs");
    if !lib.is_file() {
        fail(&format!(
            "the simulated provider's sources are missing: no `{}`",
            lib.display()
        ));
    }
    // Folders: cargo reruns this script when a file below them changes. In the repository
    // `src` links to `sim-provider/src`, named too in case cargo does not look through links.
    println!("cargo:rerun-if-changed={}", sim_dir.display());
    if let Ok(sources) = sim_dir.join("src").canonicalize() {
        println!("cargo:rerun-if-changed={}", sources.display());
    }
    let crate_dir = nested_target_dir(&out_dir).join("crate");
    let manifest = read_text(&sim_dir.join("embedded.toml"))
        .replace("@@lib@@", &toml_escape(&lib.to_string_lossy()));
    write_if_changed(&crate_dir.join("Cargo.toml"), manifest.as_bytes());
    write_if_changed(
        &crate_dir.join("Cargo.lock"),
        read_text(&sim_dir.join("Cargo.lock")).as_bytes(),
    );
    let built = build_simulator(&crate_dir, &sim_dir, &out_dir);
    if let Err(err) = std::fs::copy(&built, &embedded) {
        fail(&format!(
            "cannot copy the simulated provider `{}` to `{}`: {err}",
            built.display(),
            embedded.display()
        ));
    }
    println!("cargo:rustc-env={NOTE_VAR}=");
}

/// `text` escaped for a TOML basic string (between double quotes).
fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Runs the nested `cargo build` and returns the path of the built library.
fn build_simulator(crate_dir: &Path, sim_dir: &Path, out_dir: &Path) -> PathBuf {
    let target_dir = nested_target_dir(out_dir);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // A cross build embeds a simulator for the binary's target, not the build machine's.
    let target = std::env::var("TARGET").ok();
    let cross = target
        .as_ref()
        .filter(|t| Some(*t) != std::env::var("HOST").ok().as_ref());
    if let Some(target) = cross {
        command.args(["--target", target]);
    }
    // Without debug info the library is a sixth of its size (about 1.8 MB, not 10); its
    // symbols and `.comment` stay, so `inspect` reads it as it reads a user's library.
    command
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo");
    // Its panic locations read `sim-provider/src/…` wherever the package was unpacked, as in
    // the workspace's own build of the simulator: no path of the building machine in the
    // library, and the same transcripts from both.
    let mut remap = OsString::from("--remap-path-prefix=");
    remap.push(sim_dir);
    remap.push("=sim-provider");
    // The outer build's flags and package variables are not the simulator's; the jobserver
    // (`CARGO_MAKEFLAGS`) is kept, so both builds share the same job slots.
    for name in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
    ] {
        command.env_remove(name);
    }
    command.env("CARGO_ENCODED_RUSTFLAGS", remap);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["CARGO_PKG_", "CARGO_CFG_", "CARGO_FEATURE_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name.as_ref());
        }
    }

    let output = match command.output() {
        Ok(output) => output,
        Err(err) => fail(&format!(
            "cannot run cargo to build the simulated provider: {err}"
        )),
    };
    if !output.status.success() {
        // The command without the variables it clears, which would drown it.
        let shown: Vec<_> = std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|part| part.to_string_lossy())
            .collect();
        fail(&format!(
            "building the simulated provider failed: `{}`\n{}",
            shown.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut release = target_dir;
    if let Some(target) = cross {
        release.push(target);
    }
    let built = release.join("release").join(SIM_FILE);
    if !built.is_file() {
        fail(&format!(
            "the simulated provider was built, but `{}` is missing",
            built.display()
        ));
    }
    built
}

/// `<target>/embedded-sim`: `OUT_DIR` is `<target>/[<triple>/]<profile>/build/<pkg>-<hash>/out`,
/// so one folder for every profile and build of the harness, and none of the outer cargo's.
fn nested_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .nth(4)
        .unwrap_or(out_dir)
        .join("embedded-sim")
}

fn required_var(name: &str) -> OsString {
    std::env::var_os(name).unwrap_or_else(|| fail(&format!("cargo did not set `{name}`")))
}

fn write(path: &Path, bytes: &[u8]) {
    if let Err(err) = std::fs::write(path, bytes) {
        fail(&format!("cannot write `{}`: {err}", path.display()));
    }
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| fail(&format!("cannot read `{}`: {err}", path.display())))
}

/// Writes `bytes` to `path` (creating its folder) unless it holds them already: an unchanged
/// file keeps its time, so the nested build stays fresh. A new file is written under another
/// name and renamed into place, so two builds at once never see half of it.
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    if let Some(parent) = path.parent() {
        if let Err(err) = std::fs::create_dir_all(parent) {
            fail(&format!("cannot create `{}`: {err}", parent.display()));
        }
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    write(&temporary, bytes);
    if let Err(err) = std::fs::rename(&temporary, path) {
        fail(&format!("cannot write `{}`: {err}", path.display()));
    }
}

/// Fails the build with `message` and what to do about it.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    eprintln!(
        "hint: the harness embeds the simulated provider it builds from `{SIM_DIR}/` in its \
         package; fix the error above, or build without it: `{SKIP_VAR}=1 cargo build` \
         (commands then need a provider library)"
    );
    std::process::exit(1);
}
