use std::process::Command;

use std::time::Duration;

use crate::support::{harness, harness_within, lib, path_str, Lib};

#[test]
fn hash_output_equals_sha256sum_byte_for_byte() {
    let sim = lib(Lib::Sim);
    let echo = lib(Lib::EchoConfig);
    let ours = harness(&["hash", path_str(&sim), path_str(&echo)]);
    let theirs = Command::new("sha256sum")
        .arg(&sim)
        .arg(&echo)
        .output()
        .expect("sha256sum runs");
    assert_eq!(ours.code, Some(0), "{}", ours.stderr);
    assert_eq!(ours.stdout, String::from_utf8_lossy(&theirs.stdout));
}

#[test]
fn unreadable_file_is_reported_and_the_others_still_hashed() {
    let sim = lib(Lib::Sim);
    let run = harness(&["hash", "/nonexistent/lib.so", path_str(&sim)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("cannot hash `/nonexistent/lib.so`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.ends_with(&format!("  {}\n", sim.display())),
        "{}",
        run.stdout
    );
}

#[test]
fn names_with_a_newline_backslash_or_return_match_sha256sum_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "new\nline.so",
        "back\\slash.so",
        "car\rriage.so",
        "plain.so",
    ];
    let paths: Vec<std::path::PathBuf> = names
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::write(&path, name.as_bytes()).unwrap();
            path
        })
        .collect();
    let args: Vec<&str> = std::iter::once("hash")
        .chain(paths.iter().map(|p| path_str(p)))
        .collect();
    let ours = Command::new(env!("CARGO_BIN_EXE_symphony-harness"))
        .args(&args)
        .output()
        .expect("symphony-harness runs");
    let theirs = Command::new("sha256sum")
        .args(&paths)
        .output()
        .expect("sha256sum runs");
    assert_eq!(ours.status.code(), Some(0));
    assert!(theirs.stdout.starts_with(b"\\"), "sha256sum escapes these");
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout)
    );
}

#[test]
fn dash_hashes_standard_input_and_names_it_dash_like_sha256sum() {
    let run = harness_within(&["hash", "-"], b"abc", Duration::from_secs(60));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"
    );
}

#[test]
fn a_fifo_is_refused_and_the_other_files_still_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.so");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        0,
    )
    .expect("mkfifo");
    let sim = lib(Lib::Sim);
    let run = harness_within(
        &["hash", path_str(&fifo), path_str(&sim)],
        b"",
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "`{}` is a FIFO, not a library file",
            fifo.display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.ends_with(&format!("  {}\n", sim.display())),
        "{}",
        run.stdout
    );
}
