//! The conformance suite on this provider, as `symphony-harness check` runs it: on the built
//! `cdylib` through the real loader and worker processes, and on the type in-process; and
//! random histories (`explore`) on the built `cdylib`.

use symphony_harness::testing::Conformance;

use file_provider::FileProvider;

/// A fresh folder for the components file, and its path as the `root` config value.
fn root() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().to_string_lossy().into_owned();
    (dir, path)
}

#[test]
fn the_built_library_passes_every_check_without_a_warning() {
    let (_dir, root) = root();
    Conformance::this_crate()
        .config("root", root)
        .deny_warnings()
        .assert_passes();
}

#[test]
fn the_provider_type_passes_every_check_in_process() {
    let (_dir, root) = root();
    Conformance::in_process(|config_json: &str| -> Box<dyn symphony::ITargetProvider> {
        Box::new(FileProvider::new(config_json))
    })
    .config("root", root)
    .assert_passes();
}

#[test]
fn no_random_history_breaks_an_invariant() {
    symphony_harness::testing::Explore::this_crate()
        .config_temp_dir("root")
        .seed(1)
        .cases(48)
        .assert_passes();
}
